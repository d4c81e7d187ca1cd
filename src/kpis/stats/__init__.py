"""Signal from noise (issue 12): pure statistical functions on DataFrames.

- `kpis.stats.spc`: XmR charts with NHS England "Making Data Count" rules (`spc_table`).
- `kpis.stats.funnel`: funnel-plot limits for proportions, exact binomial with Spiegelhalter's
  (2005) interpolation and over-dispersion adjustment (`funnel_table`, `funnel_curve`).
- `kpis.stats.intervals`: Wilson score intervals and "small numbers" wording.
- `kpis.stats.suppression`: DfE-style disclosure control (`suppress_long`, `suppress_table`).

No I/O here: callers pass DataFrames in and write what comes back.
"""
