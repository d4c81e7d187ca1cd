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
