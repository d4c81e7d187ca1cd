"""Executed notebooks as offline HTML (code hidden, images embedded, no network scripts), and
the index page of a report run."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

from kpis import files
from kpis.reporting.plan import Job

EXTERNAL_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"']https?://[^\"']*[\"'][^>]*>\s*</script>",
                             re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)


_EXPORTERS: dict[str, Any] = {}


def export_html(nb_path: Path, html_path: Path) -> None:
    """Executed notebook -> standalone HTML: no code, no prompts, images inline, no CDN."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(nb_path, as_version=4)
    exporter = _EXPORTERS.get("html")
    if exporter is None:  # one per process: loading the template is the slow part
        exporter = _EXPORTERS["html"] = HTMLExporter(
            template_name="lab", exclude_input=True, exclude_input_prompt=True,
            exclude_output_prompt=True, embed_images=True)
    body, _ = exporter.from_notebook_node(nb)
    files.write_text(html_path, offline_html(body))


def offline_html(body: str) -> str:
    """Remove scripts loaded from the network (require.js, MathJax, mermaid): the reports
    are emailed and opened offline, and contain no maths or widgets that need them."""
    body = EXTERNAL_SCRIPT.sub("", body)
    return INLINE_SCRIPT.sub(lambda m: "" if "https://" in m.group(0) else m.group(0), body)


def stamp(t: float) -> str:
    return dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S")


def _show_param(v: Any, root: Path) -> str:
    if isinstance(v, str) and v.startswith("/"):
        try:
            return str(Path(v).relative_to(root))
        except ValueError:
            return Path(v).name
    return repr(v) if isinstance(v, str) else str(v)


def index_html(jobs: list[Job], meta: dict[str, str], root: Path) -> str:
    """The index page: one row per report with link, parameters, status and run time."""
    rows = []
    for j in jobs:
        link = (f'<a href="{html.escape(j.name)}.html">{html.escape(j.title)}</a>'
                if f"{j.name}.html" in j.files else html.escape(j.title))
        nb = (f' (<a href="{html.escape(j.name)}.ipynb">notebook</a>)'
              if f"{j.name}.ipynb" in j.files else "")
        params = "<br>".join(f"{html.escape(k)} = {html.escape(_show_param(v, root))}"
                             for k, v in j.parameters.items()) or "defaults"
        status = "OK" if j.status == "ok" else f"FAILED: {html.escape(j.error)}"
        rows.append(f"<tr><td>{link}{nb}</td><td>{status}</td><td>{params}</td>"
                    f"<td>{j.seconds:.1f} s</td></tr>")
    meta_rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                        for k, v in meta.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Distance travelled: reports</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:70em}}
table{{border-collapse:collapse;margin-bottom:2em}}
td,th{{border:1px solid #999;padding:4px 8px;text-align:left;vertical-align:top}}</style>
</head><body>
<h1>Children's social care: distance travelled since the 2017 inspection</h1>
<table>{meta_rows}</table>
<h2>Reports</h2>
<table><tr><th>Report</th><th>Status</th><th>Parameters</th><th>Run time</th></tr>
{''.join(rows)}
</table></body></html>
"""
