"""Notebooks to HTML: what a notebook loads, findings, tables, charts, and the report build."""
