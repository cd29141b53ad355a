"""``qtheory certify PROBLEM.toml --codes "c1,c2,..." --nu X [--json]``: decide whether integer codes are a
nu-local solution (Q-S3ONC): F(beta + s d e_j) >= F(beta) - nu for every coordinate j and sign s with a
neighbouring level.  Prints every violating (coordinate, direction, decrease).  ``--smoothness`` adds U_Q
(exact by enumeration where possible, else a sampled lower estimate, said so) and which of L2's hypotheses
hold.  Exit status 0 when the codes are nu-local, 1 otherwise, with or without --json.
"""

from __future__ import annotations

import argparse
import json


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("problem", help="problem file (TOML)")
    p.add_argument("--codes", required=True, help='integer codes, comma separated: "c1,c2,...,cp" (e.g. "-1,3,-4")')
    p.add_argument("--nu", type=float, required=True, help="tolerance nu >= 0")
    p.add_argument("--smoothness", action="store_true",
                   help="also compute U_Q and check L2's hypotheses (needs a [penalty])")
    p.add_argument("--samples", type=int, default=200,
                   help="sample points for the U_Q lower estimate when enumeration is too large (default 200)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from qtheory.codes_arg import parse_codes
    from qtheory.problem import load_problem
    from qtheory.solve.certify import certify_local, check_l2_hypotheses, grid_smoothness
    from qtheory.validation import check_positive_int, check_positive_real

    nu = check_positive_real(args.nu, "--nu", allow_zero=True)
    check_positive_int(args.samples, "--samples")
    problem = load_problem(args.problem)
    codes = problem.check_codes(parse_codes(args.codes, problem.p), "--codes")
    cert = certify_local(problem, codes, nu)
    out = cert.to_json()
    if args.smoothness:
        sm = grid_smoothness(problem, samples=args.samples)
        l2 = check_l2_hypotheses(problem, sm, nu)
        out["smoothness"] = {"U": sm.U, "exact": sm.exact, "n_samples": sm.n_samples, "n_points": sm.n_points,
                             "describe": sm.describe()}
        out["L2"] = l2.to_json()
    if args.json:
        print(json.dumps(out))
        return 0 if cert.local else 1
    print(problem.describe())
    verdict = "is" if cert.local else "is NOT"
    print(f"F = {cert.F:.12g}; this point {verdict} a nu-local solution for nu = {nu:g} "
          f"({cert.n_checked} neighbours checked, {cert.method})")
    for j, s, dec in cert.violations:
        print(f"  violation: coordinate {j}, direction {s:+d}, decrease {dec:.6g} > nu")
    if args.smoothness:
        print(sm.describe())
        for label, ok in l2.holds.items():
            print(f"  L2 hypothesis {label}: {'holds' if ok else 'FAILS'}")
        print(f"  threshold a lam - d = {l2.threshold:g}, c_Q = {l2.c_Q:g}, nu limit = {l2.nu_limit:g}")
    return 0 if cert.local else 1
