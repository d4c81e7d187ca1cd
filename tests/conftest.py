"""Shared by every test folder: unit/ (functions, hand-worked fixtures, properties), backtests/
(whole outputs against hand-checked tables and determinism), e2e/ (commands, notebooks and the
report build as a user runs them). Fixture files live in tests/fixtures/."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# the engine tests share `helpers.fig` (tests/unit/helpers.py), imported as `from helpers import`
sys.path.insert(0, str(TESTS / "unit"))
