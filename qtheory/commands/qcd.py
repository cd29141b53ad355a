"""``qtheory qcd PROBLEM.toml --nu X [--start zero|round|ste|random] [--seed S] [--order cyclic|random]
[--max-moves N] [--json]``: run Q-CD (docs/theory.md, C) to a certified nu-local solution.

Prints the final codes, F, the number of accepted moves, the trace (F after each accepted move, coordinate,
direction) and whether the result is certified nu-local.  Exit status 0 when certified, 1
otherwise (e.g. the move cap was hit), with or without --json.
"""

from __future__ import annotations

import argparse
import json


def add_parser(p: argparse.ArgumentParser) -> None:
    from qtheory.solve.qcd import ORDERS, STARTS

    p.add_argument("problem", help="problem file (TOML)")
    p.add_argument("--nu", type=float, required=True, help="tolerance nu >= 0: a move is accepted when F drops by more")
    p.add_argument("--start", default="zero",
                   help=f"warm start: {', '.join(STARTS)}, or comma-separated integer codes such as \"-2,1,1\" "
                        "(default zero)")
    p.add_argument("--seed", type=int, default=None, help="seed of the random order and of random/round/ste starts")
    p.add_argument("--order", choices=ORDERS, default="cyclic", help="sweep order (default cyclic)")
    p.add_argument("--max-moves", type=int, default=None, help="optional cap on accepted moves (default: none)")
    p.add_argument("--no-trace", action="store_true", help="leave the trace out of the JSON output")
    p.add_argument("--progress", action="store_true", help="also show the progress of the sweeps on stderr")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress on stderr (shown by default while the ste or round start trains)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from qtheory.codes_arg import parse_codes
    from qtheory.problem import load_problem
    from qtheory.progress import Progress
    from qtheory.solve.qcd import STARTS, qcd
    from qtheory.validation import check_positive_int, check_positive_real

    check_positive_real(args.nu, "--nu", allow_zero=True)
    if args.seed is not None:
        check_positive_int(args.seed, "--seed", min_val=0)
    if args.max_moves is not None:
        check_positive_int(args.max_moves, "--max-moves", min_val=0)
    problem = load_problem(args.problem)
    start = args.start if args.start in STARTS else parse_codes(args.start, problem.p, "--start")
    trained = args.start in ("ste", "round") and not args.no_progress
    warm = Progress(f"qcd {args.start} start", unit="training epochs", enabled=trained)
    sweeps = Progress("qcd sweeps", unit="sweeps", enabled=args.progress and not args.no_progress)

    def progress(info: dict) -> None:
        warm.close()
        sweeps.advance_to(info["sweep"], f"{info['moves']} moves, F = {info['F']:.12g}")

    with warm, sweeps:
        res = qcd(problem, args.nu, start=start, order=args.order, seed=args.seed, max_moves=args.max_moves,
                  progress=progress, start_progress=warm.advance_to)
    if args.json:
        print(json.dumps(res.to_json(trace=not args.no_trace)))
        return 0 if res.local else 1
    print(problem.describe())
    print(f"start {res.start}: F0 = {res.F0:.12g}")
    print(f"Q-CD ({res.order} order, nu = {res.nu:g}): {res.moves} moves in {res.sweeps} sweeps, {res.seconds:.3g} s")
    print(f"F = {res.F:.12g}")
    print(f"codes: {' '.join(str(int(c)) for c in res.codes)}")
    if res.hit_cap:
        print(f"stopped by --max-moves {args.max_moves} before convergence")
    print(f"certified nu-local: {'yes' if res.local else 'NO'}")
    return 0 if res.local else 1
