"""Step 4 of the generator: teams, posts and workers, and the allocation of children to
workers. See kpis.synth.generate."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpis.synth.params import (
    OPEN,
    Params,
    _days,
    _group_cumsum,
    _group_starts,
    _next_in_group,
)

# --------------------------------------------------------------------------------------------
# 4: workforce and allocations

TEAM_KINDS = ("Assessment", "Safeguarding", "Children in Care")
#: Rejection-sampling tries per pass: about 1 in 16 draws is a worker in post who accepts the
#: case, so 60 tries (the old limit) left ~2% of pieces with no worker, gaps no parameter chose;
#: 500 leave ~1e-13.
MAX_TRIES = 500
MANAGER_ROLE = "Team Manager"


def _spans(R: pd.DataFrame, C: pd.DataFrame, P: pd.DataFrame, t_end: int) -> pd.DataFrame:
    """Open-to-social-care spans per child and the kind of team that holds them."""
    a = R.loc[~R["nfa"], ["child", "a_start", "cin_end"]]
    a = pd.DataFrame({"child": a["child"], "start": a["a_start"], "end": a["cin_end"],
                      "kind": 0})
    cp = pd.DataFrame({"child": C["child"], "start": C["start"],
                       "end": np.where(C["end"] == OPEN, t_end + 1, C["end"]), "kind": 1})
    ca = pd.DataFrame({"child": P["child"], "start": P["start"],
                       "end": np.where(P["end"] == OPEN, t_end + 1, P["end"]), "kind": 2})
    s = pd.concat([a, cp, ca], ignore_index=True)
    s = s[s["start"] <= t_end]
    s["end"] = np.minimum(s["end"], t_end + 1)
    return s.sort_values(["child", "start", "kind"], kind="stable").reset_index(drop=True)


def _workforce(rng: np.random.Generator, R: pd.DataFrame, C: pd.DataFrame, P: pd.DataFrame,
               t0: int, t_end: int, scale: float, p: Params,
               ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    spans = _spans(R, C, P, t_end)
    # involvements: merge overlapping spans per child; segments start at each span start
    child = spans["child"].to_numpy()
    st = spans["start"].to_numpy()
    en = spans["end"].to_numpy()
    cm = pd.Series(en).groupby(child).cummax().to_numpy()
    prev_cm = np.full(len(st), -1)
    same = np.zeros(len(st), bool)
    same[1:] = child[1:] == child[:-1]
    prev_cm[1:] = cm[:-1]
    new_inv = ~same | (st > prev_cm)
    inv = np.cumsum(new_inv)
    inv_end = pd.Series(cm).groupby(inv).transform("max").to_numpy()
    kind = spans["kind"].to_numpy()
    # a segment's kind is the highest of the spans open at its start (care > CP > CIN)
    kind_run = pd.Series(kind).groupby(inv).cummax().to_numpy()
    seg = pd.DataFrame({"child": child, "inv": inv, "start": st, "kind": kind_run})
    seg = seg[_group_starts(inv) | (kind_run != np.roll(kind_run, 1))]
    seg = seg.drop_duplicates(["inv", "start"], keep="last")
    s_end = _next_in_group(seg["start"].to_numpy(), seg["inv"].to_numpy(), OPEN)
    seg["end"] = np.where(s_end == OPEN, inv_end[seg.index.to_numpy()], s_end)
    seg = seg[seg["end"] > seg["start"]].reset_index(drop=True)

    # demand per team kind at the middle of the output window -> posts
    mid = t_end - 365
    demand = np.array([((seg["kind"] == k) & (seg["start"] <= mid) & (seg["end"] > mid)).sum()
                       for k in range(3)], dtype=float)
    n_teams = np.maximum(1, np.round(np.array([4, 6, 5]) * max(scale, 0.2) ** 0.8)).astype(int)
    mean_fte = 0.93
    posts_kind = np.maximum(2, np.round(demand / (p.target_caseload * mean_fte))).astype(int)
    team_names: list[str] = []
    team_kind: list[int] = []
    for k, name in enumerate(TEAM_KINDS):  # three kinds, not data rows
        for i in range(n_teams[k]):
            team_names.append(f"{name} {i + 1}")
            team_kind.append(k)
    team_kind_a = np.array(team_kind)
    post_team = np.concatenate([
        np.flatnonzero(team_kind_a == k)[np.arange(posts_kind[k]) % n_teams[k]]
        for k in range(3)])
    n_posts = len(post_team)
    agency_post = np.zeros(n_posts, dtype=bool)  # exactly this share of posts, chosen at random
    agency_post[rng.permutation(n_posts)[:round(p.p_agency_post * n_posts)]] = True
    per_post = 40
    tenure_mean = np.where(agency_post, p.agency_tenure_years, p.permanent_tenure_years) * 365.25
    ten = rng.exponential(np.repeat(tenure_mean, per_post)).astype(np.int64) + 60
    gap = rng.integers(0, 75, n_posts * per_post)
    post = np.repeat(np.arange(n_posts), per_post)
    first_start = t0 - (rng.random(n_posts) * tenure_mean).astype(np.int64)
    step = ten + gap
    cs = _group_cumsum(step, post)
    w_start = first_start[post] + cs - step
    w_end = w_start + ten
    keep = w_start <= t_end
    W = pd.DataFrame({"post": post[keep], "start": w_start[keep], "end": w_end[keep]})
    n_w = len(W)
    W["team"] = post_team[W["post"].to_numpy()]
    W["agency"] = agency_post[W["post"].to_numpy()]
    r = rng.random(n_w)
    W["fte"] = np.where(W["agency"], 1.0, np.where(r < 0.8, 1.0, np.where(r < 0.92, 0.8, 0.5)))
    W["capacity"] = np.clip(rng.gamma(16.0, 1 / 16, n_w), 0.3, 2.0)  # some carry more cases
    W["id"] = np.arange(n_w)
    W["end"] = np.where(W["end"] > t_end, OPEN, W["end"])
    W["role"] = np.where(rng.random(n_w) < 0.25, "Senior Social Worker",
                         np.where(rng.random(n_w) < 0.15, "ASYE Social Worker", "Social Worker"))

    # reallocation change points inside each segment
    seg_len = (seg["end"] - seg["start"]).to_numpy()
    rate = np.asarray(p.reallocation_rate)[seg["kind"].to_numpy()]  # by team kind
    churn = rng.gamma(1.0, rate)  # some children see many workers
    k = rng.poisson(churn * seg_len / 365.25)
    cut_seg = np.repeat(np.arange(len(seg)), k)
    cut_day = seg["start"].to_numpy()[cut_seg] + 1 + (
        rng.random(len(cut_seg)) * np.maximum(seg_len[cut_seg] - 1, 1)).astype(np.int64)
    pieces = pd.DataFrame({"seg": np.concatenate([np.arange(len(seg)), cut_seg]),
                           "start": np.concatenate([seg["start"].to_numpy(), cut_day]),
                           "why": np.concatenate([np.full(len(seg), "NEW"),
                                                  np.full(len(cut_seg), "REALLOC")])})
    pieces = pieces.sort_values(["seg", "start"], kind="stable").drop_duplicates(
        ["seg", "start"], keep="first").reset_index(drop=True)
    sg = pieces["seg"].to_numpy()
    nx = _next_in_group(pieces["start"].to_numpy(), sg, OPEN)
    pieces["end"] = np.where(nx == OPEN, seg["end"].to_numpy()[sg], nx)
    pieces["child"] = seg["child"].to_numpy()[sg]
    skind = seg["kind"].to_numpy()[sg]
    first_of_inv = _group_starts(seg["inv"].to_numpy())[sg] & _group_starts(sg)
    pieces.loc[~first_of_inv & _group_starts(sg), "why"] = "TRANSFER"
    # team: a stable choice per child and team kind
    kind_teams = [np.flatnonzero(team_kind_a == kk) for kk in range(3)]
    h = (pieces["child"].to_numpy() * 7919 + skind * 104729)
    team = np.empty(len(pieces), dtype=np.int64)
    for kk in range(3):
        m = skind == kk
        team[m] = kind_teams[kk][h[m] % len(kind_teams[kk])]
    pieces["team"] = team
    W, AL = _allocation_gaps(rng, _assign_workers(rng, pieces, W, t_end), W, len(team_names), p)
    return W, AL, team_names


def _assign_workers(rng: np.random.Generator, pieces: pd.DataFrame, W: pd.DataFrame,
                    t_end: int) -> pd.DataFrame:
    """Pick a worker in post in the piece's team at its start (weighted by FTE, by rejection
    sampling in whole-array passes); split pieces when the worker leaves, then repeat."""
    w_team = W["team"].to_numpy()
    order = np.argsort(w_team, kind="stable")
    w_sorted = order
    team_lo = np.searchsorted(w_team[order], np.arange(w_team.max() + 2))
    w_start = W["start"].to_numpy()
    w_end = np.where(W["end"].to_numpy() == OPEN, t_end + 10**6, W["end"].to_numpy())
    w_fte = W["fte"].to_numpy() * W["capacity"].to_numpy() / 2.0
    done: list[pd.DataFrame] = []
    todo = pieces.copy()
    for _ in range(12):  # passes over all pieces still needing a worker (each pass vectorised)
        if todo.empty:
            break
        n = len(todo)
        team = todo["team"].to_numpy()
        day = todo["start"].to_numpy()
        chosen = np.full(n, -1)
        lo, hi = team_lo[team], team_lo[team + 1]
        for _ in range(MAX_TRIES):
            need = chosen < 0
            if not need.any():
                break
            cand = w_sorted[lo[need] + (rng.random(int(need.sum())) * (hi - lo)[need]).astype(
                np.int64)]
            ok = ((w_start[cand] <= day[need]) & (w_end[cand] > day[need])
                  & (rng.random(len(cand)) < w_fte[cand]))
            idx = np.flatnonzero(need)[ok]
            chosen[idx] = cand[ok]
        # left over only when no one in the team is in post on the day (a vacancy)
        todo = todo[chosen >= 0].assign(worker=chosen[chosen >= 0])
        leaves = w_end[todo["worker"].to_numpy()]
        split = leaves < todo["end"].to_numpy()
        done.append(todo[~split].assign(end=todo["end"][~split]))
        first = todo[split].assign(end=leaves[split])
        rest = todo[split].assign(start=leaves[split], why="LEFT")
        done.append(first)
        todo = rest.drop(columns="worker")
    AL = pd.concat(done, ignore_index=True).sort_values(["child", "start"], kind="stable")
    AL["end"] = np.where(AL["end"] > t_end, OPEN, AL["end"])
    return AL.reset_index(drop=True)




def _wait_probability(p: Params, day: np.ndarray) -> np.ndarray:
    """P(a case waits for a worker) on each day: `p_wait[0]` up to `wait_trend[0]`, then
    linear to `p_wait[1]` at `wait_trend[1]`, constant after."""
    d = [_days(x) for x in p.wait_trend]
    return np.interp(day, d, list(p.p_wait))


def _allocation_gaps(rng: np.random.Generator, AL: pd.DataFrame, W: pd.DataFrame, n_teams: int,
                     p: Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Allocation delays and manager-held cases (issue 13; see `Params.p_wait`).

    A piece that needs a new worker (a new case, a transfer to another team, or its worker
    left) gets one on its first day or, with `_wait_probability` at that day, after
    1 + Exp(`wait_mean_days`) days (at most the piece's length); a share `p_wait_manager` of
    the waits is held by the team's manager (one `Team Manager` per team, in post throughout,
    not agency, never picked for ordinary allocations), the rest leave the child unallocated.
    Returns (workers with the managers appended, allocations)."""
    n = len(AL)
    start = AL["start"].to_numpy().astype(np.int64)
    end = np.where(AL["end"].to_numpy() == OPEN, np.iinfo(np.int64).max // 4,
                   AL["end"].to_numpy()).astype(np.int64)
    needs = AL["why"].isin(["NEW", "TRANSFER", "LEFT"]).to_numpy()
    waits = needs & (rng.random(n) < _wait_probability(p, start))
    wait = np.where(waits, 1 + np.floor(rng.exponential(p.wait_mean_days, n)).astype(np.int64), 0)
    wait = np.minimum(wait, end - start)
    held = (wait > 0) & (rng.random(n) < p.p_wait_manager)
    first_mgr = len(W)
    mgr = pd.DataFrame({"post": -1, "start": int(W["start"].min()), "end": OPEN,
                        "team": np.arange(n_teams), "agency": False, "fte": 1.0,
                        "capacity": 1.0, "id": first_mgr + np.arange(n_teams),
                        "role": MANAGER_ROLE})
    W = pd.concat([W, mgr.astype(W.dtypes.to_dict())], ignore_index=True)
    by_mgr = AL[held].assign(end=start[held] + wait[held],
                             worker=first_mgr + AL["team"].to_numpy()[held])
    by_mgr["end"] = np.where(by_mgr["end"].to_numpy() >= end[held], AL["end"].to_numpy()[held],
                             by_mgr["end"].to_numpy())
    rest = AL.assign(start=start + wait, why=np.where(held, "REALLOC", AL["why"].to_numpy()))
    rest = rest[start + wait < end]
    out = pd.concat([rest, by_mgr], ignore_index=True)
    return W, out.sort_values(["child", "start"], kind="stable").reset_index(drop=True)
