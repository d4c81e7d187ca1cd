"""Executed notebooks as offline, accessible HTML (code hidden, images embedded, no network
scripts). The pages that are not notebooks (front page, build details, accessibility
statement) are in kpis.reporting.front_page."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from kpis import files

EXTERNAL_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"']https?://[^\"']*[\"'][^>]*>\s*</script>",
                             re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)


_EXPORTERS: dict[str, Any] = {}


def export_html(nb_path: Path, html_path: Path, title: str,
                nav: list[tuple[str, str]] | None = None, banner: str = "") -> None:
    """Executed notebook -> standalone, accessible HTML: no code, no prompts, no heading
    anchors, images inline, no CDN, the report's own <title>, row and column headers, and a
    way back to the front page (kpis.reporting.a11y.polish)."""
    import nbformat

    from kpis.reporting.a11y import polish

    nb = nbformat.read(nb_path, as_version=4)
    nb.metadata["title"] = title
    body, _ = exporter().from_notebook_node(nb)
    files.write_text(html_path, polish(offline_html(body), title, nav, banner))


def exporter() -> Any:
    """This process's nbconvert HTMLExporter (one per process: loading the lab template is the
    slow part; `kpis report`'s workers build it before their first notebook)."""
    from nbconvert import HTMLExporter

    made = _EXPORTERS.get("html")
    if made is None:
        made = _EXPORTERS["html"] = HTMLExporter(
            template_name="lab", exclude_input=True, exclude_input_prompt=True,
            exclude_output_prompt=True, embed_images=True, exclude_anchor_links=True)
    return made


def offline_html(body: str) -> str:
    """Remove scripts loaded from the network (require.js, MathJax, mermaid): the reports
    are emailed and opened offline, and contain no maths or widgets that need them."""
    body = EXTERNAL_SCRIPT.sub("", body)
    return INLINE_SCRIPT.sub(lambda m: "" if "https://" in m.group(0) else m.group(0), body)


def stamp(t: float) -> str:
    return dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S")
