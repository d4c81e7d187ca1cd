"""Every odd value form printed in Appendix 1 (and the narrative), read by hand."""

import math

import pytest

from kpis.scorecard.cells import CellError, parse_cell, split_inspection


def parts(text, unit="percent"):
    return [(p.value, p.unit, p.breakdown, p.comparator, p.note) for p in parse_cell(text, unit)]


def test_plain_percentage_and_decimal():
    assert parts("92%") == [(92.0, "percent", "", "", "")]
    assert parts("73.3%") == [(73.3, "percent", "", "", "")]


def test_counts_and_ratios_have_no_percent_sign():
    assert parts("0", "children") == [(0.0, "children", "", "", "")]
    assert parts("19.4", "children per FTE") == [(19.4, "children per FTE", "", "", "")]


def test_words_after_a_figure_go_to_the_note():
    assert parts("89.3% seen in the last 7 weeks") == [
        (89.3, "percent", "", "", "seen in the last 7 weeks")]
    assert parts("93% in the last 4 weeks")[0][4] == "seen in the last 4 weeks"
    assert parts("82% (ytd)") == [(82.0, "percent", "", "", "year to date (ytd)")]
    assert parts("23% (measure not in line with national definition)")[0][4] == \
        "measure not in line with national definition"
    assert parts("88 unallocated from contact date", "children") == [
        (88.0, "children", "", "", "unallocated from contact date")]


def test_labelled_breakdowns_in_one_cell():
    assert parts("43% S17 42% S47 61% 19.5% closed not seen") == [
        (43.0, "percent", "", "", ""),
        (42.0, "percent", "S17", "", ""),
        (61.0, "percent", "S47", "", ""),
        (19.5, "percent", "closed not seen", "", ""),
    ]


def test_rolling_year_and_in_month_figures():
    # The "17" of "(Mar-17)" and the "20" of "(June 20)" are labels, not figures.
    assert parts("17% (RY) 16% (Mar-17)") == [
        (17.0, "percent", "", "", "rolling year"), (16.0, "percent", "single month", "", "")]
    assert parts("22% (RY) 50% (June 20)") == [
        (22.0, "percent", "", "", "rolling year"), (50.0, "percent", "single month", "", "")]


def test_count_beside_a_percentage_takes_its_own_unit():
    assert parts("34% 208 children") == [
        (34.0, "percent", "", "", ""), (208.0, "children", "number of children", "", "")]
    assert parts("440 school days lost") == [
        (440.0, "school days", "school days lost", "", "")]


def test_named_comparators():
    assert parts("66% Inadequate LAs 75% G/O LAs") == [
        (66.0, "percent", "", "inadequate LAs", ""),
        (75.0, "percent", "", "good/outstanding LAs", "")]


def test_fraction_is_a_percentage():
    [(value, unit, _, _, note)] = parts("1/3")
    assert value == pytest.approx(33.3333, abs=1e-3) and unit == "percent"
    assert note == "printed as 1/3"


@pytest.mark.parametrize("marker", ["tbc", "no data", "TBC", " no  data "])
def test_missing_markers_are_missing_not_zero(marker):
    [(value, _, _, _, note)] = parts(marker)
    assert math.isnan(value)
    assert "printed as" in note


def test_narrative_qualifiers_and_value_words():
    assert parts("around 88", "children") == [(88.0, "children", "", "", "approximate ('around')")]
    assert parts("well over 90%")[0][0] == 90.0
    assert parts("well over 90%")[0][4] == "lower bound ('well over')"
    assert parts("at least 2", "audits")[0][:2] == (2.0, "audits")
    assert parts("mid 20's", "audits")[0][0] == 25.0
    assert parts("all")[0][0] == 100.0


def test_empty_cell_has_no_figures():
    assert parse_cell("", "percent") == []
    assert parse_cell(None, "percent") == []


@pytest.mark.parametrize("text, why", [
    ("1O5%", "cannot read '1O5%'"),
    ("92", "no % sign"),
    ("5% children", "is a percentage, but the unit here is 'children'"),
    ("12% blah", "cannot read 'blah'"),
])
def test_unreadable_cells_are_errors(text, why):
    with pytest.raises(CellError, match=why):
        parse_cell(text, "percent")


def test_inspection_cell_split_into_figure_and_finding():
    assert split_inspection("17% The proportion of children returning to care is still too high") \
        == ("17%", "The proportion of children returning to care is still too high")
    assert split_inspection("1/3") == ("1/3", "")
    # A figure inside the sentence is part of the finding, not an observation.
    assert split_inspection("only around 87% in secondary education") == \
        ("", "only around 87% in secondary education")
