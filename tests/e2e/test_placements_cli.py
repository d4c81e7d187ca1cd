"""`kpis compute` on the hand-made placements fixture (tests/fixtures/placements/README.md has
the hand-worked table): children placed outside the council, and more than 20 miles away."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from kpis.cli import main
from kpis.records.batch import side_paths

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "placements"


def _run(tmp_path: Path, *extra: str) -> tuple[int, pd.DataFrame | None]:
    out = tmp_path / "out" / "figures.csv"
    code = main(["compute", "--input", str(tmp_path / "council"), "--out", str(out),
                 "--from", "2020-06", "--to", "2020-06", *extra])
    fig = pd.read_csv(out, keep_default_na=False, na_values=[""]) if out.exists() else None
    return code, fig


def _line(fig: pd.DataFrame, ind: str, bd: str = "", level: str = "council") -> pd.Series:
    rows = fig[(fig["indicator_id"] == ind) & (fig["breakdown"].fillna("") == bd)
               & (fig["level"] == level)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


@pytest.fixture
def council(tmp_path: Path) -> Path:
    shutil.copytree(FIX / "council", tmp_path / "council")
    return tmp_path / "council"


def test_hand_worked_figures_with_postcodes_option(tmp_path: Path, council: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    code, fig = _run(tmp_path, "--postcodes", str(FIX / "centroids.csv"), "--levels", "council")
    assert code == 0 and fig is not None
    ooc = _line(fig, "cla_out_of_county")
    assert (ooc["numerator"], ooc["denominator"]) == (6, 7)  # B C D E G J of 7 known
    assert ooc["value"] == pytest.approx(600 / 7)
    unknown = _line(fig, "cla_out_of_county", "location not known")
    assert (unknown["value"], unknown["unit"]) == (1, "children")  # F: a count, not a share
    assert ooc["unit"] == "percent"
    far = _line(fig, "cla_placed_20miles")
    assert (far["numerator"], far["denominator"]) == (2, 6)  # C 31.1, J 20.1 (E is 20.0)
    assert far["value"] == pytest.approx(100 / 3)
    assert _line(fig, "cla_placed_20miles", "location not known")["value"] == 2  # F, G
    printed = capsys.readouterr().out
    assert "PL_POST: 8 distinct value(s)" in printed
    assert "1 not found in centroids.csv (e.g. 'ZZ9 9ZZ')" in printed
    assert "1 by sector" in printed  # HOME_POST 'QX1 1'
    assert "1 postcode(s) without usable coordinates" in printed


def test_without_a_centroid_file_the_lines_say_which_file_they_need(
        tmp_path: Path, council: Path, capsys: pytest.CaptureFixture) -> None:
    code, fig = _run(tmp_path, "--levels", "council,team")
    assert code == 0 and fig is not None
    for ind in ("cla_out_of_county", "cla_placed_20miles"):
        row = _line(fig, ind)
        assert row["flag"] == "not computed" and pd.isna(row["value"])
        assert "postcode centroid file" in row["note"]
        assert fig[(fig["indicator_id"] == ind) & (fig["level"] == "team")].empty
    printed = capsys.readouterr().out
    assert "not computed: cla_placed_20miles (needs" in printed
    assert "not computed: cla_out_of_county (needs a postcode centroid file" in printed
    assert "or SSDA903 episodes with PL_LOCATION" in printed


def test_a_centroid_file_in_the_council_folder_is_found(tmp_path: Path, council: Path) -> None:
    shutil.copy(FIX / "centroids.csv", council / "ONSPD_extract.csv")
    code, fig = _run(tmp_path, "--levels", "council")
    assert code == 0 and fig is not None
    assert (_line(fig, "cla_placed_20miles")[["numerator", "denominator"]] == [2, 6]).all()


def test_pl_location_alone_gives_out_of_county(tmp_path: Path, council: Path) -> None:
    ep = council / "ssda903" / "episodes.csv"
    df = pd.read_csv(ep, dtype=str, keep_default_na=False)
    # the 903's derived PL_LOCATION: A in, B out, the rest blank (not known without centroids)
    df["PL_LOCATION"] = ["IN", "OUT"] + [""] * (len(df) - 2)
    df.to_csv(ep, index=False)
    code, fig = _run(tmp_path, "--levels", "council")
    assert code == 0 and fig is not None
    ooc = _line(fig, "cla_out_of_county")
    assert ooc["flag"] != "not computed"
    assert (ooc["numerator"], ooc["denominator"]) == (1, 2)
    assert _line(fig, "cla_out_of_county", "location not known")["value"] == 6
    assert _line(fig, "cla_placed_20miles")["flag"] == "not computed"


def test_pl_location_in_the_xml_return(tmp_path: Path, council: Path) -> None:
    """The same delivery as an XML 903 return whose EPISODEs carry PL_LOCATION (A in, B out):
    the same figures as the CSV above."""
    from xml.sax.saxutils import escape

    folder = council / "ssda903"
    head = pd.read_csv(folder / "header.csv", dtype=str, keep_default_na=False)
    eps = pd.read_csv(folder / "episodes.csv", dtype=str, keep_default_na=False)
    eps["PL_LOCATION"] = ["IN", "OUT"] + [""] * (len(eps) - 2)

    def tags(row: pd.Series) -> str:
        return "".join(f"<{k}>{escape(v)}</{k}>" if v else f"<{k} />" for k, v in row.items())

    children = []
    for _, h in head.iterrows():
        mine = eps[eps["CHILD"] == h["CHILD"]].drop(columns="CHILD")
        episodes = "".join(f"<EPISODE>{tags(e)}</EPISODE>" for _, e in mine.iterrows())
        header = tags(h.rename({"CHILD": "CHILDID"}))
        children.append(f"<CHILD><HEADER>{header}</HEADER>{episodes}</CHILD>")
    for name in ("header.csv", "episodes.csv"):
        (folder / name).unlink()
    (folder / "return.xml").write_text("<EXPSSDA903>" + "".join(children) + "</EXPSSDA903>")
    code, fig = _run(tmp_path, "--levels", "council")
    assert code == 0 and fig is not None
    ooc = _line(fig, "cla_out_of_county")
    assert (ooc["numerator"], ooc["denominator"]) == (1, 2)
    assert _line(fig, "cla_out_of_county", "location not known")["value"] == 6


def test_missing_or_bad_centroid_file_exits_2(tmp_path: Path, council: Path,
                                              capsys: pytest.CaptureFixture) -> None:
    code, fig = _run(tmp_path, "--postcodes", str(tmp_path / "nowhere.csv"))
    assert code == 2 and fig is None
    assert "nowhere.csv" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("pcds,oslaua\nQX1 1AA,Q00000001\n", encoding="utf-8")
    code, fig = _run(tmp_path, "--postcodes", str(bad))
    assert code == 2 and fig is None
    err = capsys.readouterr().err
    assert "bad.csv" in err and "no coordinates" in err and "Traceback" not in err
    out = tmp_path / "out" / "figures.csv"
    assert not any(p.exists() for p in (out, *side_paths(out)))
