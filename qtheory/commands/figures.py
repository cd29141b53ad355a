"""``qtheory figures``: run the default sweeps and write every figure (F1-F9) and the tightness report."""

from __future__ import annotations

import argparse
import time


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quick", action="store_true",
                   help="small versions of the sweeps (about a minute), a smoke test; written to figures/quick and "
                        "labelled 'quick' on every figure and in the report")
    p.add_argument("--out", default=None,
                   help="output directory for figures, report and results (default: figures, or figures/quick "
                        "with --quick)")
    p.add_argument("--jobs", type=int, default=1, help="parallel worker processes (default 1)")
    p.add_argument("--dask", metavar="ADDRESS", default=None,
                   help="run the cells on a Dask distributed scheduler at ADDRESS instead of local workers")
    p.add_argument("--no-progress", action="store_true", help="no progress on stderr (a bar on a terminal, plain lines otherwise)")


def run(args: argparse.Namespace) -> int:
    from qtheory.experiments.pipeline import default_out, main_job
    from qtheory.validation import check_output_dir, check_positive_int

    check_positive_int(args.jobs, "--jobs")
    out = args.out if args.out is not None else default_out(args.quick)
    check_output_dir(out, "--out")
    if args.dask is not None:
        from qtheory.experiments.runner import check_dask_address

        check_dask_address(args.dask)
    t0 = time.perf_counter()
    result = main_job(out, quick=args.quick, jobs=args.jobs, dask=args.dask,
                      progress=False if args.no_progress else None)
    for path in result.figures:
        if path.suffix == ".png":
            print(f"figure: {path} (+ .pdf)")
    print(f"report: {result.report[0]} and {result.report[1]}" + (" (quick run)" if args.quick else ""))
    n_viol = result.summary["total_violations"]
    print(f"violations: {n_viol}; {time.perf_counter() - t0:.1f} s in all")
    return 0 if n_viol == 0 else 1
