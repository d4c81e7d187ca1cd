"""Child-level records to monthly indicators: readers, indicators, engine, batch (kpis compute)."""
