"""``qtheory evaluate PROBLEM.toml --codes C [--nu X] [--s S] [--start C0] [--delta D] [--json]``: every exact
quantity and every bound of the theory at one point, with each bound's hypotheses, its budget (the named
terms it sums) and its tightness bound / realized excess (see :mod:`qtheory.evaluate`).  Exit status 0, or 2
on a user error (codes of the wrong length or off the grid, a quantity the problem cannot compute exactly).
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("problem", help="problem file (TOML) with a finite population")
    p.add_argument("--codes", required=True, help='integer codes, comma separated: "c1,c2,...,cp" (or --codes=-1,0,...)')
    p.add_argument("--nu", type=float, default=0.0, help="tolerance nu >= 0 of the local-solution certificate (default 0)")
    p.add_argument("--s", default="best", help="sparsity s of the reference beta*_eps: 1..p or best (default best)")
    p.add_argument("--start", default=None, help="codes of a start beta^0: adds C's move bound from there")
    p.add_argument("--delta", type=float, default=0.05, help="confidence level delta' in (0, 1) (default 0.05)")
    p.add_argument("--max-seconds", type=float, default=600.0,
                   help="refuse an enumeration of Q^p estimated to take longer (default 600)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _s_value(text: str) -> Any:
    if text == "best":
        return "best"
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"--s == {text!r}, must be 'best' or an integer in [1, p]") from None


def run(args: argparse.Namespace) -> int:
    from qtheory.commands.certify import parse_codes
    from qtheory.evaluate import evaluate_point
    from qtheory.problem import load_problem

    problem = load_problem(args.problem)
    codes = parse_codes(args.codes, problem.p)
    start = None if args.start is None else parse_codes(args.start, problem.p, "--start")
    out = evaluate_point(problem, codes, nu=args.nu, s=_s_value(args.s), delta=args.delta, start=start,
                         max_seconds=args.max_seconds)
    if args.json:
        print(json.dumps(out))
    else:
        print(render(out))
    return 0


def _g(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:.4g}"
    return str(x)


def render(out: dict[str, Any]) -> str:
    """The text report of :func:`qtheory.evaluate.evaluate_point`'s result."""
    q = out["quantities"]
    lines = [out["problem"], f"codes {' '.join(str(c) for c in out['codes'])}   nu = {out['nu']:g}   "
             f"delta' = {out['delta']:g}   s = {out['s']}", "", "exact quantities"]
    for key in ("L_n", "L", "L*_Q", "excess", "dev", "nonzeros", "F", "min F", "min L_n", "Gamma_Ln", "Gamma_F",
                "Gamma_ref", "U_Q", "nu_local"):
        if key in q:
            note = f" (s = {q['Gamma_ref_s']})" if key == "Gamma_ref" else ""
            lines.append(f"  {key:<10} {_g(q[key])}{note}")
    l1 = out["L1"]
    lines += ["", f"L1 at k = {l1['k']}: D(k) = {_g(l1['D(k)'])} vs dev = {_g(l1['dev'])} "
              f"({'holds' if l1['holds_here'] else 'VIOLATED'} here; event on this sample: "
              f"{'held' if l1['event_on_sample'] else 'FAILED'}, worst dev(k)/D(k) = {_g(l1['worst_ratio_on_sample'])})",
              "  budget: " + ", ".join(f"{k} = {_g(v)}" for k, v in l1["terms"].items()), ""]
    lines.append("bounds on the excess L - L*_Q   (tightness = bound / excess; the terms sum to the bound)")
    for name in ("A0", "A", "B", "V1"):
        b = out["bounds"].get(name)
        if b is None:
            why = out.get("not_applicable", {}).get(name)
            if why:
                lines.append(f"  {name:<3} not applicable: {why}")
            continue
        failed = [k for k, ok in b.get("hypotheses", {}).items() if not ok]
        hyp = "hypotheses met" if not failed else "hypotheses NOT met: " + ", ".join(failed) + " (does not apply)"
        at = f" at s = {b['s']}" if "s" in b else ""
        lines.append(f"  {name:<3} {_g(b['value']):>10}{at}   tightness {_g(b['tightness'])}   {hyp}")
        terms = b.get("terms", {})
        if terms:
            top = max(terms, key=lambda t: terms[t])
            lines.append("      = " + " + ".join(f"{_g(v)} [{k}]" for k, v in terms.items()) + f"   largest: {top}")
    c = out.get("C")
    if c is not None:
        lines += ["", f"C from the start {' '.join(str(x) for x in c['start'])}: F0 = {_g(c['F0'])}, "
                  f"min F = {_g(c['min F'])}; Q-CD made {c['moves']} moves "
                  f"(output {'=' if c['output_is_codes'] else '!='} --codes)"]
        if "bound F0/nu" in c:
            lines.append(f"  moves <= F0/nu = {_g(c['bound F0/nu'])}, <= (F0 - min F)/nu = "
                         f"{_g(c['bound (F0 - min F)/nu'])}   tightness {_g(c['tightness'])}")
        else:
            lines.append("  nu = 0: no move bound (C: Q-CD stops because Q^p is finite)")
    return "\n".join(lines)
