"""Readers: tolerant matching, value normalisation, InputError, quarantine and episode repairs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kpis.errors import InputError
from kpis.records.readers import read_council, read_input, repair_episodes
from kpis.records.readers.parsing import matches_name, parse_bool, parse_dates, parse_sex

CHILD = "Child Unique ID,Gender,Date of Birth"

ANNEX = {
    "List 1 - Contacts.csv": f"{CHILD},Date of Contact,Contact Source\n"
                             "C1,1 - Male,01/02/2010,03/04/2019,Police\n",
    "List_3.csv": f"{CHILD},Date of referral,Referral NFA?,Allocated Team,Allocated Worker\n"
                  "C1,M,01/02/2010,03/04/2019,N,T1,W1\n",
    "list4 assessments.csv": f"{CHILD},Continuous Assessment Start Date,"
                             "Continuous Assessment Date of Authorisation\n"
                             "C1,a) Male,01/02/2010,03/04/2019,01/05/2019\n",
    "S47.csv": f"{CHILD},Strategy discussion initiating Section 47 Enquiry Start Date,"
               "Date of Initial Child Protection Conference\nC1,M,01/02/2010,03/04/2019,\n",
    "Child Protection.csv": f"{CHILD},Child Protection Plan Start Date,"
                            "Child Protection Plan End Date,Number of Previous Child Protection "
                            "Plans\nC1,M,01/02/2010,03/05/2019,,1\n",
}
EP_HEADER = ("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,"
             "HOME_POST,PL_POST,URN\n")
SSDA = {
    "header.csv": "CHILD,SEX,DOB\nC1,1,01/02/2010\n",
    "episodes.csv": EP_HEADER + "C1,01/01/2019,S,C2,N1,U1,PR1,,,,,,\n",
}
WORKFORCE = {
    "workers.csv": "worker_id,team,fte,agency,start_date,end_date,role\n"
                   "W1,T1,0.8,Y,2018-01-01,,Social Worker\n",
    "allocations.csv": "CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\n"
                       "C1,01/02/2010,W1,03/04/2019,,NEW\n",
}


def make_council(root: Path, annex: dict[str, str] | None = None,
                 ssda: dict[str, str] | None = None,
                 workforce: dict[str, str] | None = None) -> Path:
    """A tiny valid council directory; `None` values in the overrides delete a file."""
    for sub, base, over in (("annex_a", ANNEX, annex), ("ssda903", SSDA, ssda),
                            ("workforce", WORKFORCE, workforce)):
        files = {**base, **(over or {})}
        for name, text in files.items():
            if text is None:
                continue
            p = root / sub / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
    return root


def test_valid_council_reads_cleanly(tmp_path: Path) -> None:
    r = read_council(make_council(tmp_path / "c"))
    assert r.quarantine.empty and r.repairs.empty
    rec = r.records
    assert rec.council == "c"
    assert len(rec.contacts) == len(rec.referrals) == len(rec.assessments) == 1
    assert rec.referrals["nfa"].tolist() == [False]
    assert rec.referrals["team"].tolist() == ["T1"]
    assert rec.assessments["auth_date"].iloc[0] == pd.Timestamp("2019-05-01")
    assert rec.cp_plans["previous_plans"].tolist() == [1.0]
    assert rec.children.set_index("child_id").loc["C1", "sex"] == "M"
    assert str(rec.episodes["decom"].dtype) == "datetime64[ns]"
    assert rec.workers["agency"].tolist() == [True] and rec.workers["fte"].tolist() == [0.8]
    assert rec.sw_episodes["sw_id"].tolist() == ["W1"]


@pytest.mark.parametrize("value", ["1 - Male", "M", "m", "a) Male", "1", "Male", " MALE "])
def test_sex_forms(value: str) -> None:
    out, bad = parse_sex(pd.Series([value], dtype=object))
    assert out.tolist() == ["M"] and not bad.any()


def test_sex_female_and_unknown() -> None:
    out, bad = parse_sex(pd.Series(["2 - Female", "F", "b) Female", "Zebra", None], dtype=object))
    assert out.tolist()[:3] == ["F", "F", "F"]
    assert bad.tolist() == [False, False, False, True, False]


@pytest.mark.parametrize("value,expected", [("Y", True), ("Yes", True), ("y", True),
                                            ("TRUE", True), ("N", False), ("No", False),
                                            ("false", False)])
def test_bool_forms(value: str, expected: bool) -> None:
    out, bad = parse_bool(pd.Series([value], dtype=object))
    assert out.tolist() == [expected] and not bad.any()


def test_date_forms() -> None:
    cells = pd.Series(["03/04/2019", "2019-04-03", "2019-04-03 00:00:00", 43558, "43558",
                       pd.Timestamp("2019-04-03"), "3.4.2019", "", None, "31/02/2019", "soon"],
                      dtype=object)
    out, bad = parse_dates(cells)
    assert (out.iloc[:7] == pd.Timestamp("2019-04-03")).all()
    assert out.iloc[7:].isna().all()
    assert bad.tolist() == [False] * 9 + [True, True]


@pytest.mark.parametrize("name,ok", [("List 1", True), ("List_1", True), ("list1 contacts", True),
                                     ("Contacts", True), ("LIST-1", True), ("List 10", False),
                                     ("List 11 - Leavers", False)])
def test_sheet_names_for_list_1(name: str, ok: bool) -> None:
    assert matches_name(name, ["contacts", "list1contacts"], ["list1", "l1"]) is ok


def test_header_variants(tmp_path: Path) -> None:
    annex = {"List_3.csv": "child unique id , GENDER,date-of-birth,Referral Date,NFA\n"
                           "C1,M,01/02/2010,2019-04-03,yes\n"}
    r = read_council(make_council(tmp_path / "c", annex=annex))
    assert r.records.referrals["referral_date"].tolist() == [pd.Timestamp("2019-04-03")]
    assert r.records.referrals["nfa"].tolist() == [True]


def test_workbook_sheet_variants_and_title_rows(tmp_path: Path) -> None:
    root = make_council(tmp_path / "c", annex={k: None for k in ANNEX})
    assert not (root / "annex_a").exists()
    path = root / "annex_a.xlsx"
    frames = {}
    for sheet, name in (("list1 contacts", "List 1 - Contacts.csv"), ("List_3", "List_3.csv"),
                        ("Assessments", "list4 assessments.csv"), ("List 5", "S47.csv"),
                        ("L7", "Child Protection.csv")):
        frames[sheet] = pd.read_csv(pd.io.common.StringIO(ANNEX[name]), dtype=str)
    frames["List_3"]["Date of referral"] = pd.Timestamp("2019-04-03")  # a real Excel date
    frames["List 5"]["Strategy discussion initiating Section 47 Enquiry Start Date"] = 43558
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for sheet, df in frames.items():
            start = 2 if sheet == "list1 contacts" else 0  # title rows above the header
            df.to_excel(xl, sheet_name=sheet, index=False, startrow=start)
    r = read_council(root)
    assert r.quarantine.empty
    assert r.records.referrals["referral_date"].tolist() == [pd.Timestamp("2019-04-03")]
    assert r.records.s47["strategy_date"].tolist() == [pd.Timestamp("2019-04-03")]
    assert len(r.records.contacts) == 1


def test_missing_required_column(tmp_path: Path) -> None:
    annex = {"List_3.csv": f"{CHILD},Referral NFA?\nC1,M,01/02/2010,N\n"}
    with pytest.raises(InputError) as err:
        read_council(make_council(tmp_path / "c", annex=annex))
    assert err.value.column == "Date of referral"
    assert "List_3.csv" in str(err.value.file)
    assert "Date of referral" in str(err.value)


def test_missing_list_is_a_partial_delivery(tmp_path: Path) -> None:
    r = read_council(make_council(tmp_path / "c", annex={"S47.csv": None}))
    assert r.records.s47.empty and len(r.records.referrals) == 1 and r.quarantine.empty


def test_missing_903_file_is_a_partial_delivery(tmp_path: Path) -> None:
    r = read_council(make_council(tmp_path / "c", ssda={"episodes.csv": None}))
    assert r.records.episodes.empty and len(r.records.contacts) == 1
    assert r.records.children["child_id"].tolist() == ["C1"]


def test_missing_required_903_column(tmp_path: Path) -> None:
    ssda = {"episodes.csv": "CHILD,DECOM,LS,PLACE,DEC,REC\nC1,01/01/2019,C2,U1,,\n"}
    with pytest.raises(InputError) as err:
        read_council(make_council(tmp_path / "c", ssda=ssda))
    assert err.value.column == "RNE" and "episodes.csv" in str(err.value.file)


def test_quarantine_reasons_with_exact_counts(tmp_path: Path) -> None:
    annex = {
        "List_3.csv": f"{CHILD},Date of referral,Referral NFA?\n"
                      "C1,M,01/02/2010,03/04/2019,N\n"
                      "C2,M,01/02/2010,31/02/2019,N\n"  # bad date (line 3)
                      "C3,M,01/02/2010,04/04/2019,N\n"
                      "C3,M,01/02/2010,2019-04-04,N\n"  # duplicate once normalised (line 5)
                      ",M,01/02/2010,04/04/2019,N\n"  # no child id (line 6)
                      "C4,M,01/02/2010,04/04/2019,maybe\n",  # unknown yes/no (line 7)
        "Child Protection.csv": f"{CHILD},Child Protection Plan Start Date,"
                                "Child Protection Plan End Date\n"
                                "C1,M,01/02/2010,03/05/2019,01/05/2019\n",  # end before start
    }
    ssda = {"episodes.csv": EP_HEADER + "C1,01/01/2019,S,C2,N1,U1,PR1,,,,,,\n"
                                        "C2,01/01/2019,S,C2,N1,ZZ,PR1,,,,,,\n"}  # unknown code
    r = read_council(make_council(tmp_path / "c", annex=annex, ssda=ssda))
    q = r.quarantine
    assert q["reason"].value_counts().to_dict() == {
        "unparseable date": 1, "duplicate row": 1, "missing child id": 1, "unknown code": 2,
        "end before start": 1}
    bad_date = q[q["reason"] == "unparseable date"].iloc[0]
    assert (bad_date["row"], bad_date["column"], bad_date["value"]) == (
        3, "Date of referral", "31/02/2019")
    assert q[q["reason"] == "duplicate row"]["row"].tolist() == [5]
    assert set(q[q["reason"] == "unknown code"]["value"]) == {"maybe", "ZZ"}
    assert len(r.records.referrals) == 2 and len(r.records.episodes) == 1


def _episodes(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["child_id", "decom", "dec", "rne", "rec"])
    for c in ("decom", "dec"):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
    return df


def test_repair_open_followed_by_later() -> None:
    ep, log = repair_episodes(_episodes([("C1", "2019-01-01", None, "S", None),
                                         ("C1", "2019-03-01", None, "P", None)]))
    assert ep["dec"].tolist()[0] == pd.Timestamp("2019-03-01")
    assert ep["rec"].tolist()[0] == "X1"
    assert log["action"].tolist() == ["open_closed_at_next_decom"]


def test_repair_overlap_truncated() -> None:
    ep, log = repair_episodes(_episodes([("C1", "2019-01-01", "2019-05-01", "S", "X1"),
                                         ("C1", "2019-03-01", None, "P", None)]))
    assert ep["dec"].tolist()[0] == pd.Timestamp("2019-03-01")
    assert log["action"].tolist() == ["overlap_truncated"]


def test_repair_same_decom_keeps_closed_copy() -> None:
    ep, log = repair_episodes(_episodes([("C1", "2019-01-01", None, "S", None),
                                         ("C1", "2019-01-01", "2019-06-01", "S", "E13")]))
    assert len(ep) == 1 and ep["rec"].tolist() == ["E13"]
    assert log["action"].tolist() == ["same_decom_resolved"]


def test_repair_gap_closed_and_rec_set() -> None:
    ep, log = repair_episodes(_episodes([("C1", "2019-01-01", "2019-02-01", "S", "X1"),
                                         ("C1", "2019-02-10", "2019-04-01", "P", None),
                                         ("C1", "2019-04-01", None, "P", None)]))
    assert ep["dec"].tolist()[:2] == [pd.Timestamp("2019-02-10"), pd.Timestamp("2019-04-01")]
    assert ep["rec"].tolist()[:2] == ["X1", "X1"]
    assert sorted(log["action"]) == ["gap_closed", "rec_set_x1"]


def test_repair_rec_cleared_on_open() -> None:
    ep, log = repair_episodes(_episodes([("C1", "2019-01-01", None, "S", "E13")]))
    assert ep["rec"].isna().all() and log["action"].tolist() == ["rec_cleared_on_open"]


def test_per_year_903_folders_deduplicated(tmp_path: Path) -> None:
    root = make_council(tmp_path / "c", ssda={"episodes.csv": None, "header.csv": None})
    for year, text in (("2019", EP_HEADER + "C1,01/01/2019,S,C2,N1,U1,PR1,,,,,,\n"),
                       ("2020", EP_HEADER + "C1,01/01/2019,S,C2,N1,U1,PR1,,,,,,\n"
                                            "C1,01/03/2019,P,C2,N1,U3,PR1,,,,,,\n")):
        d = root / "ssda903" / year
        d.mkdir(parents=True)
        (d / "episodes.csv").write_text(text)
        (d / "header.csv").write_text(SSDA["header.csv"])
    r = read_council(root)
    assert len(r.records.episodes) == 2
    assert r.repairs["action"].value_counts().to_dict() == {
        "duplicate_removed": 2, "open_closed_at_next_decom": 1}


def test_read_input_multi_council(tmp_path: Path) -> None:
    make_council(tmp_path / "LA1")
    make_council(tmp_path / "LA2")
    results = read_input(tmp_path)
    assert [r.records.council for r in results] == ["LA1", "LA2"]


def test_read_input_empty_dir(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        read_input(tmp_path)


def test_windows_1252_csv_is_read_and_the_fallback_noted(tmp_path: Path) -> None:
    from kpis.records.readers.parsing import read_csv_source

    path = tmp_path / "episodes.csv"
    path.write_bytes("CHILD,DECOM\nC1,01/04/2020\nC2,02/04/2020 \u2013\n".encode("cp1252"))
    src = read_csv_source(path)
    assert src.frame["DECOM"].tolist() == ["01/04/2020", "02/04/2020 \u2013"]
    assert src.notes == ["episodes.csv: not UTF-8, read as Windows-1252"]


def test_flat_layout_files_at_the_top_and_folders_named_differently(tmp_path: Path) -> None:
    """SSDA903 files at the top of the council folder and the workforce files in a folder
    called 'Staff' are read exactly as the standard layout is."""
    import shutil

    from kpis.records.readers import is_council_dir, read_council
    from kpis.synth.generate import generate

    std = tmp_path / "standard"
    generate(std, seed=3, councils=1, scale=0.02, start="2019-04-01", end="2020-03-31",
             annex_format="csv")
    flat = tmp_path / "flat"
    shutil.copytree(std, flat)
    for f in (flat / "ssda903").glob("*.csv"):
        f.rename(flat / f.name)
    (flat / "ssda903").rmdir()
    (flat / "workforce").rename(flat / "Staff")
    assert is_council_dir(flat)
    a, b = read_council(std).records, read_council(flat).records
    for name, table in a.tables().items():
        assert len(table) == len(getattr(b, name)), name
        pd.testing.assert_frame_equal(table.reset_index(drop=True),
                                      getattr(b, name).reset_index(drop=True), obj=name)
