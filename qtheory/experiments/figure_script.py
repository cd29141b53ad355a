"""Entry point shared by the one-figure scripts under ``figures/``: redraw one figure from stored results.

    python figures/f1_excess_vs_n.py [--results DIR] [--out DIR] [--quick]

``--results`` is the directory holding the sweeps' result folders (default ``figures/results``, where
``qtheory figures`` keeps the full run; ``figures/quick/results-quick`` after ``qtheory figures --quick``).
``--out`` defaults to the folder that holds the results directory, where ``qtheory figures`` put the figure.
Results of a quick run (a directory named ``results-quick``, or ``--quick``) give a figure labelled as such.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from types import ModuleType

from qtheory.experiments.pipeline import QUICK_LABEL, load_records, results_dir


def main(module: ModuleType, argv: list[str] | None = None) -> int:
    from qtheory.experiments.plots import style

    parser = argparse.ArgumentParser(description=(module.__doc__ or "").strip().splitlines()[0])
    parser.add_argument("--results", default="figures/results", help="results directory (default figures/results)")
    parser.add_argument("--out", default=None, help="output directory (default: the folder holding --results)")
    parser.add_argument("--quick", action="store_true",
                        help="label the figure as a quick run (implied by a results directory named results-quick)")
    args = parser.parse_args(argv)
    results = Path(args.results)
    quick = args.quick or results.name == results_dir("", quick=True).name
    records = load_records(results, module.SWEEPS)
    missing = [name for name, recs in records.items() if not recs]
    if missing:
        print(f"note: no stored results for sweep(s) {', '.join(missing)} under {args.results}; "
              "run `qtheory figures` first")
    with style.stamp(QUICK_LABEL if quick else None):
        paths = module.plot(records, args.out if args.out is not None else results.parent)
    for path in paths:
        print(path)
    return 0
