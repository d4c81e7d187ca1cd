"""Accessible HTML from nbconvert's lab template (WCAG 2.2 AA; see docs/accessibility.md).

nbconvert's page is close, but not there. `polish` fixes, on the exported page:
- the `<title>` (nbconvert takes it from the notebook, so every domain page had the same one);
- tables: column headers get `scope="col"`, and the first cell of each body row becomes a row
  header (`<th scope="row">`), so a screen reader names the indicator a figure belongs to;
  each table sits in a box that scrolls sideways and takes keyboard focus;
- keyboard stops with no name: nbconvert's `tabindex` on input wrappers and on image outputs
  (our charts carry their own focusable, labelled scroll box);
- a way back: a `<nav>` to the front page and the other reports at the top of `<main>`;
- text size and reflow: 16 px body text, charts never scaled below their natural size (they
  scroll sideways in their own box on a narrow screen, WCAG 1.4.10's exception for content
  that needs two dimensions), wide tables scroll in their own box.
"""

from __future__ import annotations

import html
import re

from bs4 import BeautifulSoup

CSS = """
:root{--jp-content-font-size1:16px;--jp-ui-font-size1:16px}
body{font-size:16px;line-height:1.5}
.kpis-chart{overflow-x:auto;max-width:100%}
.kpis-chart img{max-width:none;height:auto;display:block}
.kpis-chart:focus{outline:3px solid #ffbf47}
figure.kpis-figure{margin:1em 0 2em}
figure.kpis-figure figcaption{font-style:italic;margin:.4em 0}
.kpis-scroll{overflow-x:auto;max-width:100%}
.kpis-scroll:focus{outline:3px solid #ffbf47}
table.kpis-data{border-collapse:collapse}
table.kpis-data td,table.kpis-data th{border:1px solid #6b6b6b;padding:2px 6px}
caption{text-align:left;font-weight:bold;padding:.3em 0}
nav.kpis-nav{margin:.5em 0 1em;font-size:16px}
nav.kpis-nav a{margin-right:1em;color:#0b4f9c}
.kpis-banner{border:2px solid #1a1a1a;padding:.4em .8em;font-weight:bold}
"""


def polish(page: str, title: str, nav: list[tuple[str, str]] | None = None,
           banner: str = "") -> str:
    """The exported page made accessible (see the module docstring). `nav` is a list of
    (href, text) links placed at the top of `<main>`; `banner` an optional line above the
    content (e.g. a protective marking)."""
    soup = BeautifulSoup(page, "html.parser")
    head = soup.head
    if soup.title is None and head is not None:
        head.append(soup.new_tag("title"))
    if soup.title is not None:
        soup.title.string = title
    if head is not None:
        style = soup.new_tag("style")
        style.string = CSS
        head.append(style)
    for el in soup.select(".jp-Cell-inputWrapper[tabindex], .jp-RenderedImage[tabindex]"):
        del el["tabindex"]
    for table in soup.find_all("table"):
        _headers(table)
        _scroll_box(soup, table)
    main = soup.find("main") or soup.body
    if main is not None and (nav or banner):
        block = []
        if banner:
            block.append(f'<p class="kpis-banner">{html.escape(banner)}</p>')
        if nav:
            links = "".join(f'<a href="{html.escape(h)}">{html.escape(t)}</a>' for h, t in nav)
            block.append(f'<nav class="kpis-nav" aria-label="Reports">{links}</nav>')
        frag = BeautifulSoup("".join(block), "html.parser")
        main.insert(0, frag)
    return str(soup)


def _scroll_box(soup: BeautifulSoup, table) -> None:  # noqa: ANN001 - a bs4 Tag
    """Wrap a table in a box that scrolls sideways on a narrow screen and can be reached and
    scrolled with the keyboard (named after the table's caption)."""
    if table.parent is not None and "kpis-scroll" in (table.parent.get("class") or []):
        return
    cap = table.find("caption")
    name = cap.get_text(" ", strip=True) if cap is not None else "data"
    box = soup.new_tag("div", attrs={"class": "kpis-scroll", "tabindex": "0", "role": "region",
                                     "aria-label": f"Table: {name}"})
    table.wrap(box)


def _headers(table) -> None:  # noqa: ANN001 - a bs4 Tag
    thead = table.find("thead")
    if thead is not None:
        for th in thead.find_all("th"):
            if not th.get("scope"):
                th["scope"] = "col"
    body = table.find("tbody") or table
    for tr in body.find_all("tr", recursive=False):
        cells = tr.find_all(["td", "th"], recursive=False)
        if not cells:
            continue
        first = cells[0]
        if first.name == "td":
            first.name = "th"
        if not first.get("scope"):
            first["scope"] = "row"


def slug(text: str) -> str:
    """'How we tested' -> 'how-we-tested' (ids for in-page links)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def markdown_page(markdown_text: str, title: str, css: str,
                  nav: list[tuple[str, str]] | None = None) -> str:
    """A markdown document (e.g. the accessibility statement) as a self-contained page, its
    headings given ids so in-page links work."""
    import mistune

    body = mistune.html(markdown_text)
    body = re.sub(r"<h([1-6])>(.*?)</h\1>",
                  lambda m: f'<h{m[1]} id="{slug(re.sub("<[^>]+>", "", m[2]))}">{m[2]}</h{m[1]}>',
                  body)
    links = "".join(f'<a href="{html.escape(h)}">{html.escape(t)}</a> ' for h, t in nav or [])
    navhtml = f'<nav class="kpis-nav" aria-label="Reports">{links}</nav>' if links else ""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{css}</style></head>\n"
            f"<body><main>{navhtml}\n{body}</main></body></html>\n")
