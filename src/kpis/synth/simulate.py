"""Steps 1-3 of the generator: children, referral chains, CP plans and care (SSDA903 episodes,
missing, OC3). See kpis.synth.generate for the whole story."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpis.synth.params import OPEN, Params, _days, _group_cumsum, _next_in_group
from kpis.synth.workforce import _workforce

# --------------------------------------------------------------------------------------------
# 1-3: children, referral chains, CP, care


@dataclass
class Sim:
    """All generated events of one council (day numbers; OPEN = -1 for 'not yet')."""

    children: pd.DataFrame
    referrals: pd.DataFrame
    contacts: pd.DataFrame
    assessments: pd.DataFrame
    s47: pd.DataFrame
    cp_plans: pd.DataFrame
    periods: pd.DataFrame
    episodes: pd.DataFrame
    missing: pd.DataFrame
    oc3: pd.DataFrame
    workers: pd.DataFrame
    allocations: pd.DataFrame
    team_names: list[str]


def _care_periods(rng: np.random.Generator, R: pd.DataFrame, dob: np.ndarray, t_end: int,
                  p: Params) -> pd.DataFrame:
    """Periods of care: the first wave from referrals, then readmissions; no overlaps."""
    P = R.loc[R["care"], ["child", "care_start", "stay", "short"]].rename(
        columns={"care_start": "start"})
    P = P[P["start"] <= t_end]
    waves = [P]
    cur = P
    for _ in range(4):  # a handful of readmission waves, each vectorised
        cur = cur.assign(end=cur["start"] + cur["stay"])
        age_end = (cur["end"].to_numpy() - dob[cur["child"].to_numpy()]) / 365.25
        home = cur["short"].to_numpy() & (age_end < 17)
        back = home & (rng.random(len(cur)) < p.p_readmit)
        m = int(back.sum())
        if m == 0:
            break
        nxt = pd.DataFrame({
            "child": cur["child"].to_numpy()[back],
            "start": cur["end"].to_numpy()[back] + rng.exponential(
                p.readmit_gap_mean_days, m).astype(np.int64) + 14,
            "stay": np.where(rng.random(m) < 0.5, rng.exponential(p.short_stay_mean_days, m) + 7,
                             np.exp(np.log(p.long_stay_median_years * 365.25)
                                    + 0.8 * rng.standard_normal(m))).astype(np.int64),
            "short": rng.random(m) < 0.5,
        })
        nxt = nxt[nxt["start"] <= t_end]
        waves.append(nxt)
        cur = nxt
    P = pd.concat(waves, ignore_index=True).sort_values(["child", "start"], kind="stable")
    # no overlapping periods for a child: drop a period starting before the previous ended
    pc = P["child"].to_numpy()
    pend = pd.Series((P["start"] + P["stay"]).to_numpy())
    prev_end = pend.groupby(pc).cummax().groupby(pc).shift(1).fillna(-10**9).to_numpy()
    P = P[P["start"].to_numpy() > prev_end + 1].reset_index(drop=True)
    return P


def _annex_tables(rng: np.random.Generator, R: pd.DataFrame, dob: np.ndarray, sex: np.ndarray,
                  n_child: int, t0: int, t_end: int
                  ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Annex A tables (assessments, S47, CP plans, contacts) and the children table (with the
    children who only ever had a contact). Updates R's assessment end in place."""
    R["a_end"] = np.where(R["nfa"], OPEN, np.where(R["a_end"] <= t_end, R["a_end"], OPEN))
    A = R.loc[~R["nfa"] & (R["a_start"] <= t_end), ["child", "a_start", "a_end"]]
    S = R.loc[R["s47"] & (R["s_day"] <= t_end), ["child", "s_day", "icpc", "icpc_day"]].copy()
    S["icpc_day"] = np.where(S["icpc"] & (S["icpc_day"] <= t_end), S["icpc_day"], OPEN)
    C = R.loc[R["plan"] & (R["icpc_day"] <= t_end), ["child", "icpc_day", "plan_end"]].rename(
        columns={"icpc_day": "start", "plan_end": "end"})
    C = C.sort_values(["child", "start"], kind="stable")
    C["previous"] = C.groupby("child").cumcount()
    C["end"] = np.where(C["end"] <= t_end, C["end"], OPEN)
    # contacts: one before each referral, plus as many that went no further
    n_extra = int(len(R) * 0.9)
    known = rng.random(n_extra) < 0.5
    extra_child = np.where(known, rng.integers(0, max(n_child, 1), n_extra), -1)
    ct = pd.DataFrame({
        "child": np.concatenate([R["child"].to_numpy(), extra_child]),
        "day": np.concatenate([R["day"].to_numpy() - rng.integers(0, 3, len(R)),
                               rng.integers(t0, t_end + 1, n_extra)]),
        "source": rng.choice(np.array(["Police", "School", "Health", "Individual",
                                       "LA services", "Other"]),
                             len(R) + n_extra, p=[0.3, 0.2, 0.17, 0.1, 0.13, 0.1]),
    })
    # children who only ever had a contact
    is_new = (ct["child"] == -1).to_numpy()
    n_new = int(is_new.sum())
    ct.loc[is_new, "child"] = n_child + np.arange(n_new)
    dob = np.concatenate([dob, ct["day"].to_numpy()[is_new] - rng.integers(0, 17 * 365, n_new)])
    ct = ct.drop_duplicates(["child", "day"], keep="first")
    sex = np.concatenate([sex, np.where(rng.random(n_new) < 0.5, 1, 2)])
    K = pd.DataFrame({"child": np.arange(len(dob)), "dob": dob, "sex": sex})

    return A, S, C, ct, K


def simulate(rng: np.random.Generator, start: str, end: str, scale: float = 1.0,
             params: Params | None = None, prefix: str = "C") -> Sim:
    """Generate one council's event histories (see module docstring)."""
    p = params or Params()
    t_out = _days(start)
    t_end = _days(end)
    t0 = t_out - int(p.burn_in_years * 365.25)
    years = (t_end - t0) / 365.25

    # children and referral chains ------------------------------------------------------
    n_child = int(rng.poisson(p.new_children_per_year * scale * years))
    first = rng.integers(t0, t_end + 1, n_child)
    age0 = 17.6 * rng.beta(1.1, 1.5, n_child)
    dob = first - (age0 * 365.25).astype(np.int64)
    u_risk = rng.random(n_child)
    prone = u_risk < p.p_cp_prone
    high = u_risk < p.p_cp_prone + p.p_high_risk
    sex = np.where(rng.random(n_child) < 0.52, 1, 2)
    cont = p.rereferral_12m + p.rereferral_later
    n_ref = rng.geometric(1 - np.where(prone, p.prone_continue, cont), n_child)
    child = np.repeat(np.arange(n_child), n_ref)
    n = len(child)
    idx_in = np.arange(n) - np.repeat(np.cumsum(n_ref) - n_ref, n_ref)
    within = rng.random(n) < p.rereferral_12m / cont
    base_gap = np.where(within, rng.integers(20, 350, n), rng.integers(380, 1100, n))

    hi = high[child]
    nfa = rng.random(n) < p.p_nfa
    pr = prone[child]
    s47 = ~nfa & (rng.random(n) < np.where(pr, p.p_s47_prone,
                                           np.where(hi, p.p_s47_high, p.p_s47_low)))
    icpc = s47 & (rng.random(n) < np.where(pr, p.p_icpc_prone, p.p_icpc))
    plan = icpc & (rng.random(n) < p.p_plan)
    care = ~nfa & (rng.random(n) < np.where(hi, p.p_care_high, p.p_care_low))
    # durations that hold up the next referral
    a_start_off = rng.integers(0, 5, n)
    fast = rng.random(n) < p.p_assessment_fast
    a_len = np.where(fast, rng.integers(3, 61, n), rng.integers(70, 160, n))
    s_off = rng.integers(0, 10, n)
    icpc_fast = rng.random(n) < p.p_icpc_fast
    icpc_len = np.where(icpc_fast, rng.integers(3, 20, n), rng.integers(23, 55, n))
    plan_len = np.exp(np.log(p.plan_median_days) + p.plan_sigma * rng.standard_normal(n))
    plan_len = np.maximum(plan_len.astype(np.int64), 30)
    short = rng.random(n) < p.p_short_stay
    stay = np.where(short, rng.exponential(p.short_stay_mean_days, n) + 7,
                    np.exp(np.log(p.long_stay_median_years * 365.25)
                           + 0.8 * rng.standard_normal(n)))
    stay = stay.astype(np.int64)
    care_start_off = a_start_off + rng.integers(0, 40, n)
    cin = ~nfa & ~plan & ~care & (rng.random(n) < p.p_cin_after_assessment)
    cin_len = rng.exponential(p.cin_mean_days, n).astype(np.int64) + 30
    hold = (np.where(plan, s_off + icpc_len + plan_len, 0)
            + np.where(care, care_start_off + stay, 0)
            + np.where(cin, a_len + cin_len, 0))
    gap_after = base_gap + hold
    gap_before = np.zeros(n, dtype=np.int64)
    gap_before[1:] = gap_after[:-1]
    gap_before[idx_in == 0] = 0
    ref_day = first[child] + _group_cumsum(gap_before, child)
    keep = ref_day <= t_end
    # care must start before 18
    age_at_care = (ref_day + care_start_off - dob[child]) / 365.25
    care &= age_at_care < 17.5

    R = pd.DataFrame({
        "child": child, "day": ref_day, "nfa": nfa, "s47": s47, "icpc": icpc, "plan": plan,
        "care": care, "a_start": ref_day + a_start_off, "a_end": ref_day + a_start_off + a_len,
        "cin_end": ref_day + a_start_off + a_len + np.where(cin, cin_len, 0),
        "s_day": ref_day + a_start_off + s_off,
        "icpc_day": ref_day + a_start_off + s_off + icpc_len,
        "plan_end": ref_day + a_start_off + s_off + icpc_len + plan_len,
        "care_start": ref_day + care_start_off, "stay": stay, "short": short,
    })[keep].reset_index(drop=True)

    P = _care_periods(rng, R, dob, t_end, p)
    P = _finish_periods(rng, P, dob, t_end, p)
    E = _episodes(rng, P, t_end, p)
    M = _missing(rng, P, dob, t_end, p)
    OC = _oc3(rng, P, dob, t_end, p)

    A, S, C, ct, K = _annex_tables(rng, R, dob, sex, n_child, t0, t_end)
    W, AL, teams = _workforce(rng, R, C, P, t0, t_end, scale, p)
    return Sim(children=K, referrals=R, contacts=ct, assessments=A, s47=S, cp_plans=C,
               periods=P, episodes=E, missing=M, oc3=OC, workers=W, allocations=AL,
               team_names=teams)


def _finish_periods(rng: np.random.Generator, P: pd.DataFrame, dob: np.ndarray, t_end: int,
                    p: Params) -> pd.DataFrame:
    """End day (capped at 18), REC code, initial legal status and child type for each period."""
    n = len(P)
    child = P["child"].to_numpy()
    start = P["start"].to_numpy()
    eighteen = dob[child] + int(18 * 365.25)
    end = np.minimum(start + P["stay"].to_numpy(), eighteen)
    aged_out = end == eighteen
    age_start = (start - dob[child]) / 365.25
    short = P["short"].to_numpy()
    u = rng.random(n)
    rec = np.where(short, np.where(u < 0.6, "E13", "E4A"),
                   np.where(age_start < 5, np.where(u < 0.55, "E11", np.where(u < 0.8, "E45",
                                                                                "E13")),
                            np.where(u < 0.3, "E45", np.where(u < 0.6, "E13", "E8"))))
    rec = np.where(aged_out, np.where(u < 0.5, "E17", "E5"), rec)
    open_ = end > t_end
    ok = start < eighteen - 60
    out = P.assign(end=np.where(open_, OPEN, end), rec=np.where(open_, "", rec),
                   age_start=age_start, settled=rng.random(n) < p.p_settled,
                   s20=rng.random(n) < np.where(short, 0.8, p.p_s20_start),
                   period=0)
    out = out[ok].reset_index(drop=True)
    out["period"] = np.arange(len(out))
    return out


def _episodes(rng: np.random.Generator, P: pd.DataFrame, t_end: int,
              p: Params) -> pd.DataFrame:
    """Episodes of every period: start, moves, legal changes, adoption, temporary placements."""
    n = len(P)
    start = P["start"].to_numpy()
    stop = np.where(P["end"].to_numpy() == OPEN, t_end + 1, P["end"].to_numpy())
    dur = np.maximum(stop - start, 1)
    rate = np.where(P["settled"].to_numpy(), p.move_rate_settled, p.move_rate_unsettled)
    k = rng.poisson(rate * dur / 365.25)
    early = (rng.random(n) < p.p_early_move) & (dur > 20)
    legal = (~P["s20"].to_numpy() | (rng.random(n) < 0.3)) & (rng.random(n) < p.p_legal_change)
    adopt = (P["rec"].to_numpy() == "E11")
    adopt_same = adopt & (rng.random(n) < 0.35)
    # event tables: kind 0 start, 1 move, 2 legal change, 3 adoption same carer, 4 adoption new
    pid = np.arange(n)
    ev_p = [pid, np.repeat(pid, k), pid[early], pid[legal], pid[adopt_same],
            pid[adopt & ~adopt_same]]
    ev_t = [start,
            np.repeat(start, k) + (rng.random(int(k.sum())) * np.repeat(dur, k)).astype(np.int64),
            start[early] + (rng.random(int(early.sum())) * np.minimum(dur[early], 120)
                            ).astype(np.int64),
            start[legal] + (rng.random(int(legal.sum())) * np.minimum(dur[legal], 300)
                            ).astype(np.int64),
            stop[adopt_same] - rng.integers(120, 330, int(adopt_same.sum())),
            stop[adopt & ~adopt_same] - rng.integers(120, 330, int((adopt & ~adopt_same).sum()))]
    ev_k = [np.zeros(n, np.int8), np.ones(int(k.sum()), np.int8),
            np.ones(int(early.sum()), np.int8), np.full(int(legal.sum()), 2, np.int8),
            np.full(int(adopt_same.sum()), 3, np.int8),
            np.full(int((adopt & ~adopt_same).sum()), 4, np.int8)]
    ev = pd.DataFrame({"period": np.concatenate(ev_p), "day": np.concatenate(ev_t),
                       "kind": np.concatenate(ev_k)})
    ev = ev[(ev["kind"] == 0) | (ev["day"] > start[ev["period"]])]
    ev = ev.sort_values(["period", "day", "kind"], kind="stable")
    ev = ev.drop_duplicates(["period", "day"], keep="last").reset_index(drop=True)
    m = len(ev)
    per = ev["period"].to_numpy()
    kind = ev["kind"].to_numpy()
    age = P["age_start"].to_numpy()[per]
    # placements: a new carer at start, move and adoption with a new family
    new_carer = np.isin(kind, [0, 1, 4])
    r = rng.random(m)
    place = np.where(age >= 16, np.where(r < 0.5, "H5", "U3"),
                     np.where(r < 0.12, "K2", np.where(r < 0.17, "R1",
                              np.where(r < 0.45, "U1", np.where(r < 0.8, "U4", "U6")))))
    place = np.where(kind == 4, "A5", place)
    urn = np.where(place == "K2", "SC" + pd.Series(rng.integers(100000, 999999, m)).astype(str),
                   "XXXXXXX")
    carer = np.where(new_carer, np.arange(m), -1)
    carer = pd.Series(carer).replace(-1, np.nan).groupby(per).ffill().to_numpy()
    place_s = pd.Series(np.where(new_carer, place, None)).groupby(per).ffill()
    place_s = place_s.where(kind != 3, "A3")  # same carer, now placed for adoption
    # legal status
    s20 = P["s20"].to_numpy()[per]
    ls0 = np.where(s20, "V2", "C1")
    ls = pd.Series(np.where(kind == 0, ls0, np.where(kind == 2, "C2", np.where(
        np.isin(kind, [3, 4]), "E1", None)))).groupby(per).ffill().to_numpy()
    rne = np.select([kind == 0, kind == 1, kind == 2, kind == 3, kind == 4],
                    ["S", "P", "L", "U", "B"], "P")
    urn = pd.Series(np.where(new_carer, urn, None)).groupby(per).ffill().to_numpy()
    nxt = _next_in_group(ev["day"].to_numpy(), per, OPEN)
    last = nxt == OPEN
    dec = np.where(last, P["end"].to_numpy()[per], nxt)
    rec = np.where(last, P["rec"].to_numpy()[per], "X1")
    provider = np.where(place_s.to_numpy() == "R1", "PR0",
                        np.where(rng.random(m) < 0.6, "PR1", "PR4"))
    E = pd.DataFrame({"period": per, "decom": ev["day"].to_numpy(), "dec": dec, "rne": rne,
                      "ls": ls, "place": place_s.to_numpy(), "urn": urn, "carer": carer,
                      "provider": provider, "rec": rec})
    # temporary placements (T0-T4, a few days) with a return to the same carer
    length = np.where(E["dec"] == OPEN, t_end + 1, E["dec"]) - E["decom"]
    tmp = (length > 60) & (rng.random(m) < p.p_temp_placement) & (E["rne"] != "L")
    tmp = tmp.to_numpy() & ~E["place"].isin(["A3", "A5", "K2"]).to_numpy()
    if tmp.any():
        T = E[tmp]
        t_at = T["decom"].to_numpy() + 10 + (rng.random(len(T)) * (length[tmp] - 40)).astype(
            np.int64)
        t_len = rng.integers(2, 15, len(T))
        temp = T.assign(decom=t_at, dec=t_at + t_len, rne="P", rec="X1",
                        place=rng.choice(np.array(["T0", "T1", "T2", "T3", "T4"]), len(T)),
                        urn="XXXXXXX", carer=-2.0)
        back = T.assign(decom=t_at + t_len, rne="P")
        first_part = T.assign(dec=t_at, rec="X1")
        E = pd.concat([E[~tmp], first_part, temp, back], ignore_index=True)
    E = E.sort_values(["period", "decom"], kind="stable").reset_index(drop=True)
    E["child"] = P["child"].to_numpy()[E["period"].to_numpy()]
    E["home_post"] = "GL1 1AA"
    E["pl_post"] = np.where(rng.random(len(E)) < 0.8, "GL2 2BB", "BS1 5TR")
    E["reason_place_change"] = np.where(E["rne"].isin(["P", "B", "T", "U"]),
                                        np.where(rng.random(len(E)) < 0.5, "CARPL", "LAREQ"), "")
    return E


def _missing(rng: np.random.Generator, P: pd.DataFrame, dob: np.ndarray, t_end: int,
             p: Params) -> pd.DataFrame:
    """Missing/absent episodes: a Poisson process for missing-prone children while in care."""
    start = P["start"].to_numpy()
    stop = np.where(P["end"].to_numpy() == OPEN, t_end, P["end"].to_numpy())
    age = P["age_start"].to_numpy()
    prone = rng.random(len(P)) < p.p_missing_prone * np.where(age >= 11, 2.0, 0.25)
    k = rng.poisson(np.where(prone, p.missing_rate, 0.0) * np.maximum(stop - start, 0) / 365.25)
    per = np.repeat(np.arange(len(P)), k)
    day = start[per] + (rng.random(len(per)) * (stop - start)[per]).astype(np.int64)
    end = day + rng.integers(0, 4, len(per))
    out = pd.DataFrame({"child": P["child"].to_numpy()[per], "start": day,
                        "end": np.where(end <= t_end, end, OPEN),
                        "type": np.where(rng.random(len(per)) < 0.85, "M", "A")})
    return out.drop_duplicates(["child", "start"], keep="first")


def _oc3(rng: np.random.Generator, P: pd.DataFrame, dob: np.ndarray, t_end: int,
         p: Params) -> pd.DataFrame:
    """Care leavers aged 17-21 at `end` who left care at 16 or over after 13+ weeks; contact
    and activity drawn from `p.oc3_in_touch` and `p.oc3_activity`."""
    child = P["child"].to_numpy()
    end = P["end"].to_numpy()
    left_age = (end - dob[child]) / 365.25
    age_now = (t_end - dob[child]) / 365.25
    m = ((end != OPEN) & (left_age >= 16) & (end - P["start"].to_numpy() >= 91)
         & (age_now >= 17) & (age_now < 22))
    c = np.unique(child[m])
    k = len(c)
    u = rng.random(k)
    cut = np.cumsum(p.oc3_in_touch)
    in_touch = np.array(["YES", "NO", "REFU", "NREQ"])[np.minimum(np.searchsorted(cut, u, "right"),
                                                                  3)]
    codes, shares = zip(*p.oc3_activity, strict=True)
    activ = rng.choice(np.array(codes), k, p=np.array(shares))
    accom = rng.choice(np.array(["B", "C", "D", "E", "G", "K", "S", "T", "U", "V"]), k)
    accom = np.char.add(accom.astype(str), np.where(rng.random(k) < 0.88, "1", "2"))
    return pd.DataFrame({"child": c, "in_touch": in_touch, "activ": activ, "accom": accom})


