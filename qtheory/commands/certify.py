"""``qtheory certify PROBLEM.toml --codes "c1,c2,..." --nu X [--json]``: decide whether integer codes are a
nu-local solution (Q-S3ONC): F(beta + s d e_j) >= F(beta) - nu for every coordinate j and sign s with a
neighbouring level.  Prints every violating (coordinate, direction, decrease).  ``--smoothness`` adds U_Q
(exact by enumeration where possible, else a sampled lower estimate, said so) and which of L2's hypotheses
hold.  Exit status 0 when the codes are nu-local (always 0 with --json), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from qtheory.validation import MAX_GRID_K


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("problem", help="problem file (TOML)")
    p.add_argument("--codes", required=True, help='integer codes, comma separated: "c1,c2,...,cp"')
    p.add_argument("--nu", type=float, required=True, help="tolerance nu >= 0")
    p.add_argument("--smoothness", action="store_true",
                   help="also compute U_Q and check L2's hypotheses (needs a [penalty])")
    p.add_argument("--samples", type=int, default=200,
                   help="sample points for the U_Q lower estimate when enumeration is too large (default 200)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


#: no grid has codes beyond this magnitude
CODE_LIMIT = MAX_GRID_K


def parse_codes(text: str, p: int, name: str = "--codes") -> np.ndarray:
    """``"1,0,-2"`` -> int64 array of length p (error naming ``name`` otherwise)."""
    items = [t.strip() for t in str(text).split(",")]
    if items and items[-1] == "" and len(items) > 1:  # a trailing comma
        items.pop()
    out = []
    for i, t in enumerate(items):
        try:
            value = int(t)
        except ValueError:
            what = "an empty code" if t == "" else repr(t)
            raise ValueError(f"{name} must list integers separated by commas, got {what} at position {i + 1}") from None
        if abs(value) > CODE_LIMIT:
            raise ValueError(f"{name}: code {t[:30]}{'...' if len(t) > 30 else ''} at position {i + 1} is out of range, "
                             f"codes are integers in [-{CODE_LIMIT}, {CODE_LIMIT}]")
        out.append(value)
    if len(out) != p:
        raise ValueError(f"{name} must list p = {p} integer codes, got {len(out)}")
    return np.array(out, dtype=np.int64)


def run(args: argparse.Namespace) -> int:
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
        return 0
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
