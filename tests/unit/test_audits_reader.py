"""The audit file reader: recognised by its headings wherever it sits, tolerant headers and
values, quarantine with reasons, exit 2 for an unusable file (issue 14)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kpis.errors import InputError
from kpis.records.readers import read_council

HEADER = ("audit_id,Completed Date,Case ID,Practitioner,Team Name,Type of Audit,Audit Grade,"
          "Moderated Grade\n")
GOOD = HEADER + """A1,03/06/2020,C1,SW1,Team A,Case file audit,a) Good,
A2,2020-06-04,C2,SW2,Team A,Observation,RI,Inadequate
A3,43987,C3,SW3,Team B,thematic,4,
A4,05/06/2020,C4,SW1,Team A,CASE FILE,Outstanding,2 - Good
"""


def read_audits(council: Path) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(audits table, quarantine, rows in) as kpis compute reads the council folder."""
    r = read_council(council)
    return r.records.audits, r.quarantine, r.rows_in


def _write(tmp: Path, text: str, name: str = "audits/audits.csv") -> Path:
    p = tmp / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def test_tolerant_headers_and_values(tmp_path: Path) -> None:
    _write(tmp_path, GOOD)
    df, q, n = read_audits(tmp_path)
    assert n == 4 and len(df) == 4 and q.empty
    assert df["grade"].tolist() == ["good", "requires improvement", "inadequate", "outstanding"]
    assert df["audit_type"].tolist() == ["case file", "observation of practice", "thematic",
                                         "case file"]
    assert df["moderated_grade"].tolist()[1] == "inadequate"
    assert df["moderated_grade"].tolist()[3] == "good"
    assert pd.isna(df["moderated_grade"].tolist()[0])
    # 43987 is an Excel serial: 1899-12-30 + 43,987 days = 2020-06-05
    assert df["completed_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2020-06-03", "2020-06-04", "2020-06-05", "2020-06-05"]


def test_no_audit_file_is_empty_not_an_error(tmp_path: Path) -> None:
    _write(tmp_path, "Child Unique ID,Gender,Date of Contact\nC1,b) Female,03/06/2020\n",
           "list1.csv")
    df, q, n = read_audits(tmp_path)
    assert df.empty and list(df.columns)[:3] == ["audit_id", "completed_date", "child_id"]
    assert q.empty and n == 1


def test_found_by_headings_whatever_its_name(tmp_path: Path) -> None:
    """An audit list called anything, in any folder, is read as the audit list."""
    _write(tmp_path, GOOD, "exports/2020/qa_export_june.csv")
    df, q, n = read_audits(tmp_path)
    assert len(df) == 4 and q.empty and n == 4
    assert df["audit_id"].tolist() == ["A1", "A2", "A3", "A4"]


def test_bad_rows_quarantined_with_reasons(tmp_path: Path) -> None:
    bad = GOOD + (
        "A5,31/02/2020,C5,SW1,Team A,Case file,Good,\n"        # line 6: bad date
        "A6,,C6,SW1,Team A,Case file,Good,\n"                  # line 7: missing date
        "A7,06/06/2020,C7,SW1,Team A,Case file,Excellent,\n"   # line 8: grade not in list
        "A8,06/06/2020,C8,SW1,Team A,Case file,Good,Superb\n"  # line 9: moderation grade
        "A9,06/06/2020,C9,SW1,Team A,Peer review,Good,\n"      # line 10: type not in list
        "A1,07/06/2020,C1,SW1,Team A,Case file,Good,\n"        # line 11: audit id reused
        "A10,07/06/2020,C10,,Team A,Case file,Good,\n"         # line 12: no worker
    )
    path = _write(tmp_path, bad)
    df, q, n = read_audits(tmp_path)
    assert n == 11 and len(df) == 4 and len(q) == 7  # rows in = rows read + quarantined
    got = {int(r.row): (r.column, r.value, r.reason) for r in q.itertuples()}
    assert got == {
        6: ("Completed Date", "31/02/2020", "unparseable date"),
        7: ("Completed Date", "", "missing date"),
        8: ("Audit Grade", "Excellent", "unknown code"),
        9: ("Moderated Grade", "Superb", "unknown code"),
        10: ("Type of Audit", "Peer review", "unknown code"),
        11: ("audit_id", "A1", "duplicate audit id"),
        12: ("Practitioner", "", "missing value"),
    }
    assert set(q["file"]) == {str(path)}  # columns are named as the file spells them


def test_missing_column_is_input_error(tmp_path: Path) -> None:
    text = "\n".join(",".join(line.split(",")[:6] + line.split(",")[7:])
                     for line in GOOD.strip().splitlines())  # drop the grade column
    path = _write(tmp_path, text + "\n")
    with pytest.raises(InputError) as err:
        read_audits(tmp_path)
    assert err.value.column == "Grade"
    assert str(path) in str(err.value)


def test_workbook_with_title_rows(tmp_path: Path) -> None:
    width = len(GOOD.splitlines()[0].split(","))
    rows = [["Case file audits 2020"] + [""] * (width - 1), [""] * width,
            GOOD.splitlines()[0].split(",")]
    rows += [line.split(",") for line in GOOD.strip().splitlines()[1:]]
    target = tmp_path / "QA" / "Audits 2020.xlsx"
    target.parent.mkdir()
    pd.DataFrame(rows).to_excel(target, header=False, index=False)
    df, q, n = read_audits(tmp_path)
    assert len(df) == 4 and q.empty
    assert df["grade"].tolist()[0] == "good"


@pytest.mark.slow
def test_cli_exit_2_names_file_and_column(tmp_path: Path) -> None:
    """kpis compute on a council whose audit file lacks the grade column: exit 2, one line
    naming the file and column, no output written."""
    from kpis.synth.generate import generate

    council = tmp_path / "council"
    generate(council, seed=5, scale=0.05, start="2019-04-01", end="2020-09-30",
             annex_format="csv")
    audits = council / "audits" / "audits.csv"
    df = pd.read_csv(audits, dtype=str, keep_default_na=False).drop(columns=["Grade"])
    df.to_csv(audits, index=False)
    out = tmp_path / "out.csv"
    proc = subprocess.run([sys.executable, "-m", "kpis.cli", "compute", "--input", str(council),
                           "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert str(audits) in proc.stderr and "'Grade'" in proc.stderr
    assert not out.exists()
