"""Issue 10: the words on a page follow the data. Outside its `parameters` cell (defaults a
build replaces), no notebook names a council, the 2017 inspection or the July 2020 board
report, and none calls the records synthetic: a council's own pack would say so wrongly."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
WORDS = re.compile(r"gloucestershire|synthetic|\b2017\b|\b2020\b|improvement board", re.I)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_council_or_year_written_into_a_notebook(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    said = [(i, m.group(0)) for i, c in enumerate(nb.cells)
            if "parameters" not in c.metadata.get("tags", [])
            for m in WORDS.finditer(c.source.replace("data/synthetic", ""))]
    assert said == []
