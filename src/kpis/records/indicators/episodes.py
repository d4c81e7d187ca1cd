"""SSDA903 episode rules: the code lists, periods of care, same-carer runs and what counts
as a new placement. Shared by the Context (which builds the episode table once) and the
stability indicators (NI 62, NI 63).

Definitions: /work/shared/reference/indicator-definitions.md (SSDA903 section) and
child-level-formats.md (RNE/REC/PLACE codes). The code lists below are the rules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpis.records.indicators.arrays import NAT, OPEN, days, lexorder, text

#: RNE codes that start a new placement [C]: S started to be looked after, P placement and carer
#: change, B legal status + placement + carer, T placement change same carer, U legal status +
#: placement same carer. RNE L (legal status change only) is not a new placement [C].
NEW_PLACEMENT_RNE = frozenset({"S", "P", "B", "T", "U"})
#: RNE codes that keep the same carer (for NI 63 "same carer"): L (no placement change), T and U
#: (placement change, same carer) [I: U is read as same carer from its code description].
SAME_CARER_RNE = frozenset({"L", "T", "U"})
#: Temporary placements, not counted as placements, nor the return to the same carer [C/I].
TEMPORARY_PLACE = frozenset({"T0", "T1", "T2", "T3", "T4"})
#: Placed for adoption [V]: becoming placed for adoption with the existing carer (RNE T or U into
#: one of these) is not a placement change [V; T and U as "same carer" I].
ADOPTION_PLACE = frozenset({"A3", "A4", "A5", "A6"})
#: Legal statuses of an agreed series of short-term placements (short breaks), excluded from
#: NI 62's cohort [V: "excludes children looked after only under ... short-term placements"].
SHORT_BREAK_LS = frozenset({"V3", "V4"})

def counted_placement(e: pd.DataFrame) -> np.ndarray:
    """Per 903 episode (sorted by child and DECOM, see Context.episodes): does its start count
    as a new placement? RNE in NEW_PLACEMENT_RNE, and not: a temporary placement (PLACE T0–T4);
    the return to the carer the child had before a temporary placement (same carer key: URN, else
    provider + postcode [I]) within the same period of care; becoming placed for adoption with
    the existing carer (RNE T/U into PLACE A3–A6)."""
    rne, place = e["rne"].to_numpy(), e["place"].to_numpy()
    if len(e) == 0:
        return np.zeros(0, bool)
    temp, returns = temporary_and_returns(e)
    adoption_same = np.isin(rne, ["T", "U"]) & np.isin(place, list(ADOPTION_PLACE))
    return np.isin(rne, list(NEW_PLACEMENT_RNE)) & ~temp & ~returns & ~adoption_same


def temporary_and_returns(e: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per episode (columns rne, place, carer, period; sorted by child and DECOM): is it a
    temporary placement (PLACE T0–T4), and is it the return to the carer the child had before
    a temporary placement, in the same period of care [C/I]? Neither is a change of placement:
    not for NI 62, and not a break in the same-carer run of NI 63."""
    return _temporary_and_returns(e["place"].to_numpy(), e["carer"].to_numpy(),
                                  e["period"].to_numpy())


def _temporary_and_returns(place: np.ndarray, carer: np.ndarray, pid: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray]:
    n = len(place)
    temp = np.isin(place, list(TEMPORARY_PLACE))
    if n == 0:
        return temp, temp.copy()
    acc = np.maximum.accumulate(np.where(~temp, np.arange(n), -1))
    last_nt = np.r_[-1, acc[:-1]]
    has_nt = (last_nt >= 0) & (pid[np.maximum(last_nt, 0)] == pid)
    prev_temp = np.r_[False, temp[:-1] & (pid[1:] == pid[:-1])]
    returns = prev_temp & has_nt & (carer != "") & (carer == carer[np.maximum(last_nt, 0)])
    return temp, returns


def carer_key(ep: pd.DataFrame) -> np.ndarray:
    """A key for 'the same carer' [I]: URN when present, else PLACE_PROVIDER + PL_POST."""
    if len(ep) == 0:
        return np.empty(0, dtype=object)
    cols = [ep[c].astype("string") for c in ("urn", "place_provider", "pl_post")]
    if all(c.dtype.storage == "pyarrow" for c in cols):  # pandas' .str kernels, in Arrow
        import pyarrow as pa
        import pyarrow.compute as pc

        urn, prov, post = (pc.utf8_trim_whitespace(pa.array(c.array).cast(pa.large_string()))
                           for c in cols)
        # provider|postcode, missing when either is (as pandas' + gives)
        alt = pc.binary_join_element_wise(prov, post, pa.scalar("|", prov.type))
        use_alt = pc.or_(pc.is_null(urn), pc.equal(urn, "").fill_null(False))
        return pc.if_else(use_alt, alt, urn).fill_null("").to_numpy(zero_copy_only=False)
    urn = ep["urn"].astype("string").str.strip()
    alt = ep["place_provider"].astype("string").str.strip() + "|" + \
        ep["pl_post"].astype("string").str.strip()
    key = urn.mask(urn.isna() | (urn == ""), alt)
    return key.fillna("").to_numpy(dtype=object)




def periods_and_runs(ep: pd.DataFrame, code: np.ndarray) -> pd.DataFrame:
    """903 episodes (`code`: each row's child code) sorted by child and DECOM, with periods of
    care and same-carer runs.

    Period of care: a run of episodes from one starting with RNE "S" (or the child's first
    episode, or one following an episode whose REC is not X1) to the episode whose REC is not
    X1 (child-level-formats.md, SSDA903 REC) [V]; its end is that episode's DEC (OPEN if open).
    Same-carer run: consecutive episodes of a period whose RNE is in SAME_CARER_RNE continue
    the placement with the same carer, and so do a temporary placement (PLACE T0–T4) and the
    return to the same carer after it [C/I]. `short_break`: legal status in SHORT_BREAK_LS.
    """
    n0 = len(ep)
    empty = np.empty(0, object)
    cols = {"code": np.asarray(code, dtype=np.int64), "decom": days(ep["decom"]),
            "dec": days(ep["dec"], OPEN),
            **{c: text(ep[c]) if n0 else empty for c in ("rne", "ls", "place", "rec")},
            "carer": carer_key(ep), "row": np.arange(n0)}  # row: position in the records
    keep = np.flatnonzero((cols["code"] >= 0) & (cols["decom"] != NAT))
    keep = keep[lexorder((cols["decom"][keep], cols["code"][keep]))]
    c = {k: v[keep] for k, v in cols.items()}
    code, decom, rne, rec = c["code"], c["decom"], c["rne"], c["rec"]
    n = len(code)
    first = np.r_[True, code[1:] != code[:-1]] if n else np.zeros(0, bool)
    prev_rec = np.concatenate([np.array([""], dtype=object), rec[:-1]]) if n else empty
    prev_ended = (prev_rec != "") & (prev_rec != "X1")
    new_period = first | (rne == "S") | prev_ended
    pid = np.cumsum(new_period) - 1
    starts = np.flatnonzero(new_period)
    lasts = np.r_[starts[1:] - 1, n - 1] if n else starts
    c["period"] = pid
    c["period_start"] = decom[starts][pid]
    c["period_end"] = c["dec"][lasts][pid]
    # a temporary placement and the return to the same carer after it do not break the run
    temp, returns = _temporary_and_returns(c["place"], c["carer"], pid)
    new_run = new_period | (~np.isin(rne, list(SAME_CARER_RNE)) & ~temp & ~returns)
    rid = np.cumsum(new_run) - 1
    rstarts = np.flatnonzero(new_run)
    run_start = decom[rstarts]
    c["run_start"] = run_start[rid]
    prev_run = np.r_[NAT, run_start[:-1]] if len(rstarts) else run_start
    same_period = np.r_[False, pid[rstarts][1:] == pid[rstarts][:-1]] if len(rstarts) \
        else np.zeros(0, bool)
    c["prev_run_start"] = np.where(same_period, prev_run, NAT)[rid]
    c["first_of_child"] = first
    c["short_break"] = np.isin(c["ls"], list(SHORT_BREAK_LS))  # legal status V3/V4
    # one frame, built once; the text columns stay object arrays (their users read them as
    # numpy arrays: no conversion to Arrow text and back)
    texts = ("rne", "ls", "place", "rec", "carer")
    return pd.DataFrame({k: pd.Series(v, dtype=object, copy=False) if k in texts else v
                         for k, v in c.items()})
