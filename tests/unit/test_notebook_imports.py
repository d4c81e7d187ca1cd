"""kpis.reporting keeps jsonschema from building rfc3987_syntax's grammars (2.6 s of CPU in
every process that imports nbformat), and nbformat still validates notebooks."""

import subprocess
import sys

CODE = """
import sys
import kpis.reporting
import nbformat
assert sys.modules["rfc3987_syntax"] is None, "rfc3987_syntax was imported"
assert "lark" not in sys.modules, "lark grammars built"
nb = nbformat.v4.new_notebook()
nb.cells = [nbformat.v4.new_code_cell("x = 1")]
nbformat.validate(nb)
bad = nbformat.v4.new_notebook()
bad.cells = [nbformat.v4.new_code_cell("x = 1")]
bad.cells[0]["cell_type"] = "no such type"
try:
    nbformat.validate(bad)
except nbformat.ValidationError:
    print("rejected")
"""


def test_nbformat_validates_without_the_iri_grammars() -> None:
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "rejected"
