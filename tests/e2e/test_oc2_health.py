"""Health assessments and dental checks from SSDA903 OC2 (kpis.records.indicators.oc2), hand-worked,
through `kpis compute` and the engine. All children invented.

Episodes (all open unless said): P, Q, R, S looked after since 01/01/2018; T since 01/06/2019
(not 12 months at 31 March 2020); U from 01/01/2017 to 01/09/2019 (left: in the 2019 cohort
only). OC2 holds P, Q, R, S. Year-end inference: the 31 March 2019 cohort is P Q R S U (4 of
OC2, 1 not: score 3), 31 March 2020 is P Q R S (score 4): OC2 is for the year to 31 March 2020.

| child | DOB | age 31/03/2020 | HEALTH_CHECK | TEETH_CHECK |
| P | 01/01/2010 | 10 | 1 | 1 |
| Q | 01/06/2016 | 3 | 0 | 1 |
| R | 01/01/2017 | 3 | 1 | 0 |
| S | 01/01/2009 | 11 | (blank: left out) | 0 |

At 2020-03: health 2/3 = 66.7% (P, R of P Q R); over 5: 1/1 (P); under 5: 1/2 (R of Q R);
dental 2/4 = 50% (P, Q).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kpis.cli import main
from kpis.records.engine import compute, drilldown, records_from

HEADER = ("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
          "P,1,01/01/2010,WBRI,,,\nQ,2,01/06/2016,WBRI,,,\nR,1,01/01/2017,WBRI,,,\n"
          "S,2,01/01/2009,WBRI,,,\nT,1,01/01/2012,WBRI,,,\nU,2,01/01/2008,WBRI,,,\n")
EPISODES = ("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,"
            "PL_POST,URN\n"
            + "".join(f"{c},01/01/2018,S,C2,N1,U1,PR1,,,,,,\n" for c in "PQRS")
            + "T,01/06/2019,S,C2,N1,U1,PR1,,,,,,\n"
            + "U,01/01/2017,S,C2,N1,U1,PR1,01/09/2019,E13,,,,\n")
OC2 = ("CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,"
       "HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED\n"
       "P,01/01/2010,10,,0,1,1,1,1,0,0,0\nQ,01/06/2016,,SDQ1,0,0,1,1,1,0,0,0\n"
       "R,01/01/2017,,SDQ1,0,1,1,0,1,0,0,0\nS,01/01/2009,12,,0,,1,0,1,0,0,0\n")
IDS = ["health_assessments_cla", "health_assessments_over5", "health_assessments_under5",
       "dental_assessments"]
WANT = {"health_assessments_cla": (2, 3), "health_assessments_over5": (1, 1),
        "health_assessments_under5": (1, 2), "dental_assessments": (2, 4)}


def _council(root: Path, oc2: bool = True) -> Path:
    d = root / "council" / "ssda903"
    d.mkdir(parents=True)
    (d / "header.csv").write_text(HEADER, encoding="utf-8")
    (d / "episodes.csv").write_text(EPISODES, encoding="utf-8")
    if oc2:
        (d / "oc2.csv").write_text(OC2, encoding="utf-8")
    return root / "council"


def _fig(tmp_path: Path, council: Path) -> tuple[int, pd.DataFrame]:
    out = tmp_path / "f.csv"
    code = main(["compute", "--input", str(council), "--out", str(out), "--from", "2020-02",
                 "--to", "2020-04", "--levels", "council"])
    return code, pd.read_csv(out, keep_default_na=False, na_values=[""])


def test_oc2_alone_gives_the_31_march_figures(tmp_path: Path) -> None:
    code, fig = _fig(tmp_path, _council(tmp_path))
    assert code == 0
    for ind, (num, den) in WANT.items():
        rows = fig[(fig["indicator_id"] == ind) & (fig["breakdown"].isna())].set_index("period")
        assert (rows.loc["2020-03", "numerator"], rows.loc["2020-03", "denominator"]) == (num,
                                                                                          den)
        assert rows.loc["2020-03", "value"] == pytest.approx(100 * num / den)
        # a year-end return: no figure for the months either side
        assert pd.isna(rows.loc["2020-02", "value"]) and pd.isna(rows.loc["2020-04", "value"])
        assert rows.loc["2020-02", "flag"] != "not computed"


def test_without_oc2_or_list_8_the_lines_name_both_sources(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture) -> None:
    code, fig = _fig(tmp_path, _council(tmp_path, oc2=False))
    assert code == 0
    row = fig[fig["indicator_id"] == "dental_assessments"].iloc[0]
    assert row["flag"] == "not computed"
    assert "Annex A list 8" in row["note"] and "SSDA903 OC2" in row["note"]


def _records(cla: list[dict] | None = None) -> object:
    rows = [{"child_id": c, "decom": "2018-01-01", "rne": "S", "ls": "C2", "place": "U1"}
            for c in "PQRS"]
    rows += [{"child_id": "T", "decom": "2019-06-01", "rne": "S", "ls": "C2", "place": "U1"},
             {"child_id": "U", "decom": "2017-01-01", "dec": "2019-09-01", "rne": "S",
              "ls": "C2", "place": "U1", "rec": "E13"}]
    oc2 = [{"child_id": "P", "dob": "2010-01-01", "health_check": "1", "teeth_check": "1"},
           {"child_id": "Q", "dob": "2016-06-01", "health_check": "0", "teeth_check": "1"},
           {"child_id": "R", "dob": "2017-01-01", "health_check": "1", "teeth_check": "0"},
           {"child_id": "S", "dob": "2009-01-01", "health_check": None, "teeth_check": "0"}]
    oc2 = [{k: (v == "1" if k.endswith("check") and v is not None else v)
            for k, v in r.items()} for r in oc2]
    return records_from(episodes=rows, oc2=oc2, **({"cla": cla} if cla else {}))


def test_annex_a_wins_for_its_month_and_oc2_fills_31_march() -> None:
    me = pd.DatetimeIndex(["2020-03-31", "2020-06-30"])
    # an Annex A list 8 extracted in June 2020: P seen for health on 01/03/2020 (in 12 months)
    june = [{"child_id": "P", "dob": "2010-01-01", "start_date": "2018-01-01",
             "last_health_assessment": "2020-03-01", "last_dental_check": "2019-01-01",
             "last_visit": "2020-06-20"}]
    out = compute(_records(june), me, levels=("council",), indicators=IDS)
    h = out[out["indicator_id"] == "health_assessments_cla"].set_index("period")
    assert h.loc["2020-03", ["numerator", "denominator"]].tolist() == [2, 3]  # OC2
    assert h.loc["2020-06", ["numerator", "denominator"]].tolist() == [1, 1]  # Annex A
    d = drilldown(_records(june), "dental_assessments", "2020-06")
    assert d["source"].tolist() == ["Annex A list 8"] and not d["in_numerator"].any()
    # the same list extracted in March 2020: Annex A gives March, OC2 is not used
    march = [{**june[0], "last_visit": "2020-03-20"}]
    out = compute(_records(march), me, levels=("council",), indicators=IDS)
    h = out[out["indicator_id"] == "health_assessments_cla"].set_index("period")
    assert h.loc["2020-03", ["numerator", "denominator"]].tolist() == [1, 1]
    d = drilldown(_records(march), "health_assessments_cla", "2020-03")
    assert set(d["source"]) == {"Annex A list 8"}


def test_oc2_drilldown_lists_the_children() -> None:
    d = drilldown(_records(), "health_assessments_under5", "2020-03")
    assert d.set_index("child_id")["in_numerator"].to_dict() == {"Q": False, "R": True}
    assert set(d["source"]) == {"SSDA903 OC2"}
    assert str(d["year_end"].iloc[0])[:10] == "2020-03-31"


def test_year_end_of_a_long_settled_cohort_is_the_returns_own() -> None:
    """Every child in care since 2012 (the same cohort every 31 March): the year is the first
    31 March on or after the latest episode date (a move on 01/02/2020), not a later one."""
    from kpis.records.indicators.context import Context
    from kpis.records.indicators.oc2 import year_end

    eps = [{"child_id": c, "decom": "2012-01-01", "dec": "2020-02-01" if c == "P" else None,
            "rne": "S", "ls": "C2", "place": "U1", "rec": "X1" if c == "P" else None}
           for c in "PQ"]
    eps.append({"child_id": "P", "decom": "2020-02-01", "rne": "P", "ls": "C2", "place": "U4"})
    rec = records_from(episodes=eps, oc2=[{"child_id": c, "health_check": True} for c in "PQ"])
    ctx = Context(rec, pd.DatetimeIndex(["2020-03-31", "2021-03-31"]))
    assert str(pd.Timestamp(year_end(ctx), unit="D").date()) == "2020-03-31"
    out = compute(rec, pd.DatetimeIndex(["2020-03-31", "2021-03-31"]), levels=("council",),
                  indicators=["health_assessments_cla"]).set_index("period")
    assert out.loc["2020-03", "denominator"] == 2 and out.loc["2021-03", "denominator"] == 0
