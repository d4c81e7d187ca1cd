"""The council config (kpis.reporting.config), `kpis init`, and the pure parts of a council's
build (kpis.reporting.council, kpis.reporting.teams), on hand-made inputs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kpis.cli import main
from kpis.errors import InputError
from kpis.reporting import config, council, teams


def _cfg(tmp_path: Path, text: str) -> Path:
    (tmp_path / "extracts").mkdir(exist_ok=True)
    p = tmp_path / "council.yml"
    p.write_text(text, encoding="utf-8")
    return p


def test_two_lines_give_the_defaults(tmp_path: Path) -> None:
    cfg = config.load(_cfg(tmp_path, "name: Westmarsh\nrecords: extracts\n"))
    assert cfg.name == "Westmarsh" and cfg.records == tmp_path / "extracts"
    assert (cfg.la_code, cfg.baseline_period, cfg.latest_period) == (None, "", "")
    assert cfg.audiences == ("board",) and cfg.disclosure == 5 and cfg.targets == {}


def test_paths_are_absolute_when_the_config_is_named_relatively(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Notebooks run in another folder: `kpis report --council council.yml` from the council's
    folder must hand them its records as an absolute path (a relative one found nothing)."""
    _cfg(tmp_path, "name: Westmarsh\nrecords: extracts\n")
    monkeypatch.chdir(tmp_path)
    cfg = config.load(Path("council.yml"))
    assert cfg.records.is_absolute() and cfg.records == (tmp_path / "extracts").resolve()


def test_every_optional_key(tmp_path: Path) -> None:
    (tmp_path / "ind.csv").write_text("x\n")
    cfg = config.load(_cfg(tmp_path, (
        "name: Westmarsh\nrecords: extracts\nla_code: 916\nbaseline_period: '2025-09'\n"
        "latest_period: 2026-09\ntargets:\n  re_referrals: 22\n  repeat_cp:\n"
        "    rolling 12 months: 18.5\nindicators: ind.csv\n"
        "reports: {audiences: [board, managers]}\ndisclosure: 5\n")))
    assert cfg.la_code == 916 and cfg.baseline_period == "2025-09"
    assert cfg.latest_period == "2026-09"
    assert cfg.targets == {("re_referrals", ""): 22.0, ("repeat_cp", "rolling 12 months"): 18.5}
    assert cfg.audiences == ("board", "managers") and cfg.disclosure == 5
    assert cfg.indicators == tmp_path / "ind.csv"


@pytest.mark.parametrize(("text", "key", "words"), [
    ("records: extracts\n", "name", "required"),
    ("name: X\n", "records", "required"),
    ("name: X\nrecords: nowhere\n", "records", "folder not found"),
    ("name: X\nrecords: extracts\nbaseline: 2017-03\n", "baseline", "unknown key"),
    ("name: X\nrecords: extracts\nlatest_period: June 2020\n", "latest_period", "YYYY-MM"),
    ("name: X\nrecords: extracts\nlatest_period: 2020-13\n", "latest_period", "YYYY-MM"),
    ("name: X\nrecords: extracts\ntargets: {re_referrals: high}\n", "targets.re_referrals",
     "not a number"),
    ("name: X\nrecords: extracts\ndisclosure: -1\n", "disclosure", "whole number"),
    ("name: X\nrecords: extracts\nscorecard: missing.csv\n", "scorecard", "file not found"),
    ("name: X\nrecords: extracts\nreports: {audiences: [public]}\n", "reports.audiences",
     "unknown audience 'public'"),
    ("name: X\nrecords: extracts\nla_code: Gloucester\n", "la_code", "LA code"),
    ("name: X\nrecords: extracts\nbaseline_period: 2021-01\nlatest_period: 2020-06\n",
     "baseline_period", "not before"),
])
def test_bad_config_names_the_key(tmp_path: Path, text: str, key: str, words: str) -> None:
    with pytest.raises(InputError, match=words) as err:
        config.load(_cfg(tmp_path, text))
    assert err.value.column == key


def test_bad_config_is_exit_2_naming_the_key(tmp_path: Path,
                                            capsys: pytest.CaptureFixture) -> None:
    p = _cfg(tmp_path, "name: X\nrecords: extracts\ntarget: {re_referrals: 20}\n")
    assert main(["report", "--council", str(p), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "column 'target'" in err and "unknown key" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_init_writes_a_config_that_loads_and_never_overwrites(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "records").mkdir()
    target = tmp_path / "council.yml"
    assert main(["init", str(target), "--name", "Westmarsh"]) == 0
    cfg = config.load(target)
    assert cfg.name == "Westmarsh" and cfg.records == tmp_path / "records"
    before = target.read_text()
    assert main(["init", str(target)]) == 2
    assert "never overwrites" in capsys.readouterr().err
    assert target.read_text() == before


@pytest.mark.parametrize(("extract", "latest"), [
    ("2021-03-31", "2021-03"), ("2021-03-30", "2021-02"), ("2021-01-01", "2020-12")])
def test_last_complete_month(extract: str, latest: str) -> None:
    assert council.last_complete_month(pd.Timestamp(extract)) == latest


def test_periods_default_to_a_year_apart(tmp_path: Path) -> None:
    cfg = config.load(_cfg(tmp_path, "name: X\nrecords: extracts\n"))
    assert council.periods(cfg, pd.Timestamp("2026-10-15")) == ("2025-09", "2025-09",
                                                                 "2026-09")
    given = config.load(_cfg(tmp_path, "name: X\nrecords: extracts\n"
                                       "baseline_period: '2024-03'\n"))
    assert council.periods(given, pd.Timestamp("2026-10-31")) == ("2024-03", "2025-10",
                                                                  "2026-10")


def _figures() -> pd.DataFrame:
    rows = []
    for period, num, den in (("2025-09", 30, 100), ("2026-03", 1, 4), ("2026-09", 44, 200)):
        rows.append({"indicator_id": "re_referrals", "domain": "Repeat Work",
                     "indicator": "Re-referrals", "breakdown": "", "kind": "actual",
                     "comparator": "", "period": period, "value": 100 * num / den,
                     "unit": "percent", "note": "", "source": "kpis compute", "flag": "",
                     "council": "X", "level": "council", "org_unit": "X",
                     "numerator": num, "denominator": den})
    rows.append({**rows[-1], "level": "team", "org_unit": "Team A", "value": 50.0,
                 "numerator": 5, "denominator": 10})
    return pd.DataFrame(rows)


def test_computed_scorecard_keeps_the_three_months_and_the_targets() -> None:
    tidy = council.computed_scorecard(_figures(), ["2025-09", "2025-09", "2026-09"],
                                      {("re_referrals", ""): 25.0, ("nope", ""): 1.0})
    actual = tidy[tidy["kind"].eq("actual")]
    assert actual["period"].tolist() == ["2025-09", "2026-09"]  # council rows only
    assert actual["value"].tolist() == [30.0, 22.0]
    target = tidy[tidy["kind"].eq("target")]
    assert target[["indicator_id", "value", "period"]].values.tolist() == [
        ["re_referrals", 25.0, ""]]
    wide = council.appendix_layout(tidy, ["2025-09", "2026-09"])
    assert wide.to_dict("records") == [{"domain": "Repeat Work", "indicator": "Re-referrals",
                                        "breakdown": "", "Sep-25": "30%", "Sep-26": "22%",
                                        "Target": "25%"}]


def test_caseload_bands_and_counts() -> None:
    # worker children / FTE: 12/1 = 12, 9/0.5 = 18, 20/1 = 20, 23/1 = 23 (team A); 30/1 (B)
    ids = ["W1", "W2", "W3", "W4", "W5"]
    f = pd.DataFrame({"indicator_id": "caseload_per_fte", "breakdown": "", "period": "2026-09",
                      "level": "worker", "org_unit": ids,
                      "numerator": [12.0, 9, 20, 23, 30], "denominator": [1.0, 0.5, 1, 1, 1]})
    workers = pd.DataFrame({"worker_id": ids, "team": ["A", "A", "A", "A", "B"],
                            "start_date": pd.to_datetime(["2020-01-01"] * 5),
                            "end_date": pd.NaT})
    cl = council.caseloads(f, workers, "2026-09")
    assert cl["band"].tolist() == ["12 or fewer", "13 to 18", "19 to 22", "more than 22",
                                   "more than 22"]
    table = teams.band_table(cl, "A")
    assert table["Workers"].tolist() == [1, 1, 1, 1, 4]
    assert table["FTE"].tolist() == [1.0, 0.5, 1.0, 1.0, 3.5]
    assert table["Children held"].tolist() == [12, 9, 20, 23, 64]
    assert "W1" not in table.to_string()
    assert teams.worker_table(cl, "A")["Worker ID"].tolist() == ["W4", "W3", "W2", "W1"]


def test_exceptions_overdue_assessment_by_case_id() -> None:
    class Rec:  # an assessment started Mon 1 June 2026: 45 working days end Fri 31 July
        assessments = pd.DataFrame({
            "child_id": ["C1", "C2", "C3"], "team": ["A", "A", "B"],
            "start_date": pd.to_datetime(["2026-06-01", "2026-08-20", "2026-06-01"]),
            "auth_date": pd.to_datetime([pd.NaT, pd.NaT, "2026-07-01"])})
    out = council.exceptions(Rec(), "2026-09")
    assert out["case_id"].tolist() == ["C1"]  # C2 is within time, C3 was completed
    assert out["days"].tolist() == [121] and out["team"].tolist() == ["A"]


def test_team_figures_against_council_and_target() -> None:
    dist = pd.DataFrame({"indicator_id": ["re_referrals"], "breakdown": [""],
                         "target": [25.0]})
    t = teams.figures_table(_figures(), dist, "Team A", "2026-09")
    assert t.to_dict("records") == [{"Indicator": "Re-referrals", "Team": "50%",
                                     "Of": "5 / 10", "Council": "22%", "Target": "25%",
                                     "Target met": "not met"}]
    assert council.month_end("2026-09") == pd.Timestamp("2026-09-30")


def test_council_files_kept_apart_from_the_default_scorecard(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kpis.reporting import build

    seen = {}

    def fake(raw, processed, out, notebooks, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        seen.update(processed=processed, council=kwargs["council"].name,
                    audiences=kwargs["audiences"])
        return []

    monkeypatch.setattr(build, "build", fake)
    p = _cfg(tmp_path, "name: West Marsh\nrecords: extracts\n")
    assert main(["report", "--council", str(p), "--audience", "managers"]) == 0
    assert seen == {"processed": Path("data/processed/council-west-marsh"),
                    "council": "West Marsh", "audiences": ("managers",)}
    assert main(["report", "--council", str(p), "--processed", str(tmp_path / "x")]) == 0
    assert seen["processed"] == tmp_path / "x"


def test_team_figures_built_on_small_counts_are_suppressed() -> None:
    dist = pd.DataFrame({"indicator_id": ["re_referrals"], "breakdown": [""],
                         "target": [25.0]})
    # the team's 5 / 10: a numerator of 5 is within the threshold of 5, not of 4
    t = teams.figures_table(_figures(), dist, "Team A", "2026-09", threshold=5)
    assert t[["Team", "Of", "Council", "Target met"]].values.tolist() == [["c", "c", "22%", ""]]
    t = teams.figures_table(_figures(), dist, "Team A", "2026-09", threshold=4)
    assert t[["Team", "Of"]].values.tolist() == [["50%", "5 / 10"]]
    rows = teams.trend_rows(_figures(), "Team A", "X", "re_referrals", threshold=5)
    assert rows["org_unit"].unique().tolist() == ["X (whole council)"]
    assert "numerator" not in rows


def test_extract_dates_key(tmp_path: Path) -> None:
    (tmp_path / "extracts" / "may").mkdir(parents=True)
    (tmp_path / "extracts" / "may" / "cla.csv").write_text("x\n", encoding="utf-8")
    cfg = config.load(_cfg(tmp_path, "name: W\nrecords: extracts\n"
                                     "extract_dates:\n  may/cla.csv: 2020-05-31\n"))
    assert cfg.extract_dates == {"may/cla.csv": pd.Timestamp("2020-05-31")}
    for bad, key in (("  june/cla.csv: 2020-06-30\n", "extract_dates.june/cla.csv"),
                     ("  may/cla.csv: May 2020\n", "extract_dates.may/cla.csv")):
        with pytest.raises(InputError) as err:
            config.load(_cfg(tmp_path, "name: W\nrecords: extracts\nextract_dates:\n" + bad))
        assert err.value.column == key
