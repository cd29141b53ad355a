"""``qtheory solve PROBLEM.toml``: the exact global optimum of a toy problem.

Exit status 0 when the optimum is certified (proven), 1 when it is not (e.g. a solver time limit), with or
without --json.
"""

from __future__ import annotations

import argparse
import json
import sys

from qtheory.problem import OBJECTIVES

from qtheory.solve.dispatch import METHODS


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("problem", help="problem file (TOML)")
    p.add_argument("--objective", choices=OBJECTIVES, default="empirical",
                   help="empirical L_n (default), penalized F = L_n + P, or population L")
    p.add_argument("--method", choices=METHODS, default="auto", help="exact method (default: auto)")
    p.add_argument("--max-seconds", type=float, default=None,
                   help="refuse an enumeration estimated to take longer than this (default 600)")
    p.add_argument("--time-limit", type=float, default=600.0,
                   help="time limit for bnb/mip solvers in seconds (default 600); on time-out the best point found is printed, not certified")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quiet", action="store_true",
                   help="no solver progress on stderr (bnb/mip print incumbent, bound and gap as they run)")


def run(args: argparse.Namespace) -> int:
    from qtheory.problem import load_problem
    from qtheory.solve.dispatch import enumeration_is_quick, solve_problem
    from qtheory.solve.solverlog import solver_log
    from qtheory.validation import check_positive_real

    if args.max_seconds is not None:
        check_positive_real(args.max_seconds, "--max-seconds")
    check_positive_real(args.time_limit, "--time-limit")
    problem = load_problem(args.problem)
    quick = enumeration_is_quick(problem, args.method)
    if quick is not None:
        print(f"qtheory solve: warning: enumeration would certify the optimum here ({quick}; --method enumerate "
              f"or auto); --method {args.method} may take much longer on this problem", file=sys.stderr)
    with solver_log(not args.quiet):
        sol = solve_problem(problem, objective=args.objective, method=args.method,
                            max_seconds=args.max_seconds, time_limit=args.time_limit)
    if args.json:
        print(json.dumps(sol.to_json()))
    else:
        print(problem.describe())
        print(f"objective ({sol.objective_name}): {sol.objective:.12g}")
        print(f"codes:   {' '.join(str(int(c)) for c in sol.codes)}")
        print(f"weights: {' '.join(f'{w:g}' for w in sol.weights)}")
        proof = "certified global optimum" if sol.certified else "NOT certified optimal"
        print(f"method:  {sol.method} ({sol.status}; {proof})")
    return 0 if sol.certified else 1
