"""Notebooks to HTML: what a notebook loads, findings, tables, charts, and the report build.

Imported inside a Jupyter kernel (JupyterLab, papermill), it makes sure figures draw inline:
a kernel that inherited `MPLBACKEND=Agg` from its parent would otherwise print
'<Figure size ...>' where a chart should be. The report charts themselves are rendered to
PNG and shown as HTML (kpis.reporting.figure), so they appear with any backend.
"""

from __future__ import annotations

import sys


def _inline_in_kernels() -> None:
    if "ipykernel" not in sys.modules:
        return
    import matplotlib

    if matplotlib.get_backend().lower() == "agg":
        matplotlib.use("module://matplotlib_inline.backend_inline")


_inline_in_kernels()


def _skip_iri_grammars() -> None:
    """jsonschema, which nbformat imports (so papermill and nbconvert do), imports
    rfc3987_syntax when it is installed (jupyter's packages install it), and that builds 38
    lark grammars on import: about 2.6 s of CPU in every process that runs or exports a
    notebook. It only checks the `iri` formats of JSON Schema draft 7 and later, which
    nbformat never asks for (its schemas are draft 4 and it validates without a format
    checker), so it is marked absent here unless something imported it already; jsonschema
    then leaves those two format checks out."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


_skip_iri_grammars()
