"""Synthetic children's ethnicity and disability, with disproportionality built in.

The rest of the generator (kpis.synth) decides who is referred, assessed, protected and looked
after; this module only says *who the children are*, drawing each child's ethnicity (SSDA903 /
Annex A codes) and disability from a mix that depends on how far into the system the child
went (contact only < referred < child protection plan < looked after). The tilts are
illustrative, in the direction England's published statistics show (children of Mixed and
Black heritage over-represented among children in care, Asian children under-represented;
disabled children more common further in); they are not Gloucestershire's figures.
Its own Generator (seeded by the caller) keeps every other synthetic file unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Base mix of children by 2021 Census major group [I] (a shire county's children, a little
#: more diverse than its adults), and the codes within each group with their weights.
BASE = {"White": 0.845, "Mixed": 0.06, "Asian": 0.05, "Black": 0.025, "Other": 0.01,
        "Unknown": 0.01}
CODES = {
    "White": {"WBRI": 0.88, "WIRI": 0.01, "WIRT": 0.015, "WROM": 0.005, "WOTH": 0.09},
    "Mixed": {"MWBC": 0.40, "MWBA": 0.15, "MWAS": 0.25, "MOTH": 0.20},
    "Asian": {"AIND": 0.35, "APKN": 0.15, "ABAN": 0.15, "CHNE": 0.10, "AOTH": 0.25},
    "Black": {"BAFR": 0.55, "BCRB": 0.30, "BOTH": 0.15},
    "Other": {"OOTH": 1.0},
    "Unknown": {"NOBT": 0.7, "REFU": 0.3},
}
#: Odds multipliers against the base mix by the deepest stage a child reached.
TILT = {
    "contact": {},
    "referral": {"Mixed": 1.3, "Black": 1.2, "Asian": 0.8},
    "cp_plan": {"Mixed": 1.6, "Black": 1.3, "Asian": 0.7},
    "care": {"Mixed": 2.0, "Black": 1.6, "Asian": 0.6, "Other": 1.5},
}
P_DISABLED = {"contact": 0.03, "referral": 0.05, "cp_plan": 0.07, "care": 0.12}
P_DISABILITY_UNRECORDED = 0.03
STAGES = ("contact", "referral", "cp_plan", "care")


def stages(n_children: int, referred: np.ndarray, on_plan: np.ndarray,
           looked_after: np.ndarray) -> np.ndarray:
    """Deepest stage per child (index into STAGES) from arrays of child numbers."""
    st = np.zeros(n_children, dtype=np.int64)
    st[referred] = 1
    st[on_plan] = 2
    st[looked_after] = 3
    return st


def draw(rng: np.random.Generator, stage: np.ndarray) -> pd.DataFrame:
    """Ethnicity code and disability ('Yes' / 'No' / '' not recorded) per child."""
    groups = list(BASE)
    n = len(stage)
    group = np.empty(n, dtype=np.int64)
    for s, name in enumerate(STAGES):  # four stages, each drawn in one vectorised call
        w = np.array([BASE[g] * TILT[name].get(g, 1.0) for g in groups])
        m = stage == s
        group[m] = rng.choice(len(groups), int(m.sum()), p=w / w.sum())
    code = np.empty(n, dtype=object)
    for gi, g in enumerate(groups):  # six groups
        m = group == gi
        codes = list(CODES[g])
        w = np.array(list(CODES[g].values()))
        code[m] = np.array(codes, dtype=object)[rng.choice(len(codes), int(m.sum()),
                                                            p=w / w.sum())]
    p_dis = np.array([P_DISABLED[s] for s in STAGES])[stage]
    u = rng.random(n)
    disability = np.where(u < P_DISABILITY_UNRECORDED, "",
                          np.where(rng.random(n) < p_dis, "Yes", "No"))
    return pd.DataFrame({"ethnicity": code, "disability": disability})


def add_characteristics(rng: np.random.Generator, sim: object) -> None:
    """Add `ethnicity` and `disability` columns to `sim.children` (a kpis.synth.Sim), in place."""
    K = sim.children  # type: ignore[attr-defined]
    st = stages(len(K), sim.referrals["child"].to_numpy(),  # type: ignore[attr-defined]
                sim.cp_plans["child"].to_numpy(),  # type: ignore[attr-defined]
                sim.periods["child"].to_numpy())  # type: ignore[attr-defined]
    d = draw(rng, st)
    K["ethnicity"] = d["ethnicity"].to_numpy()
    K["disability"] = d["disability"].to_numpy()


__all__ = ["add_characteristics", "draw", "stages", "BASE", "CODES", "TILT"]
