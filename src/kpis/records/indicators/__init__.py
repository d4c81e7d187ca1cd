"""Indicator functions, one module per idea (repeat work, stability, workforce, timeliness).

Each function takes a `kpis.records.indicators.context.Context` and returns an event frame; see
kpis.records.engine for how they are aggregated and drilled into.
"""
