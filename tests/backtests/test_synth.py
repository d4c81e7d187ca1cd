"""Synthetic councils: deterministic, readable end to end, only the planted bad rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kpis.records.readers import read_council, read_input
from kpis.synth.generate import files_digest, generate
from kpis.synth.params import PLANTED, PLANTED_REPAIRS

SMALL = {"scale": 0.05, "start": "2019-04-01", "end": "2021-03-31"}


@pytest.fixture(scope="module")
def small_council(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("synth") / "council"
    return out, generate(out, seed=7, **SMALL)


def test_layout(small_council: tuple[Path, list[Path]]) -> None:
    out, files = small_council
    names = sorted(str(p.relative_to(out)) for p in files)
    # kpis-synthetic.yml: the generator marks its own output (what the reports say about it)
    assert names == ["annex_a.xlsx", "audits/audits.csv", "kpis-synthetic.yml",
                     "postcodes/postcode_centroids.csv",
                     "ssda903/episodes.csv", "ssda903/header.csv",
                     "ssda903/missing.csv", "ssda903/oc3.csv", "ssda903/reviews.csv",
                     "workforce/allocations.csv",
                     "workforce/workers.csv"]


def test_deterministic_for_a_seed(small_council: tuple[Path, list[Path]],
                                  tmp_path: Path) -> None:
    _, files = small_council
    again = generate(tmp_path / "again", seed=7, **SMALL)
    assert files_digest(again) == files_digest(files)
    other = generate(tmp_path / "other", seed=8, **SMALL)
    assert files_digest(other) != files_digest(files)


def test_only_planted_rows_quarantined(small_council: tuple[Path, list[Path]]) -> None:
    out, _ = small_council
    r = read_council(out)
    assert r.quarantine["reason"].value_counts().to_dict() == PLANTED
    assert r.repairs["action"].value_counts().to_dict() == PLANTED_REPAIRS
    assert set(r.quarantine["sheet"]) >= {"List_3", "Child Protection", "List 4 - Assessments"}


def test_varied_forms_in_workbook(small_council: tuple[Path, list[Path]]) -> None:
    out, _ = small_council
    sheets = pd.read_excel(out / "annex_a.xlsx", sheet_name=None, header=None, nrows=5,
                           engine="calamine")
    assert set(sheets) == {"List 1", "List_3", "List 4 - Assessments", "list5 s47",
                           "Child Protection", "List 6 - CIN", "List 8 - Children in Care",
                           "List 9 - Care Leavers"}
    assert sheets["List 1"].iloc[0, 0] == "Annex A - List 1: Contacts"  # title row
    assert sheets["List_3"].iloc[1, 1] in {"M", "F"}
    assert str(sheets["List 1"].iloc[3, 1]) in {"1 - Male", "2 - Female"}


def test_records_make_sense(small_council: tuple[Path, list[Path]]) -> None:
    out, _ = small_council
    rec = read_council(out).records
    assert rec.children["child_id"].str.fullmatch(r"C\d+").all()
    assert set(rec.episodes["rne"].dropna()) <= {"S", "L", "P", "B", "T", "U"}
    assert (rec.episodes["dec"].isna() | (rec.episodes["dec"] >= rec.episodes["decom"])).all()
    assert rec.workers["agency"].any() and (rec.workers["fte"] < 1).any()
    assert rec.sw_episodes["sw_id"].isin(rec.workers["worker_id"]).all()
    # the invented centroid file (kpis.synth.postcodes) is found in the council folder
    assert len(rec.postcodes) and rec.postcodes["postcode"].str.match(r"Q[XYZ]\d ").all()
    assert rec.episodes["pl_post"].notna().all()


def test_size_ballpark(tmp_path: Path) -> None:
    """A quarter-size council for two years: ~1,500 referrals a year, ~160 in care."""
    out = tmp_path / "q"
    generate(out, seed=3, scale=0.25, start="2019-04-01", end="2021-03-31", annex_format="csv")
    rec = read_council(out).records
    per_year = rec.referrals["referral_date"].between("2019-04-01", "2020-03-31").sum()
    assert 1000 < per_year < 2100
    day = pd.Timestamp("2020-06-30")
    ep = rec.episodes
    cla = ep[(ep["decom"] <= day) & (ep["dec"].isna() | (ep["dec"] > day))]["child_id"].nunique()
    assert 90 < cla < 260
    w = rec.workers
    in_post = ((w["start_date"] <= day) & (w["end_date"].isna() | (w["end_date"] > day))).sum()
    assert 25 < in_post < 80


def test_several_councils_as_csv(tmp_path: Path) -> None:
    files = generate(tmp_path, seed=1, councils=3, workers=1, **SMALL)
    assert not any(p.suffix == ".xlsx" for p in files)
    results = read_input(tmp_path)
    assert [r.records.council for r in results] == ["LA801", "LA802", "LA803"]
    for r in results:
        assert r.quarantine["reason"].value_counts().to_dict() == PLANTED
    ids = [set(r.records.children["child_id"]) for r in results]
    assert not ids[0] & ids[1]
