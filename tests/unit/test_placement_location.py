"""Postcode centroids (kpis.records.readers.postcodes) and the placement-location indicators
(kpis.records.indicators.placement_location) on hand-made, invented postcodes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpis.errors import InputError
from kpis.records.engine import compute, drilldown, records_from
from kpis.records.readers import read_council
from kpis.records.readers.postcodes import distance_miles, locate, normalise, read_centroids
from kpis.reporting import config

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "placements"


def test_postcode_forms() -> None:
    full, sector = normalise(pd.Series(["gl12ab", "GL1  2AB", "GL1 2", "GL12", " ec1a 1bb ",
                                        "B1  1AA", "QX", None, "SW1A1AA"], dtype=object))
    assert full.tolist() == ["GL1 2AB", "GL1 2AB", "", "", "EC1A 1BB", "B1 1AA", "", "",
                             "SW1A 1AA"]
    assert sector.tolist() == ["GL1 2", "GL1 2", "GL1 2", "GL1 2", "EC1A 1", "B1 1", "", "",
                               "SW1A 1"]


def test_read_fixture_leaves_out_and_counts_unusable_rows() -> None:
    table, notes = read_centroids(FIX / "centroids.csv")
    assert len(table) == 7 and "QX9 9ZZ" not in set(table["postcode"])
    assert "1 row(s) whose postcode is not a full UK postcode left out" in notes[1]
    assert "1 postcode(s) without usable coordinates" in notes[2]


def test_sector_centroid_is_the_mean_of_its_postcodes_and_unknown_is_unmatched() -> None:
    table, _ = read_centroids(FIX / "centroids.csv")
    got = locate(pd.Series(["QX1 1", "qx1 1zz", "QX1 1AB", "ZZ9 9ZZ", ""]), table)
    # QX1 1AA (400000, 200000) and QX1 1AB (402000, 200000); QX1 1ZZ is not in the file
    assert got["easting"].tolist()[:3] == [401000.0, 401000.0, 402000.0]
    assert got["match"].tolist() == ["sector", "sector", "postcode", "", ""]
    assert got["la"].tolist() == ["Q00000001"] * 3 + ["", ""]


def test_distance_grid_and_haversine(tmp_path: Path) -> None:
    a = pd.DataFrame({"easting": [400000.0, np.nan], "northing": [200000.0, np.nan],
                      "latitude": [np.nan, 51.0], "longitude": [np.nan, -2.0]})
    b = pd.DataFrame({"easting": [432300.0, np.nan], "northing": [200000.0, np.nan],
                      "latitude": [np.nan, 52.0], "longitude": [np.nan, -2.0]})
    # 32,300 m / 1,609.344 = 20.07 -> 20.1; one degree of latitude on a 6,371.0088 km sphere
    # = 111.195 km = 69.09 miles -> 69.1
    assert distance_miles(a, b).tolist() == [20.1, 69.1]


def test_code_point_open_without_header(tmp_path: Path) -> None:
    f = tmp_path / "qx.csv"
    f.write_text('"QX1 1AA",10,400000,200000,"E92000001","","","","Q00000001","W1"\n'
                 '"QX2 1AA",10,420000,200000,"E92000001","","","","Q00000002","W2"\n',
                 encoding="utf-8")
    table, _ = read_centroids(f)
    assert table["postcode"].tolist() == ["QX1 1AA", "QX2 1AA"]
    assert table["easting"].tolist() == [400000.0, 420000.0]
    assert table["la"].tolist() == ["Q00000001", "Q00000002"]


def test_file_without_postcode_column_is_an_input_error(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text("code,lat,long\nX,51,-2\n", encoding="utf-8")
    with pytest.raises(InputError, match="no postcode column"):
        read_centroids(f)


def _records(**episodes: object) -> object:
    table, _ = read_centroids(FIX / "centroids.csv")
    rows = [{"child_id": "K", "decom": "2020-01-01", "rne": "S", "ls": "C2", "place": "U1",
             "home_post": "QX1 1AA", "pl_post": "QX3 1AA", **episodes},
            {"child_id": "L", "decom": "2020-01-01", "rne": "S", "ls": "C2", "place": "U1",
             "home_post": "QX1 1AA", "pl_post": "QX1 2AA"}]
    return records_from(episodes=rows, postcodes=table,
                        sw_episodes=[{"child_id": "K", "sw_id": "W1", "start": "2019-12-01"},
                                     {"child_id": "L", "sw_id": "W2", "start": "2019-12-01"}],
                        workers=[{"worker_id": "W1", "team": "CIC North", "fte": 1.0},
                                 {"worker_id": "W2", "team": "CIC South", "fte": 1.0}])


def test_pl_location_comes_before_the_centroid_la() -> None:
    me = pd.DatetimeIndex(["2020-06-30"])
    base = compute(_records(), me, levels=("council",))
    ooc = base[(base["indicator_id"] == "cla_out_of_county") & (base["breakdown"] == "")]
    assert ooc[["numerator", "denominator"]].iloc[0].tolist() == [1.0, 2.0]  # K out, L in
    said_in = compute(_records(pl_location="IN"), me, levels=("council",))
    ooc = said_in[(said_in["indicator_id"] == "cla_out_of_county") & (said_in["breakdown"] == "")]
    assert ooc[["numerator", "denominator"]].iloc[0].tolist() == [0.0, 2.0]


def test_team_and_worker_levels_and_drilldown() -> None:
    rec = _records()
    fig = compute(rec, pd.DatetimeIndex(["2020-06-30"]), levels=("team", "worker"))
    far = fig[(fig["indicator_id"] == "cla_placed_20miles") & (fig["breakdown"] == "")]
    by = far.set_index(["level", "org_unit"])["value"]
    assert by[("team", "CIC North")] == 100.0 and by[("team", "CIC South")] == 0.0
    assert by[("worker", "W1")] == 100.0 and by[("worker", "W2")] == 0.0
    d = drilldown(rec, "cla_placed_20miles", "2020-06")
    k = d.set_index("child_id").loc["K"]
    assert (k["placed"], k["distance_miles"], k["in_numerator"]) == ("out", 31.1, True)
    assert k["placement_la"] == "Q00000003" and k["council_la"] == "Q00000001"
    assert d.set_index("child_id").loc["L", "placed"] == "in"


def test_drilldown_says_why_a_child_is_not_known(tmp_path: Path) -> None:
    shutil.copytree(FIX / "council", tmp_path / "c")
    rec = read_council(tmp_path / "c", postcodes=FIX / "centroids.csv").records
    d = drilldown(rec, "cla_placed_20miles", "2020-06", breakdown="location not known")
    why = d[d["in_numerator"]].set_index("child_id")["not_known_because"].to_dict()
    assert why == {"F": "PL_POST not in the centroid file", "G": "no HOME_POST"}


def test_config_postcodes_key(tmp_path: Path) -> None:
    (tmp_path / "extracts").mkdir()
    shutil.copy(FIX / "centroids.csv", tmp_path / "onspd.csv")
    p = tmp_path / "council.yml"
    p.write_text("name: Q\nrecords: extracts\npostcodes: onspd.csv\n", encoding="utf-8")
    assert config.load(p).postcodes == tmp_path / "onspd.csv"
    p.write_text("name: Q\nrecords: extracts\npostcodes: gone.csv\n", encoding="utf-8")
    with pytest.raises(InputError, match="file not found") as err:
        config.load(p)
    assert err.value.column == "postcodes"


def test_centroids_without_la_column_say_why_nothing_is_known(tmp_path: Path) -> None:
    f = tmp_path / "nola.csv"
    f.write_text("postcode,easting,northing\nQX1 1AA,400000,200000\nQX3 1AA,440000,230000\n",
                 encoding="utf-8")
    table, notes = read_centroids(f)
    assert "(no local authority column)" in notes[0]
    rec = records_from(episodes=[{"child_id": "K", "decom": "2020-01-01", "rne": "S",
                                  "ls": "C2", "place": "U1", "home_post": "QX1 1AA",
                                  "pl_post": "QX3 1AA"}], postcodes=table)
    out = compute(rec, pd.DatetimeIndex(["2020-06-30"]), levels=("council",))
    row = out[(out["indicator_id"] == "cla_out_of_county") & (out["breakdown"] == "")].iloc[0]
    assert np.isnan(row["value"]) and row["denominator"] == 0
    assert "LA column" in row["note"]
    d = drilldown(rec, "cla_out_of_county", "2020-06")
    assert d["not_known_because"].tolist() == ["no LA code for the placement or the council"]
    assert d["distance_miles"].tolist() == [31.1]  # the distance is known all the same


def test_a_temporary_placement_is_placed_by_the_placement_before_it() -> None:
    """K is placed far (QX3 1AA), goes to hospital (T1, in area: QX1 2AA) over the month-end:
    still placed far. M's only episode is temporary (nothing before it): placed by it."""
    table, _ = read_centroids(FIX / "centroids.csv")
    base = {"rne": "S", "ls": "C2", "home_post": "QX1 1AA"}
    eps = [{**base, "child_id": "K", "decom": "2020-01-01", "dec": "2020-06-25", "rec": "X1",
            "place": "U1", "pl_post": "QX3 1AA"},
           {**base, "child_id": "K", "decom": "2020-06-25", "rne": "P", "place": "T1",
            "pl_post": "QX1 2AA"},
           {**base, "child_id": "M", "decom": "2020-06-01", "place": "T2", "pl_post": "QX1 2AA"}]
    rec = records_from(episodes=eps, postcodes=table)
    d = drilldown(rec, "cla_placed_20miles", "2020-06").set_index("child_id")
    assert d.loc["K", ["placed", "distance_miles", "in_numerator"]].tolist() == ["out", 31.1,
                                                                                  True]
    assert str(d.loc["K", "episode_start"])[:10] == "2020-01-01"
    assert d.loc["M", "placed"] == "in"
