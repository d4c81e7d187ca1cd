"""A chart as accessible HTML: the picture, its title and caption as text, alt text written from
the data, and the data itself as a table folded under it.

Every chart in a report is a `Chart`: the matplotlib figure (axes, ticks, legend and values, no
title or caption in the pixels) plus the words and numbers a reader who cannot see the picture
needs. `Chart.html()` renders it as

    <figure>
      <h3>title</h3>                       (a real heading: the chart is in the page outline)
      <div class="kpis-chart" tabindex=0>  (scrolls sideways on a narrow screen, never shrinks
        <img alt="...">                     the picture, so its text stays at body-text size)
      </div>
      <figcaption>caption</figcaption>
      <details><summary>Data behind this chart</summary><table><caption>..</caption>..</table>
    </figure>

The picture is drawn at `DPI` with no text under `MIN_FONT_PT`, so at its natural size every
letter in it is at least as large as the body text (14 px) and the page never scales it down
(WCAG 2.2 1.4.4 and 1.4.10: a chart may scroll in two dimensions, its text may not shrink).
The same HTML is what JupyterLab shows when a `Chart` is the last thing in a cell, and what
nbconvert keeps in the exported report.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field

import pandas as pd
from matplotlib.figure import Figure

#: Resolution the pictures are drawn at: 1 pt = DPI / 72 px on the page.
DPI = 100
#: Smallest font in a chart, in points: 11 pt at 100 dpi is 15.3 px, above the 14 px body text.
MIN_FONT_PT = 11.0


@dataclass
class Chart:
    """A chart with everything needed to read it without seeing it."""

    figure: Figure
    title: str
    alt: str
    caption: str = ""
    data: pd.DataFrame = field(default_factory=pd.DataFrame)
    data_caption: str = ""

    def png(self) -> bytes:
        """The figure as PNG bytes, at `DPI`, cropped to its content (`png_tight`)."""
        return png_tight(self.figure)

    def html(self) -> str:
        return chart_html(self)

    def _repr_html_(self) -> str:  # JupyterLab and nbconvert show the accessible HTML
        return self.html()


#: White margin kept around the content of a cropped picture (savefig's pad_inches default).
PAD_INCHES = 0.1


def png_tight(fig: Figure, dpi: float = DPI) -> bytes:
    """The figure as PNG bytes at `dpi`, cropped to what is drawn on it plus `PAD_INCHES` of
    white: the picture of `savefig(bbox_inches="tight")` in one drawing pass instead of two.

    savefig's "tight" lays every text of the figure out once to find the box around the
    artists, then draws the figure; laying the text out is most of a chart's cost. Here the
    figure is drawn once on its Agg canvas and the box is read from the pixels: the rows and
    columns that are not white. If anything is drawn on the figure's edge, it may reach
    beyond (a legend placed outside): savefig's two passes are used, which widen the picture
    to show it."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    if fig.dpi != dpi:
        fig.set_dpi(dpi)
    face = fig.get_facecolor()
    fig.set_facecolor("white")
    try:
        canvas.draw()
        pixels = np.asarray(canvas.buffer_rgba())
        ink = (pixels[:, :, :3] != 255).any(axis=2)
        rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
        height, width = ink.shape
        if (not len(rows) or rows[0] == 0 or cols[0] == 0 or rows[-1] == height - 1
                or cols[-1] == width - 1):
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
            return buf.getvalue()
        pad = int(round(PAD_INCHES * dpi))
        top, bottom = max(rows[0] - pad, 0), min(rows[-1] + 1 + pad, height)
        left, right = max(cols[0] - pad, 0), min(cols[-1] + 1 + pad, width)
        buf = io.BytesIO()
        Image.fromarray(pixels[top:bottom, left:right]).save(buf, format="png")
        return buf.getvalue()
    finally:
        fig.set_facecolor(face)


def data_table_html(data: pd.DataFrame, caption: str) -> str:
    """A plain, accessible HTML table: a caption, column headers with scope, no index."""
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in data.columns)
    rows = []
    for rec in data.itertuples(index=False):
        cells = "".join(f"<td>{html.escape(_cell(v))}</td>" for v in rec)
        rows.append(f"<tr>{cells}</tr>")
    return (f'<table class="kpis-data"><caption>{html.escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _cell(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float):
        return f"{v:.1f}".rstrip("0").rstrip(".") if not v.is_integer() else f"{v:.0f}"
    return str(v)


def chart_html(chart: Chart) -> str:
    """The `<figure>` for a chart (see the module docstring). Closes the matplotlib figure."""
    import matplotlib.pyplot as plt

    png = base64.b64encode(chart.png()).decode("ascii")
    plt.close(chart.figure)
    title = html.escape(chart.title)
    parts = [
        '<figure class="kpis-figure">',
        f'<h3 class="kpis-chart-title">{title}</h3>',
        f'<div class="kpis-chart" tabindex="0" role="region" aria-label="Chart: {title}">',
        f'<img src="data:image/png;base64,{png}" alt="{html.escape(chart.alt)}">',
        "</div>",
    ]
    if chart.caption:
        parts.append(f"<figcaption>{html.escape(chart.caption)}</figcaption>")
    table = (data_table_html(chart.data, chart.data_caption or f"Data: {chart.title}")
             if not chart.data.empty else "<p>No figures: the chart is empty.</p>")
    parts.append(f"<details><summary>Data behind this chart</summary>{table}</details>")
    parts.append("</figure>")
    return "\n".join(parts)


def show(chart: Chart) -> None:
    """Display a chart in a notebook as its accessible HTML, and free its figure."""
    from IPython.display import HTML, display

    display(HTML(chart.html()))
