"""kpis: performance analytics for children's social care services of English councils."""

__version__ = "0.1.0"
