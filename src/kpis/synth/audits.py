"""Synthetic quality-assurance audits that follow the board report's timeline.

What the July 2020 board report says (../shared/seeds/004_…, paragraphs 7.0-9.0), and how the
generator follows it:

- 2017 inspection, "audit activity was limited": about 10 audits a month to March 2017,
  rising to about 20 by summer 2018;
- autumn 2018, "averaged in the mid 20's": quota 25 a month, September to November 2018;
- "in the 3 months prior to the COVID-19 pandemic we averaged 58": quota rising through 2019
  to 58 a month, December 2019 to February 2020;
- the pandemic pause, "recommenced in June when 54 audits were completed": March 2020 cut
  short (36), none in April and May, exactly 54 in June, about 56 a month afterwards;
- grades: at the DCS's appointment inadequate and requires improvement "substantial and
  broadly similar"; June 2020 "33% good, 48% requires improvement and 19% inadequate": the
  monthly target mix (good or better / RI / inadequate) moves from 12 / 44 / 44 (autumn 2018)
  to 30 / 48 / 22 (February 2020), 33 / 48 / 19 (June 2020) and 37 / 47 / 16 (March 2021);
- "each practitioner's work is audited at least twice per year": from 2019 most audits
  (`p_targeted`) go to the practitioners audited least in the last 12 months; before, workers
  are picked at random;
- "undue optimism" (2018), "increasing confidence that our audit judgements are generally
  accurate" (2020): from September 2018 a share of audits is moderated, and the moderator
  marks a grade down with a probability falling from 35% to 10% (June 2020);
- the May 2020 revision "to encompass ... thematic audits and observations of practice": from
  June 2020 about 8% thematic audits and 7% observations of practice; case files only before.

Monthly volumes are quotas (a council plans its audit programme) with a little noise; grades
come from a latent practice quality (team effect + practitioner effect + noise, agency staff a
little lower) cut at each month's target mix, so the council's mix follows the timeline while
weaker teams and practitioners get the lower grades. Quotas scale with the council's size.
Deterministic per seed: the caller passes its own Generator (kpis.synth seeds it from the
council's seed and index), so the other synthetic files are unchanged by this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kpis.files import atomic_path

#: month -> audits quota at scale 1 (linear between anchors; months outside: nearest anchor).
VOLUME_ANCHORS: dict[str, float] = {
    "2015-04": 10, "2017-03": 10, "2018-08": 20, "2018-09": 25, "2018-11": 25,
    "2019-11": 56, "2019-12": 58, "2020-02": 58,
}
#: months whose count is fixed (no interpolation, no noise): the pandemic pause and the restart.
VOLUME_FIXED: dict[str, float] = {"2020-03": 36, "2020-04": 0, "2020-05": 0, "2020-06": 54}
VOLUME_AFTER = 56.0  # from July 2020
#: month -> (good or better, requires improvement, inadequate), percent; linear between.
GRADE_ANCHORS: dict[str, tuple[float, float, float]] = {
    "2015-04": (10, 40, 50), "2018-10": (12, 44, 44), "2020-02": (30, 48, 22),
    "2020-06": (33, 48, 19), "2021-03": (37, 47, 16),
}
#: month -> probability the moderator marks the grade down.
MODERATED_DOWN_ANCHORS: dict[str, float] = {"2018-09": 0.35, "2020-06": 0.10, "2021-03": 0.10}

GRADE_WORDS = ("Outstanding", "Good", "Requires improvement", "Inadequate")
TYPE_WORDS = ("Case file", "Thematic", "Observation of practice")
COLUMNS = ["Audit ID", "Date Completed", "Child Unique ID", "Worker", "Team", "Audit Type",
           "Grade", "Moderation Grade"]


@dataclass(frozen=True)
class AuditParams:
    """Knobs of the audit generator (timeline anchors are the module constants)."""

    volume_noise: int = 2  # +/- audits a month around the quota
    p_targeted: float = 0.85  # from `targeted_from`: share of audits given to the least audited
    targeted_from: str = "2019-01"
    moderation_from: str = "2018-09"
    p_moderated: float = 0.15
    p_moderated_up: float = 0.03
    new_types_from: str = "2020-06"
    type_mix: tuple[float, float, float] = (0.85, 0.08, 0.07)
    p_outstanding: float = 0.06  # share of "good or better" graded outstanding
    team_sd: float = 0.6
    worker_sd: float = 0.5
    agency_effect: float = -0.3


def _interp(months: pd.PeriodIndex, anchors: dict[str, object]) -> np.ndarray:
    """Linear interpolation of anchor values over month numbers (flat outside the anchors)."""
    keys = pd.PeriodIndex(list(anchors), freq="M")
    x = keys.year * 12 + keys.month
    vals = np.array([np.atleast_1d(v) for v in anchors.values()], dtype=float)
    t = months.year * 12 + months.month
    return np.column_stack([np.interp(t, x, vals[:, j]) for j in range(vals.shape[1])])


def monthly_plan(start: str, end: str, scale: float = 1.0) -> pd.DataFrame:
    """Quota and target grade mix per calendar month from `start` to `end` (whole months).

    Columns: month (Period), quota (float, scaled), good, ri, inadequate (shares summing to 1),
    p_down (moderator marks down)."""
    months = pd.period_range(pd.Timestamp(start).to_period("M"), pd.Timestamp(end).to_period("M"),
                             freq="M")
    quota = _interp(months, VOLUME_ANCHORS)[:, 0]
    after = months > pd.Period("2020-06", "M")
    quota = np.where(after, VOLUME_AFTER, quota)
    for m, q in VOLUME_FIXED.items():
        quota = np.where(months == pd.Period(m, "M"), q, quota)
    mix = _interp(months, GRADE_ANCHORS) / 100.0
    mix = mix / mix.sum(axis=1, keepdims=True)
    p_down = _interp(months, MODERATED_DOWN_ANCHORS)[:, 0]
    return pd.DataFrame({"month": months, "quota": quota * scale, "good": mix[:, 0],
                         "ri": mix[:, 1], "inadequate": mix[:, 2], "p_down": p_down})


def _grade_by_rank(score: np.ndarray, month: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Within each month, the best-scored audits get the better grades in the month's target
    shares (largest-remainder rounding). Returns 1 (good or better), 2 (RI), 3 (inadequate)."""
    order = np.lexsort((-score, month))
    m_sorted = month[order]
    starts = np.flatnonzero(np.r_[True, m_sorted[1:] != m_sorted[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    rank = np.arange(len(order)) - np.repeat(starts, sizes)
    n = np.repeat(sizes, sizes).astype(float)
    sh = shares[m_sorted]
    cut1 = np.round(n * sh[:, 0])
    cut2 = np.round(n * (sh[:, 0] + sh[:, 1]))
    g_sorted = np.where(rank < cut1, 1, np.where(rank < cut2, 2, 3))
    out = np.empty(len(order), dtype=np.int64)
    out[order] = g_sorted
    return out


def _targeted(rng: np.random.Generator, p: AuditParams, holders: np.ndarray, n: int,
              last_audits: list[np.ndarray], mid: int, n_w: int) -> np.ndarray:
    """`n` practitioners among `holders`: a share `p_targeted` of them the ones audited least in
    the 12 months to `mid` (ties broken at random), the rest at random."""
    past = np.concatenate(last_audits) if last_audits else np.empty((0, 2), np.int64)
    recent = past[past[:, 0] > mid - 365] if len(past) else past
    done = np.bincount(recent[:, 1], minlength=n_w)[holders] if len(recent) else \
        np.zeros(len(holders))
    key = done + rng.random(len(holders)) * 1.5
    targeted = rng.random(n) < p.p_targeted
    ranked = holders[np.argsort(key, kind="stable")]
    pick = ranked[np.arange(n) % len(ranked)]
    return np.where(targeted, pick, rng.choice(holders, n))


def simulate_audits(rng: np.random.Generator, workers: pd.DataFrame, allocations: pd.DataFrame,
                    team_names: list[str], start: str, end: str, scale: float = 1.0,
                    params: AuditParams | None = None, prefix: str = "C") -> pd.DataFrame:
    """Audits as text rows (COLUMNS) from the synthetic council's workers and allocations.

    `workers`: kpis.synth's worker table (id, team, start, end with -1 open, agency);
    `allocations`: child, worker, start, end (-1 open), as in kpis.synth (day numbers since
    1970-01-01). Each audit picks a practitioner holding at least one child on the audit
    date, and one of that practitioner's children."""
    p = params or AuditParams()
    plan = monthly_plan(start, end, scale)
    n_month = len(plan)
    noise = rng.integers(-p.volume_noise, p.volume_noise + 1, n_month) * min(1.0, scale)
    count = np.maximum(np.round(plan["quota"].to_numpy() + noise), 0).astype(np.int64)
    fixed = plan["month"].astype(str).isin(list(VOLUME_FIXED)).to_numpy()
    count = np.where(fixed, np.round(plan["quota"].to_numpy()), count).astype(np.int64)

    w_id = workers["id"].to_numpy()
    n_w = int(w_id.max()) + 1 if len(w_id) else 0
    w_team = np.zeros(n_w, dtype=np.int64)
    w_team[w_id] = workers["team"].to_numpy()
    w_agency = np.zeros(n_w, dtype=bool)
    w_agency[w_id] = workers["agency"].to_numpy()
    team_eff = rng.normal(0, p.team_sd, len(team_names))
    worker_eff = rng.normal(0, p.worker_sd, n_w) + np.where(w_agency, p.agency_effect, 0.0)

    al = allocations[["child", "worker", "start", "end"]]
    al_start = al["start"].to_numpy()
    al_end = np.where(al["end"].to_numpy() < 0, np.iinfo(np.int64).max, al["end"].to_numpy())
    al_child = al["child"].to_numpy()
    al_worker = al["worker"].to_numpy()
    last_audits: list[np.ndarray] = []  # (day, worker) of audits so far, for targeting
    a_day: list[np.ndarray] = []
    a_worker: list[np.ndarray] = []
    a_child: list[np.ndarray] = []
    a_month: list[np.ndarray] = []
    epoch = pd.Timestamp("1970-01-01")
    for i, row in enumerate(plan.itertuples(index=False)):  # one pass per month (~72)
        n = int(count[i])
        if n == 0:
            continue
        m0 = int((row.month.start_time - epoch).days)
        m1 = int((row.month.end_time.normalize() - epoch).days)
        days = np.arange(m0, m1 + 1)
        wd = days[((days + 3) % 7) < 5]  # 1970-01-01 was a Thursday: Monday..Friday
        day = np.sort(rng.choice(wd, n))
        mid = (m0 + m1) // 2
        open_ = (al_start <= mid) & (al_end > mid)
        holders = np.unique(al_worker[open_])
        if len(holders) == 0:
            continue
        pick = (_targeted(rng, p, holders, n, last_audits, mid, n_w)
                if str(row.month) >= p.targeted_from else rng.choice(holders, n))
        # one of the practitioner's children open at mid-month
        oc, ow = al_child[open_], al_worker[open_]
        o = np.argsort(ow, kind="stable")
        oc, ow = oc[o], ow[o]
        lo = np.searchsorted(ow, pick, "left")
        hi = np.searchsorted(ow, pick, "right")
        child = oc[lo + (rng.random(n) * (hi - lo)).astype(np.int64)]
        a_day.append(day)
        a_worker.append(pick)
        a_child.append(child)
        a_month.append(np.full(n, i))
        last_audits.append(np.column_stack([day, pick]))
    if not a_day:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    day = np.concatenate(a_day)
    worker = np.concatenate(a_worker)
    child = np.concatenate(a_child)
    month = np.concatenate(a_month)
    n = len(day)
    score = team_eff[w_team[worker]] + worker_eff[worker] + rng.normal(0, 1.0, n)
    shares = plan[["good", "ri", "inadequate"]].to_numpy()
    g3 = _grade_by_rank(score, month, shares)
    grade = np.where(g3 == 1, np.where(rng.random(n) < p.p_outstanding, 0, 1), g3 + 0)
    # 0 outstanding, 1 good, 2 RI, 3 inadequate
    month_str = plan["month"].astype(str).to_numpy()[month]
    moderated = (month_str >= p.moderation_from) & (rng.random(n) < p.p_moderated)
    u = rng.random(n)
    p_down = plan["p_down"].to_numpy()[month]
    step = np.where(u < p_down, 1, np.where(u > 1 - p.p_moderated_up, -1, 0))
    mod_grade = np.clip(grade + step, 0, 3)
    new_types = month_str >= p.new_types_from
    kind = np.where(new_types, rng.choice(3, n, p=list(p.type_mix)), 0)
    order = np.lexsort((worker, day))
    words = np.array(GRADE_WORDS, dtype=object)
    out = pd.DataFrame({
        "Audit ID": [f"QA{k:06d}" for k in range(1, n + 1)],
        "Date Completed": (epoch + pd.to_timedelta(day[order], unit="D")).strftime("%d/%m/%Y"),
        "Child Unique ID": prefix + pd.Series(child[order] + 1000000).astype(str).to_numpy(),
        "Worker": "SW" + pd.Series(worker[order] + 10000).astype(str).to_numpy(),
        "Team": np.array(team_names, dtype=object)[w_team[worker[order]]],
        "Audit Type": np.array(TYPE_WORDS, dtype=object)[kind[order]],
        "Grade": words[grade[order]],
        "Moderation Grade": np.where(moderated[order], words[mod_grade[order]], ""),
    })
    return out


def write_audits(rng: np.random.Generator, sim: object, out: Path, start: str, end: str,
                 scale: float, prefix: str) -> list[Path]:
    """Write `out/audits/audits.csv` for a simulated council (`kpis.synth.Sim`)."""
    df = simulate_audits(rng, sim.workers, sim.allocations, sim.team_names,  # type: ignore[attr-defined]
                         start, end, scale, prefix=prefix)
    target = Path(out) / "audits" / "audits.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        df.to_csv(tmp, index=False, lineterminator="\n")
    return [target]


__all__ = ["AuditParams", "monthly_plan", "simulate_audits", "write_audits", "COLUMNS"]
