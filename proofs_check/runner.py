"""Run proof steps and print the table (result, step, method, outcome)."""

from __future__ import annotations

import sys
import time
from typing import Iterable, TextIO

from proofs_check.core import FAILED, Outcome, Step


def run_steps(steps: Iterable[Step], out: TextIO | None = None, verbose: bool = False) -> int:
    """Run every step, print one row per step and a summary (to ``out``, default stdout); return 0 if
    none failed, 1 otherwise."""
    out = sys.stdout if out is None else out
    rows: list[tuple[Step, Outcome, float]] = []
    steps = list(steps)
    for step in steps:
        t0 = time.perf_counter()
        outcome = step.outcome()
        rows.append((step, outcome, time.perf_counter() - t0))
    passed = {s.key for s, o, _ in rows if o.ok}
    known = {s.key for s in steps}
    for i, (step, outcome, secs) in enumerate(rows):
        gone = [r for r in step.requires if r not in passed]
        if outcome.ok and gone:
            why = "; ".join(f"{r} ({'failed' if r in known else 'no such step'})" for r in gone)
            rows[i] = (step, Outcome(FAILED, f"a slack rests on a step that did not pass: {why}"), secs)
    w_res = max([6] + [len(s.result) for s, _, _ in rows])
    w_step = max([4] + [len(s.name) for s, _, _ in rows])
    w_meth = max([6] + [len(s.method) for s, _, _ in rows])
    print(f"{'result':<{w_res}}  {'step':<{w_step}}  {'method':<{w_meth}}  outcome", file=out)
    print("-" * (w_res + w_step + w_meth + 16), file=out)
    for step, outcome, secs in rows:
        line = f"{step.result:<{w_res}}  {step.name:<{w_step}}  {step.method:<{w_meth}}  {outcome.status}"
        if verbose or not outcome.ok:
            line += f"  [{outcome.detail}]" + (f" ({secs:.2f}s)" if verbose else "")
        print(line, file=out)
    failed = [s for s, o, _ in rows if not o.ok]
    counts = {k: sum(1 for _, o, _ in rows if o.status == k) for k in ("proved", "checked", "cited", "FAILED")}
    summary = ", ".join(f"{v} {k}" for k, v in counts.items())
    print(f"\n{len(rows)} steps: {summary}", file=out)
    methods: dict[str, int] = {}
    for s, _, _ in rows:
        methods[s.method] = methods.get(s.method, 0) + 1
    print("steps per method: " + ", ".join(f"{k} {v}" for k, v in sorted(methods.items())), file=out)
    if failed:
        print("failed: " + "; ".join(f"{s.result} / {s.name}" for s in failed), file=out)
    return 1 if failed else 0
