"""The generator's output: Annex A, SSDA903, workforce and allocation tables in the real file
formats (CSV or an xlsx workbook), with the planted bad rows."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from kpis.files import atomic_path
from kpis.synth import snapshots
from kpis.synth.params import OPEN, _days, _dmy, _dt, _iso
from kpis.synth.simulate import Sim

# --------------------------------------------------------------------------------------------
# writing


def _allocated(events: pd.DataFrame, day_col: str, AL: pd.DataFrame, W: pd.DataFrame,
               team_names: list[str]) -> tuple[pd.Series, pd.Series]:
    """Allocated team and worker at each event's day (blank if none)."""
    ev = events[["child", day_col]].reset_index().rename(columns={day_col: "day"})
    ev = ev.sort_values("day", kind="stable")
    al = AL[["child", "start", "end", "worker"]].sort_values("start", kind="stable")
    m = pd.merge_asof(ev, al, left_on="day", right_on="start", by="child")
    ok = m["worker"].notna() & ((m["end"] == OPEN) | (m["end"] > m["day"]))
    wk = m["worker"].where(ok).fillna(-1).astype(np.int64).to_numpy()
    team_idx = np.where(wk >= 0, W["team"].to_numpy()[np.maximum(wk, 0)], -1)
    names = np.array(team_names + [""], dtype=object)
    team = pd.Series(names[team_idx], index=m["index"].to_numpy())
    worker = pd.Series(np.where(wk >= 0, "SW" + pd.Series(wk + 10000).astype(str), ""),
                       index=m["index"].to_numpy())
    return team.reindex(events.index), worker.reindex(events.index)


@dataclass
class Tables:
    """The council's files as DataFrames of text (before writing)."""

    annex: dict[str, pd.DataFrame]
    files: dict[str, pd.DataFrame]


SEX_FORMS = {
    "contacts": ("1 - Male", "2 - Female"), "referrals": ("M", "F"),
    "assessments": ("a) Male", "b) Female"), "s47": ("Male", "Female"),
    "cp_plans": ("1", "2"),
}
SHEETS_XLSX = {"contacts": "List 1", "referrals": "List_3", "assessments": "List 4 - Assessments",
               "s47": "list5 s47", "cp_plans": "Child Protection"}
FILES_CSV = {"contacts": "list1_contacts", "referrals": "List 3 Referrals",
             "assessments": "List4", "s47": "S47", "cp_plans": "List 7 - Child Protection"}
SHEETS_XLSX.update(snapshots.SHEETS_XLSX)  # lists 6, 8, 9 (issue 13)
FILES_CSV.update(snapshots.FILES_CSV)


def _903_and_workforce(sim: Sim, ids: pd.Series, t_out: int, t_end: int
                       ) -> dict[str, pd.DataFrame]:
    """The SSDA903 files and the workforce and allocation files, before planting."""
    K = sim.children
    team_names = sim.team_names
    # SSDA903 ------------------------------------------------------------------------------
    E = sim.episodes
    P = sim.periods
    p_end = np.where(P["end"] == OPEN, t_end + 1, P["end"])
    keep_period = p_end >= t_out - 365
    E = E[keep_period[E["period"].to_numpy()] & (E["decom"] <= t_end)].copy()
    E["dec"] = np.where(E["dec"] > t_end, OPEN, E["dec"])
    E["rec"] = np.where(E["dec"] == OPEN, "", E["rec"])
    ech = E["child"].to_numpy()
    episodes = pd.DataFrame({
        "CHILD": ids.to_numpy()[ech], "DECOM": _dmy(E["decom"].to_numpy()).to_numpy(),
        "RNE": E["rne"].to_numpy(), "LS": E["ls"].to_numpy(), "CIN": "N1",
        "PLACE": E["place"].to_numpy(), "PLACE_PROVIDER": E["provider"].to_numpy(),
        "DEC": _dmy(E["dec"].to_numpy()).to_numpy(), "REC": E["rec"].to_numpy(),
        "REASON_PLACE_CHANGE": E["reason_place_change"].to_numpy(),
        "HOME_POST": E["home_post"].to_numpy(), "PL_POST": E["pl_post"].to_numpy(),
        "URN": E["urn"].to_numpy()})
    looked_after = np.unique(ech)
    header = pd.DataFrame({
        "CHILD": ids.to_numpy()[looked_after], "SEX": K["sex"].to_numpy()[looked_after],
        "DOB": _dmy(K["dob"].to_numpy()[looked_after]).to_numpy(),
        "ETHNIC": K["ethnicity"].to_numpy()[looked_after] if "ethnicity" in K else "WBRI",
        "UPN": "", "MOTHER": "", "MC_DOB": ""})
    Mi = sim.missing[(sim.missing["start"] >= t_out - 365) & (sim.missing["start"] <= t_end)]
    missing = pd.DataFrame({
        "CHILD": ids.to_numpy()[Mi["child"].to_numpy()],
        "DOB": _dmy(K["dob"].to_numpy()[Mi["child"].to_numpy()]).to_numpy(),
        "MISSING": Mi["type"].to_numpy(), "MIS_START": _dmy(Mi["start"].to_numpy()).to_numpy(),
        "MIS_END": _dmy(Mi["end"].to_numpy()).to_numpy()})
    OC = sim.oc3
    oc3 = pd.DataFrame({"CHILD": ids.to_numpy()[OC["child"].to_numpy()],
                        "DOB": _dmy(K["dob"].to_numpy()[OC["child"].to_numpy()]).to_numpy(),
                        "IN_TOUCH": OC["in_touch"].to_numpy(), "ACTIV": OC["activ"].to_numpy(),
                        "ACCOM": OC["accom"].to_numpy()})
    # workforce ----------------------------------------------------------------------------
    W = sim.workers
    w_end = np.where(W["end"] == OPEN, t_end + 1, W["end"])
    W = W[w_end >= t_out - 365]
    workers = pd.DataFrame({
        "worker_id": "SW" + pd.Series(W["id"].to_numpy() + 10000).astype(str),
        "team": np.array(team_names, dtype=object)[W["team"].to_numpy()],
        "fte": W["fte"].to_numpy(), "agency": np.where(W["agency"], "Y", "N"),
        "start_date": _iso(W["start"].to_numpy()).fillna("").to_numpy(),
        "end_date": _iso(W["end"].to_numpy()).fillna("").to_numpy(),
        "role": W["role"].to_numpy()})
    AL = sim.allocations
    al_end = np.where(AL["end"] == OPEN, t_end + 1, AL["end"])
    AL = AL[(al_end >= t_out - 365) & (AL["start"] <= t_end)]
    ach = AL["child"].to_numpy()
    allocations = pd.DataFrame({
        "CHILD": ids.to_numpy()[ach], "DOB": _dmy(K["dob"].to_numpy()[ach]).to_numpy(),
        "SW_ID": "SW" + pd.Series(AL["worker"].to_numpy() + 10000).astype(str),
        "SW_DECOM": _dmy(AL["start"].to_numpy()).to_numpy(),
        "SW_DEC": _dmy(AL["end"].to_numpy()).to_numpy(), "SW_REASON": AL["why"].to_numpy()})
    return {"ssda903/header.csv": header, "ssda903/episodes.csv": episodes,
            "ssda903/missing.csv": missing, "ssda903/oc3.csv": oc3,
            "workforce/workers.csv": workers, "workforce/allocations.csv": allocations}


def _date_forms(annex: dict[str, pd.DataFrame], xlsx: bool) -> None:
    """Write each Annex A list's day numbers in the form that list uses (in place)."""
    date_cols = {
        "contacts": ["Date of Birth", "Date of Contact"],
        "referrals": ["Date of Birth", "Date of referral"],
        "assessments": ["Date of Birth", "Continuous Assessment Start Date",
                        "Continuous Assessment Date of Authorisation"],
        "s47": ["Date of Birth", "Strategy discussion initiating Section 47 Enquiry Start Date",
                "Date of Initial Child Protection Conference"],
        "cp_plans": ["Date of Birth", "Child Protection Plan Start Date",
                     "Child Protection Plan End Date"],
    }
    # date forms: xlsx -> real Excel dates, except list 4 (dd/mm/yyyy text) and list 7 (serial
    # numbers); CSV -> dd/mm/yyyy, except list 5 (ISO)
    for name, df in annex.items():
        df = df.reset_index(drop=True)
        for col in date_cols[name]:
            d = df[col].to_numpy().astype(np.int64)
            if xlsx and name == "cp_plans":
                df[col] = pd.Series(np.where(d >= 0, d + 25569, -1)).astype("Int64").mask(d < 0)
            elif xlsx and name != "assessments":
                df[col] = _dt(d)
            elif not xlsx and name == "s47":
                df[col] = _iso(d).fillna("")
            else:
                df[col] = _dmy(d)
        annex[name] = df


#: Annex A lists that carry "Does the Child have a Disability" (lists 4 to 9 in the template).
DISABILITY_LISTS = ("assessments", "s47", "cp_plans")


def build_tables(sim: Sim, start: str, end: str, prefix: str, xlsx: bool,
                 rng: np.random.Generator) -> Tables:
    """Turn the simulation into the text of each list and file (with the planted bad rows)."""
    t_out = _days(start)
    t_end = _days(end)
    K = sim.children
    ids = prefix + pd.Series(K["child"].to_numpy() + 1000000).astype(str)
    team_names = sim.team_names

    def child_cols(df: pd.DataFrame, table: str, day_col: str) -> pd.DataFrame:
        c = df["child"].to_numpy()
        m, f = SEX_FORMS[table]
        dob = K["dob"].to_numpy()[c]
        age = ((df[day_col].to_numpy() - dob) // 365.25).astype(np.int64)
        return pd.DataFrame({
            "Child Unique ID": ids.to_numpy()[c],
            "Gender": np.where(K["sex"].to_numpy()[c] == 1, m, f),
            "Ethnicity": K["ethnicity"].to_numpy()[c] if "ethnicity" in K else "WBRI",
            "Date of Birth": dob,
            "Age of Child (Years)": np.maximum(age, 0),
            **({"Does the Child have a Disability": K["disability"].to_numpy()[c]}
               if "disability" in K and table in DISABILITY_LISTS else {}),
        }, index=df.index)

    R, A, S, C = sim.referrals, sim.assessments, sim.s47, sim.cp_plans
    # Annex A list 1 covers the last 12 months (as the inspection request does): the engine
    # uses no contact history, and it keeps the workbook quick to write and read
    ct = sim.contacts[(sim.contacts["day"] >= max(t_out, t_end - 365))
                      & (sim.contacts["day"] <= t_end)]
    contacts = child_cols(ct, "contacts", "day").assign(
        **{"Date of Contact": ct["day"].to_numpy(), "Contact Source": ct["source"].to_numpy()})
    contacts = contacts.sort_values("Date of Contact", kind="stable")

    r = R[R["day"] >= t_out]
    # referrals in the 12 months before each referral (from the full history)
    rc = R.sort_values(["child", "day"], kind="stable")
    prev = pd.Series(rc["day"].to_numpy()).groupby(rc["child"].to_numpy()).shift(1)
    rc = rc.assign(prev=prev.fillna(-10**6).to_numpy())
    n12 = (rc["day"] - rc["prev"] <= 365).astype(int)
    team, worker = _allocated(r, "day", sim.allocations, sim.workers, team_names)
    referrals = child_cols(r, "referrals", "day").assign(**{
        "Date of referral": r["day"].to_numpy(), "Referral Source": "Police",
        "Referral NFA?": np.where(r["nfa"], "Y", "N"),
        "Number of Referrals in Last 12 Months": n12.reindex(r.index).to_numpy(),
        "Allocated Team": team.to_numpy(), "Allocated Worker": worker.to_numpy()})

    a = A[(A["a_start"] >= t_out) | (A["a_end"] == OPEN) | (A["a_end"] >= t_out)]
    team, worker = _allocated(a, "a_start", sim.allocations, sim.workers, team_names)
    assessments = child_cols(a, "assessments", "a_start").assign(**{
        "Continuous Assessment Start Date": a["a_start"].to_numpy(),
        "Child Seen During Continuous Assessment": "Y",
        "Continuous Assessment Date of Authorisation": a["a_end"].to_numpy(),
        "Was the child assessed as requiring LA children's social care support?": "Y",
        "Allocated Team": team.to_numpy(), "Allocated Worker": worker.to_numpy()})

    s = S[S["s_day"] >= t_out - 60]
    team, worker = _allocated(s, "s_day", sim.allocations, sim.workers, team_names)
    s47 = child_cols(s, "s47", "s_day").assign(**{
        "Strategy discussion initiating Section 47 Enquiry Start Date": s["s_day"].to_numpy(),
        "Was an Initial Child Protection Conference deemed unnecessary?":
            np.where(s["icpc"], "No", "Yes"),
        "Date of Initial Child Protection Conference": s["icpc_day"].to_numpy(),
        "Did the Initial Child Protection Conference Result in a Child Protection Plan": "",
        "Allocated Team": team.to_numpy(), "Allocated Worker": worker.to_numpy()})

    c = C[(C["start"] >= t_out) | (C["end"] == OPEN) | (C["end"] >= t_out)]
    team, worker = _allocated(c, "start", sim.allocations, sim.workers, team_names)
    cp = child_cols(c, "cp_plans", "start").assign(**{
        "Child Protection Plan Start Date": c["start"].to_numpy(),
        "Initial Category of Abuse": "N", "Latest Category of Abuse": "N",
        "Child Protection Plan End Date": c["end"].to_numpy(),
        "Number of Previous Child Protection Plans": c["previous"].to_numpy(),
        "Allocated Team": team.to_numpy(), "Allocated Worker": worker.to_numpy()})

    annex = {"contacts": contacts, "referrals": referrals, "assessments": assessments,
             "s47": s47, "cp_plans": cp}
    _date_forms(annex, xlsx)
    _plant_annex(annex, xlsx, rng)
    # issue 13: snapshot columns and lists 6, 8, 9, 903 reviews (their own Generator)
    srng, sp = snapshots.rng_for(sim, t_end), snapshots.SnapshotParams()
    cp_extra = snapshots.cp_columns(srng, c, t_end, sp)
    n_cp = len(c)
    for col, v in cp_extra.items():
        annex["cp_plans"][col] = np.r_[v, np.full(len(annex["cp_plans"]) - n_cp, "")]

    def allocate(ev: pd.DataFrame, col: str) -> tuple[pd.Series, pd.Series]:
        return _allocated(ev, col, sim.allocations, sim.workers, team_names)

    annex.update(snapshots.annex_lists(srng, sim, ids, t_end, allocate, sp))

    files = _903_and_workforce(sim, ids, t_out, t_end)
    files["ssda903/reviews.csv"] = snapshots.reviews_903(srng, sim, ids, t_out, t_end, sp)
    _plant_903(files)
    return Tables(annex, files)


def _plant_annex(annex: dict[str, pd.DataFrame], xlsx: bool, rng: np.random.Generator) -> None:
    """The planted bad Annex A rows (see module docstring)."""
    r = annex["referrals"]
    if len(r) > 10:
        i = r.index[len(r) // 2]
        r["Date of referral"] = r["Date of referral"].astype(object)
        r.loc[i, "Date of referral"] = "31/02/2019"
    c = annex["cp_plans"]
    closed = c.index[c["Child Protection Plan End Date"].notna()
                     & (c["Child Protection Plan End Date"].astype(str) != "")]
    if len(closed):
        i = closed[len(closed) // 2]
        c.loc[i, ["Child Protection Plan Start Date", "Child Protection Plan End Date"]] = (
            c.loc[i, ["Child Protection Plan End Date", "Child Protection Plan Start Date"]
                  ].to_numpy())
    a = annex["assessments"]
    if len(a):
        annex["assessments"] = pd.concat([a, a.iloc[[len(a) // 3]]], ignore_index=True)


def _plant_903(files: dict[str, pd.DataFrame]) -> None:
    """The planted SSDA903 problems (see module docstring)."""
    m = files["ssda903/missing.csv"]
    if len(m):
        m.loc[m.index[len(m) // 2], "MISSING"] = "X"
    e = files["ssda903/episodes.csv"]
    if len(e) > 3:
        # an episode written twice
        dup_i = len(e) // 4
        e = pd.concat([e, e.iloc[[dup_i]]], ignore_index=True)
        # a closed X1 episode followed by another of the same child, written as open
        nxt_same = (e["CHILD"].shift(-1) == e["CHILD"]) & (e["REC"] == "X1")
        cand = e.index[nxt_same.to_numpy() & (e.index != dup_i)
                       & (e.index < len(e) - 1)]
        if len(cand):
            i = cand[len(cand) // 2]
            e.loc[i, ["DEC", "REC"]] = ["", ""]
        files["ssda903/episodes.csv"] = e


def write_csv(df: pd.DataFrame, target: Path) -> None:
    """CSV via pyarrow (fast, quotes only where needed), written atomically."""
    table = pa.Table.from_pandas(df.astype("string").fillna(""), preserve_index=False)
    with atomic_path(target) as tmp:
        pacsv.write_csv(table, tmp, pacsv.WriteOptions(quoting_style="needed"))


def _write_xlsx(annex: dict[str, pd.DataFrame], target: Path) -> None:
    """Annex A workbook (openpyxl write-only; fixed timestamps so the bytes are reproducible).
    List 1 has a title row and a blank row above its header, as real templates do."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    fixed = pd.Timestamp("2021-01-01").to_pydatetime()
    wb.properties.created = fixed
    wb.properties.modified = fixed
    for name, df in annex.items():
        ws = wb.create_sheet(SHEETS_XLSX[name])
        if name == "contacts":
            ws.append(["Annex A - List 1: Contacts"])
            ws.append([])
        ws.append(list(df.columns))
        cols = []
        for c in df.columns:
            v = df[c]
            cols.append(v.astype(object).where(v.notna(), None).to_numpy())
        rows = zip(*[c.tolist() for c in cols], strict=True)
        for row in rows:  # openpyxl writes row by row; this is file output, not data work
            ws.append(row)
    with atomic_path(target) as tmp:
        raw = tmp.with_suffix(".raw")
        wb.save(raw)
        _normalise_zip(raw, tmp)
        raw.unlink()


def _normalise_zip(src: Path, dst: Path) -> None:
    """Rewrite a zip with fixed member timestamps (byte-identical output for a seed)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps 'modified' on save
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2021-01-01T00:00:00Z",
                              data)
            zi = zipfile.ZipInfo(info.filename, date_time=(2021, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            zout.writestr(zi, data)


