"""The pages of a report set that are not notebooks: the board's front page (`index.html`), the
build details (`build.html`) and the accessibility statement (`accessibility.html`).

The front page is for a board member: it opens with what changed (RAG counts, the largest
improvements and deteriorations, each domain with its status and a link to its report), then
lists the other reports. Paths, parameters, timings and the git revision are on the build page.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import pandas as pd

from kpis.reporting.fmt import fmt_change, fmt_value, label, period_label
from kpis.scorecard import distance

#: One stylesheet for the generated pages: system fonts, 16 px text, AA contrast, readable at
#: 320 px (tables scroll inside their own box instead of widening the page).
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:16px;
line-height:1.5;color:#1a1a1a;background:#fff;margin:0 auto;padding:1em;max-width:70em}
a{color:#0b4f9c} a:focus{outline:3px solid #ffbf47}
h1{font-size:1.8em;margin-top:.2em} h2{margin-top:1.6em}
.scroll{overflow-x:auto} table{border-collapse:collapse;margin:.5em 0 1.5em}
caption{text-align:left;font-weight:bold;padding:.3em 0}
td,th{border:1px solid #6b6b6b;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f0f0f0} td.num{text-align:right}
.rag{display:inline-block;padding:0 .4em;border:1px solid #1a1a1a;border-radius:3px}
.rag-Red{background:#f4c7c3}.rag-Amber{background:#fce8b2}.rag-Green{background:#b7e1cd}
.rag-Not-rated{background:#eeeeee}
.failed{color:#a00000;font-weight:bold} nav{margin:.5em 0 1em}
"""
RAG_MEANING = {"Green": "target met", "Amber": "close to the target, or improving",
               "Red": "short of the target", "Not rated": "no latest figure, target or benchmark"}


class ReportJob(Protocol):
    """What the pages need to know about one built report."""

    name: str
    title: str
    status: str
    seconds: float
    error: str
    files: list[str]
    parameters: dict[str, Any]


def page(title: str, body: str) -> str:
    """A complete, self-contained HTML page (no script, no network)."""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n"
            f"<body><main>\n{body}\n</main></body></html>\n")


def _rag(word: str) -> str:
    return f'<span class="rag rag-{word.replace(" ", "-")}">{html.escape(word)}</span>'


def _link(job: ReportJob, text: str | None = None) -> str:
    text = html.escape(text or job.title)
    if f"{job.name}.html" in job.files:
        return f'<a href="{html.escape(job.name)}.html">{text}</a>'
    return f'{text} <span class="failed">(not built: {html.escape(job.error or job.status)})</span>'


def _movers(dist: pd.DataFrame, direction: str, n: int) -> pd.DataFrame:
    """The `n` largest moves in `direction`, percentages only (points compare across lines),
    leaving out single-month figures (small numbers swing)."""
    d = dist[dist["direction"].eq(direction) & dist["unit"].eq("percent")
             & ~dist["breakdown"].eq("single month")]
    return d.assign(size=d["change"].abs()).sort_values("size", ascending=False).head(n)


def _mover_items(rows: pd.DataFrame, bp: str, lp: str) -> str:
    if rows.empty:
        return "<p>None.</p>"
    items = []
    for _, r in rows.iterrows():
        src = " (from the inspection's figure)" if str(r["baseline_source"]).startswith(
            "inspection") else ""
        items.append(f"<li>{html.escape(label(r))}: {fmt_value(r['baseline'], r['unit'])} in "
                     f"{bp}{src} to {fmt_value(r['latest'], r['unit'])} in {lp} "
                     f"({fmt_change(r['change'], r['unit'])}), {_rag(r['rag'])}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def domain_status(dist: pd.DataFrame) -> pd.DataFrame:
    """Per domain: RAG counts, improved / worsened counts, and a one-word status: 'Red' when
    any line is Red, else 'Amber' when any is Amber, else 'Green' when any is Green, else
    'Not rated'."""
    rag = pd.crosstab(dist["domain"], dist["rag"]).reindex(columns=distance.RAG_ORDER,
                                                           fill_value=0)
    moves = pd.crosstab(dist["domain"], dist["direction"]).reindex(
        columns=["improved", "worsened"], fill_value=0)
    out = rag.join(moves)
    out["status"] = "Not rated"
    for word in ("Green", "Amber", "Red"):
        out.loc[out[word] > 0, "status"] = word
    return out


def front_page(dist: pd.DataFrame, jobs: Iterable[ReportJob], heading: str,
               intro: str = "") -> str:
    """The board's front page (see the module docstring)."""
    jobs = list(jobs)
    bp = period_label(dist.attrs.get("baseline_period", ""))
    lp = period_label(dist.attrs.get("latest_period", ""))
    rag = dist["rag"].value_counts()
    rag_rows = "".join(f"<tr><td>{_rag(k)}</td><td>{html.escape(RAG_MEANING[k])}</td>"
                       f'<td class="num">{int(rag.get(k, 0))}</td></tr>'
                       for k in distance.RAG_ORDER)
    by_domain = {j.parameters.get("domain"): j for j in jobs if j.parameters.get("domain")}
    status = domain_status(dist)
    dom_rows = []
    for dom, r in status.iterrows():
        job = by_domain.get(dom)
        name = _link(job, str(dom)) if job is not None else html.escape(str(dom))
        counts = ", ".join(f"{int(r[k])} {k}" for k in distance.RAG_ORDER if r[k])
        dom_rows.append(f"<tr><td>{name}</td><td>{_rag(r['status'])}</td>"
                        f"<td>{counts}</td><td class='num'>{int(r['improved'])}</td>"
                        f"<td class='num'>{int(r['worsened'])}</td></tr>")
    others = [j for j in jobs if not j.parameters.get("domain")]
    other_items = "".join(f"<li>{_link(j)}</li>" for j in others)
    failed = [j for j in jobs if j.status not in ("ok", "reused")]
    warn = (f'<p class="failed">{len(failed)} report(s) failed to build: '
            f"{html.escape(', '.join(j.name for j in failed))}. See the build details.</p>"
            if failed else "")
    body = f"""<h1>{html.escape(heading)}</h1>
{f"<p>{html.escape(intro)}</p>" if intro else ""}{warn}
<nav><a href="build.html">Build details</a> · <a href="accessibility.html">Accessibility
statement</a></nav>
<h2>What changed between {bp} and {lp}</h2>
<p>{len(dist)} indicator lines. RAG ratings in {lp}:</p>
<div class="scroll"><table><caption>Indicator lines by RAG rating, {lp}</caption>
<thead><tr><th scope="col">Rating</th><th scope="col">Meaning</th><th scope="col">Lines</th>
</tr></thead>
<tbody>{rag_rows}</tbody></table></div>
<h3>Largest improvements (percentage points)</h3>
{_mover_items(_movers(dist, "improved", 5), bp, lp)}
<h3>Largest deteriorations (percentage points)</h3>
{_mover_items(_movers(dist, "worsened", 5), bp, lp)}
<h2>Domains</h2>
<div class="scroll"><table><caption>Each domain's status in {lp} (its worst rating) and
direction of travel since {bp}</caption>
<thead><tr><th scope="col">Domain (report)</th><th scope="col">Status</th>
<th scope="col">Ratings</th><th scope="col">Improved</th><th scope="col">Worsened</th></tr>
</thead><tbody>{''.join(dom_rows)}</tbody></table></div>
<h2>Other reports</h2>
<ul>{other_items}</ul>
"""
    return page(heading, body)


def _show_param(v: Any) -> str:
    return repr(v) if isinstance(v, str) else str(v)


def build_page(jobs: Iterable[ReportJob], meta: Mapping[str, str], heading: str) -> str:
    """Build details: one row per report with links, parameters, status and run time."""
    rows = []
    for j in jobs:
        nb = (f' (<a href="{html.escape(j.name)}.ipynb">notebook</a>)'
              if f"{j.name}.ipynb" in j.files else "")
        params = "<br>".join(f"{html.escape(k)} = {html.escape(_show_param(v))}"
                             for k, v in j.parameters.items()) or "defaults"
        status = "OK" if j.status == "ok" else "Reused (inputs unchanged since the last " \
            "build)" if j.status == "reused" else (
            f'<span class="failed">FAILED: {html.escape(j.error)}</span>')
        rows.append(f"<tr><td>{_link(j)}{nb}</td><td>{status}</td><td>{params}</td>"
                    f'<td class="num">{j.seconds:.1f} s</td></tr>')
    meta_rows = "".join(f'<tr><th scope="row">{html.escape(k)}</th><td>{html.escape(v)}</td>'
                        f"</tr>" for k, v in meta.items())
    body = f"""<h1>Build details: {html.escape(heading)}</h1>
<nav><a href="index.html">Back to the reports</a></nav>
<div class="scroll"><table><caption>This build</caption><tbody>{meta_rows}</tbody></table></div>
<h2>Reports</h2>
<div class="scroll"><table><caption>Every report with its parameters, status and run time
</caption><thead><tr><th scope="col">Report</th><th scope="col">Status</th>
<th scope="col">Parameters</th><th scope="col">Run time</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table></div>
"""
    return page(f"Build details: {heading}", body)
