"""Issue 9: what councils actually send. Public fake samples (tests/fixtures/corpus, MIT; see
tests/fixtures/README) and small hand-made files in the official formats; every expected value
below was counted by hand in the fixture (or is stated in its README)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_readers import CHILD, EP_HEADER, make_council

from kpis.cli import main
from kpis.records.readers import read_council

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


def _copy(files: dict[str, Path], root: Path) -> Path:
    for rel, src in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, p)
    return root


def _balanced(r) -> bool:
    """rows in = read + quarantined + blank + merged, and every input row is in the records."""
    read = sum(n for t, n in r.rows_read.items() if t != "children")
    header = r.rows_kept - read
    return (r.rows_in == r.rows_kept + len(r.quarantine) + r.blank_rows + r.merged
            and header >= 0 and not any("accounting" in n for n in r.notes))


# --- Annex A ---------------------------------------------------------------------------------

@pytest.mark.parametrize("year", ["2022", "2023"])
def test_sample_workbook_reads_all_eleven_lists(tmp_path: Path, year: str) -> None:
    root = _copy({"Annex_A.xlsx": CORPUS / f"annex_a_{year}" / "Annex_A.xlsx"}, tmp_path / "c")
    r = read_council(root)
    assert r.quarantine.empty
    counts = {t: r.rows_read[t] for t in ("contacts", "early_help", "referrals", "assessments",
                                           "s47", "cin", "cp_plans", "cla", "care_leavers",
                                           "adoption", "adopters")}
    # sheet sizes in the workbook, less the heading row
    assert counts == {"contacts": 5, "early_help": 5, "referrals": 6, "assessments": 5,
                      "s47": 5, "cin": 5, "cp_plans": 7, "cla": 5, "care_leavers": 6,
                      "adoption": 5, "adopters": 5}
    cla = r.records.cla.iloc[0]  # List 8 row 2: child 1761444
    assert cla["child_id"] == "1761444"
    assert cla["start_date"] == pd.Timestamp("2009-08-06")
    assert cla["last_health_assessment"] == pd.Timestamp("2020-05-27")
    assert cla["last_dental_check"] == pd.Timestamp("2020-01-17")
    assert cla["missing_12m"] == 0 and cla["placements_12m"] == 1
    assert cla["legal_status"] == "E1: Placement order"
    assert r.records.care_leavers["activity"].iloc[0] == "F1: Full time in higher education"
    assert r.records.contacts["sex"].iloc[0] == "F"  # 'Female' in List 1 row 2
    assert r.records.adopters["adopter_id"].iloc[0] == "7105179"
    assert _balanced(r)


def test_template_values_verbatim(tmp_path: Path) -> None:
    annex = {"List_3.csv": f"{CHILD},Date of referral,Referral NFA?\n"
                           "C1,c) Not stated/recorded,01/02/2010,03/04/2019,c) Unknown\n"
                           "C2,d) Neither,01/02/2010,04/04/2019,a) Yes\n"
                           "C3,b) Female,01/02/2010,05/04/2019,b) No\n"}
    r = read_council(make_council(tmp_path / "c", annex=annex))
    assert r.quarantine.empty
    ref = r.records.referrals
    assert ref["nfa"].tolist()[1:] == [True, False] and pd.isna(ref["nfa"].iloc[0])
    sex = r.records.children.set_index("child_id")["sex"]
    assert sex.loc[["C2", "C3"]].tolist() == ["N", "F"]


def _frames_from_annex() -> dict[str, pd.DataFrame]:
    from test_readers import ANNEX

    return {name: pd.read_csv(pd.io.common.StringIO(text), dtype=str)
            for name, text in ANNEX.items()}


@pytest.mark.parametrize("sheets", [
    # named tabs (D2I journeys app, Social Finance DummyAnnexA.xlsx)
    ["Contacts", "Referrals", "Assessments", "Sec47 and ICPC", "Child Protection"],
    # names that say nothing: recognised by their headings, as liia-tools does
    ["Sheet1", "Sheet2", "Sheet3", "Sheet4", "Sheet5"],
])
def test_sheets_recognised_by_name_or_headings(tmp_path: Path, sheets: list[str]) -> None:
    from test_readers import ANNEX

    root = make_council(tmp_path / "c", annex={k: None for k in ANNEX})
    frames = list(_frames_from_annex().values())
    with pd.ExcelWriter(root / "inspection data.xlsx", engine="openpyxl") as xl:
        for sheet, df in zip(sheets, frames, strict=True):
            df.to_excel(xl, sheet_name=sheet, index=False)
        pd.DataFrame({"Notes": ["pivot"]}).to_excel(xl, sheet_name="Summary", index=False)
    r = read_council(root)
    assert r.quarantine.empty
    assert [len(getattr(r.records, t)) for t in ("contacts", "referrals", "assessments",
                                                 "s47", "cp_plans")] == [1, 1, 1, 1, 1]
    assert r.records.s47["strategy_date"].tolist() == [pd.Timestamp("2019-04-03")]
    assert any("[Summary]: headings fit no table" in n for n in r.notes)


def test_ssd_extract_tables_and_columns(tmp_path: Path) -> None:
    common = "ChildUniqueID,Gender,Ethnicity,DateOfBirth,Age"
    annex = {
        "AA_1_contacts.csv": f"{common},DateOfContact,ContactSource\n"
                             "101,a) Male,a) WBRI,01/02/2010,9,03/04/2019,q) 6: Police\n",
        "AA_3_referrals.csv": f"{common},ReferralDate,ReferralSource,ReferralNFA,"
                              "ReferralsLast12Months,AllocatedTeam,AllocatedWorker\n"
                              "101,a) Male,a) WBRI,01/02/2010,9,04/04/2019,q) 6: Police,"
                              "b) No,1,Team A,W9\n",
        "AA_4_assessments.csv": f"{common},HasDisability,ContinuousAssessmentStart,"
                                "ContinuousAssessmentChildSeen,ContinuousAssessmentAuthDate,"
                                "CSCSupportRequired,AllocatedTeam,AllocatedWorker\n"
                                "101,a) Male,a) WBRI,01/02/2010,9,b) No,05/04/2019,a) Yes,"
                                "20/05/2019,a) Yes,Team A,W9\n",
        "AA_5_s47_enquiries.csv": f"{common},HasDisability,StratDiscussionDate,"
                                  "InitialCPConfUnnecessary,InitialCPConfDate,"
                                  "CPConfResultInCPPlan,NumberS47s12m,NumberICPCs12m,"
                                  "AllocatedTeam,AllocatedWorker\n"
                                  "101,a) Male,a) WBRI,01/02/2010,9,b) No,06/04/2019,b) No,"
                                  "25/04/2019,a) Yes,1,1,Team A,W9\n",
        "AA_7_child_protection.csv": f"{common},HasDisability,ChildProtectionPlanStartDate,"
                                     "InitialCategoryOfAbuse,LatestCategoryOfAbuse,"
                                     "DateOfLastStatutoryVisit,ChildSeenAlone,"
                                     "DateOfLatestReviewConf,ChildProtectionPlanEndDate,"
                                     "ProtectionLastSixMonths,"
                                     "NumberOfPreviousChildProtectionPlans,AllocatedTeam,"
                                     "AllocatedWorker\n"
                                     "101,a) Male,a) WBRI,01/02/2010,9,b) No,25/04/2019,"
                                     "a) Neglect,a) Neglect,01/05/2019,a) Yes,,,b) No,0,"
                                     "Team A,W9\n",
    }
    from test_readers import ANNEX

    root = make_council(tmp_path / "c", annex={**{k: None for k in ANNEX}, **annex})
    r = read_council(root)
    assert r.quarantine.empty
    rec = r.records
    assert rec.referrals[["referral_date", "nfa", "team"]].iloc[0].tolist() == [
        pd.Timestamp("2019-04-04"), False, "Team A"]
    assert rec.assessments["auth_date"].tolist() == [pd.Timestamp("2019-05-20")]
    assert rec.s47[["strategy_date", "icpc_date"]].iloc[0].tolist() == [
        pd.Timestamp("2019-04-06"), pd.Timestamp("2019-04-25")]
    assert rec.cp_plans["last_visit"].tolist() == [pd.Timestamp("2019-05-01")]
    assert rec.cp_plans["seen_alone"].tolist() == [True]


# --- SSDA903 ---------------------------------------------------------------------------------

def test_903_csvs_found_by_headers_whatever_their_names(tmp_path: Path) -> None:
    plain = _copy({f"ssda903/{p.name}": p for p in (CORPUS / "903_fake").glob("*.csv")},
                  tmp_path / "plain")
    named = _copy({f"returns/2023/SSDA903_2023_{p.stem}.csv": p
                   for p in (CORPUS / "903_fake").glob("*.csv")}, tmp_path / "named")
    a, b = read_council(plain), read_council(named)
    for t in ("children", "episodes", "missing", "oc3", "reviews", "uasc", "oc2", "ad1",
              "placed_adoption", "prev_perm", "sw_episodes"):
        assert len(getattr(a.records, t)) == len(getattr(b.records, t)), t
    assert a.rows_read["episodes"] == 64 and a.rows_read["children"] == 30
    # OC3: 53 rows; 14 planted errors (ACTIV F3 x7, P3 x5; ACCOM 01, 02); ACTIV 0 (x4) is valid
    q = a.quarantine
    assert len(q) == 14 and set(q["reason"]) == {"unknown code"}
    assert sorted(q["value"].unique()) == ["01", "02", "F3", "P3"]
    assert (a.records.oc3["activ"] == "0").sum() == 4 and a.rows_read["oc3"] == 39
    assert _balanced(a) and _balanced(b)


def test_903_xml_return(tmp_path: Path) -> None:
    xml = CORPUS / "903_fake" / "fake_903.xml"
    text = xml.read_text()
    r = read_council(_copy({"return.xml": xml}, tmp_path / "c"))
    rec = r.records
    assert len(rec.children) == text.count("<CHILD>") == 46
    assert len(rec.episodes) == text.count("<EPISODE>") == 84
    assert len(rec.missing) == text.count("<AMISSING>") == 6
    assert len(rec.reviews) == text.count("<AREVIEW>")
    assert len(rec.uasc) == text.count("<DUC>") == 12
    assert len(rec.ad1) == len(rec.placed_adoption) == 3
    # OC3: 6 care leavers; ACTIV P3 (CHILD #28) and ACCOM 01 (CHILD #46) are the planted errors
    assert len(rec.oc3) == 4
    assert r.quarantine[["row", "value"]].values.tolist() == [[28, "P3"], [46, "01"]]
    first = rec.episodes[rec.episodes["child_id"] == "907440"].sort_values("decom")
    assert first["place"].tolist() == ["R5", "P2"]  # written <PL> in the XML
    assert first["decom"].iloc[0] == pd.Timestamp("2017-01-06")
    assert _balanced(r)


def test_903_header_conflicting_duplicates_quarantined(tmp_path: Path) -> None:
    root = _copy({f"903/{p.name}": p for p in (CORPUS / "ssda903_liia").glob("*.csv")},
                 tmp_path / "c")
    r = read_council(root)
    q = r.quarantine
    # child 689661 on rows 2-4 (three DOBs), 249901 on rows 5-6: the later rows quarantined
    assert q["reason"].tolist() == ["conflicting duplicate"] * 3
    assert q["row"].tolist() == [3, 4, 6]
    assert q["value"].iloc[0] == "689661: SEX M DOB 2012-03-21 differs from row 2 (SEX M DOB " \
                                 "2015-07-11)"
    kids = r.records.children.set_index("child_id")["dob"]
    assert kids.loc["689661"] == pd.Timestamp("2015-07-11")


# --- Workforce -------------------------------------------------------------------------------

def test_csww_census_xml_with_team_map(tmp_path: Path) -> None:
    root = _copy({"csww/census.xml": CORPUS / "csww" / "social_work_workforce_2022.xml"},
                 tmp_path / "c")
    (root / "csww" / "teams.csv").write_text("SWENo,Team\nOz2054309383,Assessment 1\n")
    r = read_council(root)
    w = r.records.workers.set_index("worker_id")
    assert len(r.quarantine) + len(w) == 30  # 30 CSWWWorker elements
    # FTE 0 and no usable FTE30 (a leaver without FTE30, or still in post): CSWWWorker 12, 14, 30
    assert r.quarantine["row"].tolist() == [12, 14, 30]
    assert set(r.quarantine["reason"]) == {"FTE outside (0, 1.5]"}
    assert (r.repairs["action"] == "fte_from_fte30").sum() == 10
    assert w.loc["Oz2054309383", "team"] == "Assessment 1"
    assert w.loc["Oz2054309383", "fte"] == pytest.approx(0.521371)
    assert bool(w.loc["Oz2054309383", "agency"]) is True
    assert w.loc["Yk7226043359", "fte"] == pytest.approx(0.603665)  # FTE 0, left: FTE30
    assert any("team of 1 worker(s) from the team mapping file" in n for n in r.notes)


@pytest.mark.parametrize("fte,reason", [("37", "FTE outside (0, 1.5]"),
                                        ("0", "FTE outside (0, 1.5]"),
                                        ("-0.5", "FTE outside (0, 1.5]"),
                                        ("nan", "missing value"),
                                        ("abc", "unparseable number")])
def test_fte_out_of_range_quarantined(tmp_path: Path, fte: str, reason: str) -> None:
    wf = {"workers.csv": "worker_id,team,fte,agency,start_date,end_date,role\n"
                         "W1,T1,0.8,Y,2018-01-01,,SW\n"
                         f"W2,T1,{fte},N,2018-01-01,,SW\n"}
    r = read_council(make_council(tmp_path / "c", workforce=wf))
    assert r.records.workers["worker_id"].tolist() == ["W1"]
    assert r.quarantine[["row", "column", "reason"]].values.tolist() == [[3, "fte", reason]]


def test_duplicate_allocations_differing_in_end_logged(tmp_path: Path) -> None:
    wf = {"allocations.csv": "CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\n"
                             "C1,01/02/2010,W1,03/04/2019,,\n"
                             "C1,01/02/2010,W1,03/04/2019,01/06/2019,\n"}
    r = read_council(make_council(tmp_path / "c", workforce=wf))
    assert r.records.sw_episodes["end"].tolist() == [pd.Timestamp("2019-06-01")]
    log = r.repairs[r.repairs["action"] == "duplicate_allocation_resolved"]
    assert log["detail"].tolist() == ["worker W1 from 2019-04-03: dropped copy ending open, "
                                      "kept the later end"]
    assert _balanced(r)


# --- Encodings and blank rows ----------------------------------------------------------------

def test_windows_1252_list_8_with_curly_quotes_and_bom(tmp_path: Path) -> None:
    heading = "Number of Episodes the Child has been \u2018Missing\u2019 from their Placement " \
              "in the last 12 months"
    l8 = (f"{CHILD},Date Started to be Looked After,{heading}\n"
          "C1,M,01/02/2010,01/01/2019,2\n").encode("cp1252")
    root = make_council(tmp_path / "c")
    (root / "annex_a" / "List 8.csv").write_bytes(l8)
    (root / "ssda903" / "header.csv").write_bytes(b"\xef\xbb\xbfCHILD,SEX,DOB\nC1,1,01/02/2010\n")
    r = read_council(root)
    assert r.records.cla["missing_12m"].tolist() == [2.0]
    assert r.records.children["sex"].tolist() == ["M"]
    assert r.notes == ["List 8.csv: not UTF-8, read as Windows-1252"]


def test_excel_empty_rows_dropped_counted_and_row_numbers_exact(tmp_path: Path) -> None:
    annex = {"List_3.csv": f"{CHILD},Date of referral,Referral NFA?\n"
                           "C1,M,01/02/2010,03/04/2019,N\n"
                           ",,,,\n"
                           "\n"
                           "C2,M,01/02/2010,31/02/2019,N\n"  # line 5: bad date
                           ",,,,\n,,,,\n"}
    r = read_council(make_council(tmp_path / "c", annex=annex))
    assert r.blank_rows == 4
    assert r.quarantine[["row", "reason"]].values.tolist() == [[5, "unparseable date"]]
    assert _balanced(r)


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])  # (pyarrow's path; pandas')
def test_row_numbers_after_a_cell_over_several_lines(tmp_path: Path, encoding: str) -> None:
    """A quoted cell holding line breaks (a team name typed over two lines) moves the rows
    after it down: the quarantine names the line an editor shows, not the record number."""
    annex = {"List_3.csv": None}
    root = make_council(tmp_path / "c", annex=annex)
    (root / "annex_a" / "List_3.csv").write_bytes((
        f"{CHILD},Date of referral,Referral NFA?,Allocated Team\r\n"
        "C1,M,01/02/2010,03/04/2019,N,\"North\r\nteam \u2018A\u2019\"\r\n"  # lines 2-3
        "C2,M,01/02/2010,31/02/2019,N,T1\r\n"  # line 4: bad date
        "C3,M,01/02/2010,04/04/2019,N,\"T\r\n\r\n2\"\r\n"  # lines 5-7
        "C4,M,01/02/2010,32/04/2019,N,T1\r\n"  # line 8: bad date
        ).encode(encoding))
    r = read_council(root)
    assert r.quarantine[["row", "reason"]].values.tolist() == [[4, "unparseable date"],
                                                              [8, "unparseable date"]]
    assert r.records.referrals["team"].tolist() == ["North\r\nteam \u2018A\u2019",
                                                    "T\r\n\r\n2"]
    assert _balanced(r)


# --- Hostile dates ---------------------------------------------------------------------------

def test_sentinel_dates(tmp_path: Path) -> None:
    annex = {"Child Protection.csv": f"{CHILD},Child Protection Plan Start Date,"
                                     "Child Protection Plan End Date\n"
                                     "C1,M,01/02/2010,03/05/2019,31/12/9999\n",
             "List_3.csv": f"{CHILD},Date of referral\n"
                           "C1,M,01/02/2010,03/04/2019\n"
                           "C2,M,01/01/1900,01/01/1900\n"}
    r = read_council(make_council(tmp_path / "c", annex=annex))
    assert r.records.cp_plans["end_date"].isna().all()  # 9999: open
    assert "placeholder_date_blank" in set(r.repairs["action"])
    q = r.quarantine
    assert q[["row", "column", "reason"]].values.tolist() == [
        [3, "Date of referral", "placeholder date (e.g. 31/12/9999, 01/01/1900)"]]


def test_date_after_extract_quarantined_and_series_not_stretched(tmp_path: Path) -> None:
    rows = "".join(f"C{i},M,01/02/2010,{1 + i % 28:02d}/{1 + i % 12:02d}/2019,N\n"
                   for i in range(200))
    annex = {"List_3.csv": f"{CHILD},Date of referral,Referral NFA?\n" + rows
             + "C998,M,01/02/2010,01/06/2025,N\n"  # isolated, before today: an outlier
             + "C999,M,01/02/2010,01/01/2031,N\n"}  # after the day kpis runs
    root = make_council(tmp_path / "in", annex=annex)
    r = read_council(root)
    assert r.extract_date == pd.Timestamp("2019-12-28")
    assert r.quarantine[["row", "reason"]].values.tolist() == [
        [202, "date after the extract date"], [203, "date after the extract date"]]
    out = tmp_path / "f.csv"
    assert main(["compute", "--input", str(root), "--out", str(out), "--levels",
                 "council"]) == 0
    periods = pd.read_csv(out)["period"]
    assert periods.max() == "2019-12"


# --- Partial deliveries and the CLI ----------------------------------------------------------

def test_annex_a_alone_computes_what_it_can(tmp_path: Path, capsys) -> None:
    root = _copy({"Annex_A.xlsx": CORPUS / "annex_a_2023" / "Annex_A.xlsx"}, tmp_path / "c")
    out = tmp_path / "o" / "f.csv"
    assert main(["compute", "--input", str(root), "--out", str(out), "--levels",
                 "council"]) == 0
    fig = pd.read_csv(out, keep_default_na=False)
    nc = fig[fig["flag"] == "not computed"]
    # every indicator that needs a 903 table (episodes, OC3, reviews), the allocation history
    # (SWEpisodes) or the workforce file (data/records/indicator_inputs.yml)
    assert set(nc["indicator_id"]) == {
        "returns_to_care", "cla_s20", "cla_missing", "placements_3plus",
        "long_term_stability", "sw_changes_12m_cla", "sw_more_than_3_12m",
        "sw_changes_6m_all", "caseload_per_fte", "caseload_18_or_fewer",
        "caseload_22_or_fewer", "agency_rate",
        "care_leavers_in_touch", "care_leavers_suitable_accom_all",
        "care_leavers_suitable_accom_19_21", "care_leavers_eet_all", "care_leavers_eet_19_21",
        "cla_reviews", "cla_change_18m", "sw_3plus_12m", "unallocated_2wk",
        "manager_allocated_2wk", "cla_out_of_county", "cla_placed_20miles"}
    assert (nc["value"] == "").all()
    note = nc[nc["indicator_id"] == "cla_s20"]["note"].iloc[0]
    assert note == "not computed: needs SSDA903 episodes (episodes CSV or the XML return)"
    assert (fig.loc[fig["indicator_id"] == "re_referrals", "flag"] != "not computed").all()
    printed = capsys.readouterr().out
    assert "not computed: agency_rate (needs workforce file" in printed
    assert "audits_per_month (needs quality-assurance audit file" in printed  # no rows: said
    assert "rows read: " in printed and "rows in: 59 = read 59 + quarantined 0" in printed


def test_nothing_usable_exit_2(tmp_path: Path, capsys) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.csv").write_text("a,b\n1,2\n")
    assert main(["compute", "--input", str(tmp_path / "in"), "--out",
                 str(tmp_path / "f.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no council data found" in err


@pytest.mark.parametrize("args,message", [
    (["--jobs", "0"], "--jobs: must be 1 or more, got 0"),
    (["--from", "2020-13"], "expected YYYY-MM (month 01-12), got '2020-13'"),
    (["--to", "2020-00"], "expected YYYY-MM (month 01-12), got '2020-00'"),
])
def test_bad_arguments_one_line_exit_2(tmp_path: Path, capsys, args: list[str],
                                       message: str) -> None:
    root = make_council(tmp_path / "in")
    assert main(["compute", "--input", str(root), "--out", str(tmp_path / "f.csv"),
                 *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_bad_out_paths_exit_2_and_inputs_untouched(tmp_path: Path, capsys) -> None:
    root = make_council(tmp_path / "in")
    episodes = root / "ssda903" / "episodes.csv"
    before = episodes.read_bytes()
    (tmp_path / "afile").write_text("x")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    cases = [(tmp_path, "is a folder"), (tmp_path / "afile" / "f.csv", "which is a file"),
             (episodes, "would overwrite the input file"),
             (root / "ssda903" / "episodes.parquet", None)]
    if os.geteuid() != 0:  # root writes anywhere
        cases.append((ro / "f.csv", "read-only"))
    for out, message in cases[:3] + cases[4:]:
        assert main(["compute", "--input", str(root), "--out", str(out)]) == 2, out
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0]
    assert episodes.read_bytes() == before


def test_outputs_follow_umask_and_neutralise_formulas(tmp_path: Path) -> None:
    wf = {"workers.csv": "worker_id,team,fte,agency,start_date,end_date,role\n"
                         "W1,=HYPERLINK(\"http://x\"),0.8,Y,2018-01-01,,SW\n"}
    annex = {"List_3.csv": f"{CHILD},Date of referral,Referral NFA?,Allocated Team\n"
                           "C1,M,01/02/2010,03/04/2019,N,+cmd\n"
                           "C2,M,01/02/2010,31/02/2019,N,@SUM(A1)\n"}
    root = make_council(tmp_path / "in", annex=annex, workforce=wf)
    out = tmp_path / "o" / "f.csv"
    old = os.umask(0o022)
    try:
        assert main(["compute", "--input", str(root), "--out", str(out), "--from",
                     "2019-04", "--to", "2019-05"]) == 0
    finally:
        os.umask(old)
    files = [p for p in out.parent.rglob("*") if p.is_file()]
    assert len(files) == 4  # figures, quarantine, repairs and the council's cache entry
    for p in files:
        assert p.stat().st_mode & 0o777 == 0o644, p
    fig = pd.read_csv(out, keep_default_na=False, dtype=str)
    units = set(fig.loc[fig["level"] == "team", "org_unit"])
    assert "'=HYPERLINK(\"http://x\")" in units and "'+cmd" in units
    assert not any(u.startswith(("=", "+", "@")) for u in fig["org_unit"])
    q = pd.read_csv(tmp_path / "o" / "f.quarantine.csv", dtype=str)
    assert q["value"].tolist() == ["31/02/2019"]
    num = pd.read_csv(out)["value"]
    assert pd.api.types.is_float_dtype(num)  # numbers stay numbers


def test_neutralise_keeps_numbers() -> None:
    from kpis.files import neutralise_csv

    df = pd.DataFrame({"a": ["-3.5", "=1+1", "-x", "\tq", "ok", None], "n": [-1.0, 2, 3, 4, 5, 6]})
    out = neutralise_csv(df)
    assert out["a"].tolist()[:5] == ["-3.5", "'=1+1", "'-x", "'\tq", "ok"]
    assert pd.isna(out["a"].iloc[5])
    assert out["n"].tolist() == [-1.0, 2, 3, 4, 5, 6]


def test_interrupted_run_leaves_no_temp_files(tmp_path: Path, monkeypatch) -> None:
    import kpis.records.batch as compute

    root = make_council(tmp_path / "in")
    out = tmp_path / "o" / "f.csv"

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(compute, "neutralise_csv", boom)
    assert main(["compute", "--input", str(root), "--out", str(out)]) == 130
    # no output and no temporary file; the council computed before the interruption is kept
    # in the cache, whole, and the next run reuses it (kpis.records.cache)
    kept = tmp_path / "o" / ".f.csv.kpis-cache"
    assert list((tmp_path / "o").iterdir()) == [kept]
    assert [p.suffix for p in kept.iterdir()] == [".council"]
    monkeypatch.undo()
    assert main(["compute", "--input", str(root), "--out", str(out)]) == 0
    assert out.exists() and [p.suffix for p in kept.iterdir()] == [".council"]


def test_episode_rows_with_9999_end_are_open(tmp_path: Path) -> None:
    ssda = {"episodes.csv": EP_HEADER + "C1,01/01/2019,S,C2,N1,U1,PR1,31/12/9999,E11,,,,\n"}
    r = read_council(make_council(tmp_path / "c", ssda=ssda))
    assert r.records.episodes["dec"].isna().all() and r.quarantine.empty


def test_linked_folders_are_read_but_not_a_link_back_up(tmp_path: Path) -> None:
    """A council folder whose 903 returns are a link to a shared drive reads them; a link to
    the folder above (which holds the other councils) is not followed."""
    plain = read_council(make_council(tmp_path / "plain" / "LA1"))
    linked = make_council(tmp_path / "in" / "LA1")
    shared = tmp_path / "shared drive" / "903 returns"
    shared.parent.mkdir()
    shutil.move(linked / "ssda903", shared)
    (linked / "ssda903").symlink_to(shared, target_is_directory=True)
    make_council(tmp_path / "in" / "LA2")
    (linked / "up").symlink_to("..", target_is_directory=True)
    (linked / "itself").symlink_to(".", target_is_directory=True)
    r = read_council(linked)
    assert r.rows_read == plain.rows_read
    assert r.rows_read["episodes"] == 1 and len(r.records.children) == 1
    pd.testing.assert_frame_equal(r.records.episodes.drop(columns=["_file"], errors="ignore"),
                                  plain.records.episodes.drop(columns=["_file"], errors="ignore"))
