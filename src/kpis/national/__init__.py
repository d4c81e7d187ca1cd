"""Published national statistics: import (importer), benchmarks for a council (benchmarks),
the scorecard checked against them (reconcile), charts (charts)."""
