"""kpis.reporting.figure.png_tight: one drawing pass, cropped to what is drawn plus 0.1 in."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

from kpis.reporting.figure import png_tight


def _square_figure() -> Figure:
    """3 x 2 in; a black square from 1 to 2 in across and 0.5 to 1.5 in up, nothing else."""
    fig = Figure(figsize=(3, 2))
    fig.patches.append(Rectangle((1 / 3, 0.25), 1 / 3, 0.5, transform=fig.transFigure,
                                 facecolor="black", edgecolor="none", antialiased=False))
    return fig


def test_cropped_to_the_drawing_plus_ten_pixels_of_white() -> None:
    img = np.asarray(Image.open(io.BytesIO(png_tight(_square_figure()))).convert("RGB"))
    # the square is 100 x 100 px at 100 dpi; 0.1 in = 10 px of white on each side
    assert img.shape == (120, 120, 3)
    assert (img[10:110, 10:110] == 0).all()
    assert (img[:10] == 255).all() and (img[110:] == 255).all()
    assert (img[:, :10] == 255).all() and (img[:, 110:] == 255).all()


def test_a_drawing_beyond_the_edge_widens_the_picture_as_savefig_does() -> None:
    fig = _square_figure()
    fig.text(0.95, 0.5, "outside the figure on the right", fontsize=11)
    img = Image.open(io.BytesIO(png_tight(fig)))
    assert img.width > 300  # the figure is 300 px wide: savefig's tight box takes the text in


def test_facecolor_kept_and_drawn_white() -> None:
    fig = _square_figure()
    fig.set_facecolor("none")
    img = np.asarray(Image.open(io.BytesIO(png_tight(fig))).convert("RGB"))
    assert (img[0, 0] == 255).all()
    assert fig.get_facecolor() == (0.0, 0.0, 0.0, 0.0)
