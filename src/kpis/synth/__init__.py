"""Synthetic councils in the real file formats: params, simulate, workforce, files, generate."""
