"""``qtheory sweep SWEEP.toml``: run a sweep file, one result file per finished cell (a re-run resumes)."""

from __future__ import annotations

import argparse


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("sweep", help="sweep file (TOML); keys in docs/figures.md and qtheory/experiments/spec.py")
    p.add_argument("--out", default="results", help="results directory (default: results); cells go to OUT/NAME/cells")
    p.add_argument("--jobs", type=int, default=1, help="parallel worker processes (default 1)")
    p.add_argument("--dask", metavar="ADDRESS", default=None,
                   help="run the cells on a Dask distributed scheduler at ADDRESS (e.g. tcp://host:8786)")
    p.add_argument("--quick", action="store_true", help="the sweep's [quick] variant")
    p.add_argument("--no-progress", action="store_true", help="no progress on stderr (a bar on a terminal, plain lines otherwise)")
    p.add_argument("--report", action="store_true", help="also print the tightness report of this sweep")
    p.add_argument("--export", metavar="FILE.csv", default=None,
                   help="also write this sweep's records as one CSV table (one row per cell; pandas.read_csv reads it)")


def run(args: argparse.Namespace) -> int:
    from qtheory.experiments.report import render_markdown, summarize
    from qtheory.experiments.runner import check_dask_address, run_sweep
    from qtheory.experiments.spec import load_sweep
    from qtheory.validation import check_output_dir, check_positive_int

    check_positive_int(args.jobs, "--jobs")
    check_output_dir(args.out, "--out")
    if args.dask is not None:
        check_dask_address(args.dask)
    sweep = load_sweep(args.sweep)
    result = run_sweep(sweep, args.out, jobs=args.jobs, dask=args.dask, quick=args.quick,
                       progress=False if args.no_progress else None)
    print(f"sweep {sweep.name}: {len(result.cells)} cells, {result.skipped} already done, {result.ran} run "
          f"({result.seconds:.1f} s); results in {result.store.cells_dir}")
    summary = summarize({sweep.name: result.records()})
    print(f"violations: {summary['total_violations']}")
    if args.report:
        print(render_markdown(summary))
    if args.export:
        from qtheory.experiments.export import record_rows, write_csv

        rows = [row for record in result.records() for row in record_rows(sweep.name, record)]
        try:
            path = write_csv(rows, args.export)
        except OSError as err:
            raise ValueError(f"--export {args.export}: cannot write the table ({err.strerror or err})") from err
        print(f"records: {path} ({len(rows)} rows)")
    return 0 if summary["total_violations"] == 0 else 1
