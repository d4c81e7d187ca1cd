"""Indicator functions, one module per idea (repeat work, stability, workforce, timeliness).

Each function takes a `kpis.indicators._base.Context` and returns an event frame; see
kpis.engine for how they are aggregated and drilled into.
"""
