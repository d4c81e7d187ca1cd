"""The printed scorecard as tidy data: read a cell, clean, validate, distance travelled."""
