"""Entry point shared by the one-figure scripts under ``figures/``: redraw one figure from stored results.

    python figures/f1_excess_vs_n.py [--results DIR] [--out DIR]

``--results`` is the directory holding the sweeps' result folders (default ``figures/results``, where
``qtheory figures`` keeps the full run; ``figures/results-quick`` after ``--quick``).
"""

from __future__ import annotations

import argparse
from types import ModuleType

from qtheory.experiments.pipeline import load_records


def main(module: ModuleType, argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(module.__doc__ or "").strip().splitlines()[0])
    parser.add_argument("--results", default="figures/results", help="results directory (default figures/results)")
    parser.add_argument("--out", default="figures", help="output directory (default figures)")
    args = parser.parse_args(argv)
    records = load_records(args.results, module.SWEEPS)
    missing = [name for name, recs in records.items() if not recs]
    if missing:
        print(f"note: no stored results for sweep(s) {', '.join(missing)} under {args.results}; "
              "run `qtheory figures` first")
    for path in module.plot(records, args.out):
        print(path)
    return 0
