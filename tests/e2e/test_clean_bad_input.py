"""Bad input ends with exit code 2, one message naming file, row and column, no traceback, and
the output folder exactly as it was."""

import shutil
from pathlib import Path

import pytest

from kpis.cli import main

RAW = Path(__file__).resolve().parents[2] / "data" / "raw"
APPENDIX = "appendix1_scorecard.csv"
NARRATIVE = "narrative_figures.csv"


@pytest.fixture
def dirs(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "processed"
    shutil.copytree(RAW, raw)
    out.mkdir()
    (out / "scorecard.csv").write_text("the previous good run\n")
    return raw, out


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def run_bad(dirs, capsys) -> str:
    raw, out = dirs
    before = snapshot(out)
    rc = main(["clean", "--raw", str(raw), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert snapshot(out) == before
    return err


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_good_input_exits_0(dirs, capsys):
    raw, out = dirs
    assert main(["clean", "--raw", str(raw), "--out", str(out)]) == 0
    assert "175 observations" in capsys.readouterr().out


def test_missing_column(dirs, capsys):
    edit(dirs[0] / APPENDIX, ",Benchmarking,", ",Benchmark,")
    err = run_bad(dirs, capsys)
    assert APPENDIX in err and "column 'Benchmarking'" in err and "missing" in err


def test_unparseable_value(dirs, capsys):
    # Re-referrals is on row 26 of the file (header = row 1).
    edit(dirs[0] / APPENDIX, "Re-referrals,,24%,32%", "Re-referrals,,24%,1O5%")
    err = run_bad(dirs, capsys)
    assert f"{APPENDIX}, row 26, column 'Jun-20'" in err and "1O5%" in err


def test_percentage_over_100(dirs, capsys):
    edit(dirs[0] / APPENDIX, "Re-referrals,,24%,32%", "Re-referrals,,24%,132%")
    err = run_bad(dirs, capsys)
    assert f"{APPENDIX}, row 26, column 'Jun-20'" in err and "0-100 (value 132)" in err


def test_duplicated_indicator(dirs, capsys):
    path = dirs[0] / APPENDIX
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    row26 = lines[25]
    assert row26.startswith("Repeat Work,Re-referrals,")
    path.write_text("".join(lines + [row26]), encoding="utf-8")
    err = run_bad(dirs, capsys)
    assert f"row {len(lines) + 1}" in err and "duplicated" in err


def test_unknown_domain(dirs, capsys):
    edit(dirs[0] / APPENDIX, "Repeat Work,Re-referrals", "Repeat Wrk,Re-referrals")
    err = run_bad(dirs, capsys)
    assert f"{APPENDIX}, row 26, column 'domain'" in err and "unknown domain" in err


def test_unknown_indicator(dirs, capsys):
    edit(dirs[0] / APPENDIX, "Repeat Work,Re-referrals", "Repeat Work,Re-referals")
    err = run_bad(dirs, capsys)
    assert f"{APPENDIX}, row 26, column 'indicator'" in err and "not in the catalogue" in err


def test_empty_file(dirs, capsys):
    (dirs[0] / NARRATIVE).write_text("")
    err = run_bad(dirs, capsys)
    assert NARRATIVE in err and "empty" in err


def test_header_only_file(dirs, capsys):
    path = dirs[0] / APPENDIX
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n")
    err = run_bad(dirs, capsys)
    assert APPENDIX in err and "no rows" in err


def test_not_utf8(dirs, capsys):
    path = dirs[0] / APPENDIX
    data = path.read_bytes().replace(b"Re-referrals", "Re-r\xe9f\xe9rrals".encode("cp1252"))
    path.write_bytes(data)
    err = run_bad(dirs, capsys)
    assert f"{APPENDIX}, row 26" in err and "UTF-8" in err


def test_narrative_figure_that_disagrees_with_the_appendix(dirs, capsys):
    edit(dirs[0] / NARRATIVE, "2017-03,around 43%", "2017-03,around 45%")
    err = run_bad(dirs, capsys)
    assert f"{NARRATIVE}, row 4, column 'value_text'" in err and "disagrees with 43" in err


def test_narrative_unknown_indicator(dirs, capsys):
    edit(dirs[0] / NARRATIVE, "NF21,cla_change_18m", "NF21,cla_change")
    err = run_bad(dirs, capsys)
    assert f"{NARRATIVE}, row 22, column 'indicator_id'" in err


def test_missing_file(dirs, capsys):
    (dirs[0] / NARRATIVE).unlink()
    err = run_bad(dirs, capsys)
    assert NARRATIVE in err and "not found" in err


def test_console_script_exit_code_and_message(dirs):
    """The installed `kpis` command itself (not just main()) ends with 2 and no traceback."""
    import subprocess
    import sys

    raw, out = dirs
    edit(raw / APPENDIX, "Re-referrals,,24%,32%", "Re-referrals,,24%,1O5%")
    proc = subprocess.run([sys.executable, "-m", "kpis.cli", "clean", "--raw", str(raw),
                           "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "row 26, column 'Jun-20'" in proc.stderr
    assert (out / "scorecard.csv").read_text() == "the previous good run\n"


def test_raw_file_that_is_a_folder(dirs, capsys):
    (dirs[0] / NARRATIVE).unlink()
    (dirs[0] / NARRATIVE).mkdir()
    err = run_bad(dirs, capsys)
    assert NARRATIVE in err and "not a file" in err
