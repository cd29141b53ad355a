"""Machine checks of every proof step of docs/theory.md, one module per result.

``python -m proofs_check`` prints a table (result, step, method, outcome) and exits 1 if any step fails.
"""

from __future__ import annotations

import importlib

from proofs_check.core import Outcome, Step
from proofs_check.runner import run_steps

#: modules in the order of docs/theory.md
MODULES = ("setting", "l1", "a0", "a", "l2", "b", "c", "v1", "v2", "v3", "v4", "hypotheses")


def all_steps() -> list[Step]:
    """Every step of every module in :data:`MODULES`."""
    steps: list[Step] = []
    for name in MODULES:
        steps.extend(importlib.import_module(f"proofs_check.{name}").STEPS)
    return steps


def main(argv: list[str] | None = None) -> int:
    verbose = bool(argv) and ("-v" in argv or "--verbose" in argv)
    return run_steps(all_steps(), verbose=verbose)


__all__ = ["MODULES", "Outcome", "Step", "all_steps", "main", "run_steps"]
