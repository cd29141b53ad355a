"""``qtheory evaluate PROBLEM.toml --codes C [--nu X] [--s S] [--start C0] [--delta D] [--json]``: every exact
quantity and every bound of the theory at one point, with each bound's hypotheses, its budget (the named
terms it sums) and its tightness bound / realized excess (see :mod:`qtheory.evaluate`).  Exit status 0; 1 when
a bound whose hypotheses hold is violated at this point (possible on the delta' of samples where L1's event
fails), with or without --json; 2 on a user error (codes of the wrong length or off the grid, a quantity the
problem cannot compute exactly).
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("problem", help="problem file (TOML) with a finite population")
    p.add_argument("--codes", required=True, help='integer codes, comma separated: "c1,c2,...,cp" (e.g. "-1,3,-4")')
    p.add_argument("--nu", type=float, default=0.0,
                   help="tolerance nu >= 0 of the local-solution certificate (default 0)")
    p.add_argument("--s", default="best", help="sparsity s of the reference beta*_eps: 1..p or best (default best)")
    p.add_argument("--start", default=None,
                   help="codes of a start beta^0, comma separated: adds C's move bound from there")
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
    from qtheory.codes_arg import parse_codes
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
    return 1 if violated(out) else 0


def violated(out: dict[str, Any]) -> list[str]:
    """The bounds violated at the point (excess above the bound) among those whose hypotheses hold."""
    return [name for name, b in out["bounds"].items()
            if b["violated"] and all(ok is not False for ok in b.get("hypotheses", {}).values())]


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
    codes = out["codes"]
    shown = (" ".join(str(c) for c in codes) if len(codes) <= 24 else
             f"(p = {len(codes)}; non-zero j:code) " + " ".join(f"{j}:{c}" for j, c in enumerate(codes) if c))
    lines = [out["problem"], f"codes {shown}   nu = {out['nu']:g}   delta' = {out['delta']:g}   s = {out['s']}", "",
             f"exact quantities{' (' + out['exact_by'] + ')' if 'exact_by' in out else ''}"]
    notes = {"Gamma_ref": f" (s = {q.get('Gamma_ref_s')})", "U_Q": f" ({q['U_Q_is']})" if "U_Q_is" in q else "",
             "min L_n": " (not computed: 0, a certified lower bound, is used)" if q.get("min L_n", 0) is None else "",
             "Gamma_Ln": " (an upper bound)" if q.get("Gamma_Ln_is_upper_bound") else "",
             "min F": " (not computed)" if "min F" in q and q["min F"] is None else "",
             "Gamma_F": " (not computed)" if "Gamma_F" in q and q["Gamma_F"] is None else ""}
    for key in ("L_n", "L", "L*_Q", "excess", "dev", "nonzeros", "F", "min F", "min L_n", "Gamma_Ln", "Gamma_F",
                "Gamma_ref", "U_Q", "nu_local"):
        if key in q:
            lines.append(f"  {key:<10} {_g(q[key])}{notes.get(key, '')}")
    l1 = out["L1"]
    event = ("not computed (Q^p not enumerated)" if l1["event_on_sample"] is None else
             f"{'held' if l1['event_on_sample'] else 'FAILED'}, worst dev(k)/D(k) = {_g(l1['worst_ratio_on_sample'])}")
    lines += ["", f"L1 at k = {l1['k']}: D(k) = {_g(l1['D(k)'])} vs dev = {_g(l1['dev'])} "
              f"({'holds' if l1['holds_here'] else 'VIOLATED'} here; event on this sample: {event})",
              "  budget: " + ", ".join(f"{k} = {_g(v)}" for k, v in l1["terms"].items()), ""]
    lines.append("bounds on the excess L - L*_Q   (tightness = bound / excess; the terms sum to the bound)")
    for name in ("A0", "A", "B", "V1", "V4"):
        b = out["bounds"].get(name)
        if b is None:
            why = out.get("not_applicable", {}).get(name)
            if why:
                lines.append(f"  {name:<3} not applicable: {why}")
            continue
        hyps = b.get("hypotheses", {})
        failed = [k for k, ok in hyps.items() if ok is False]
        unknown = [k for k, ok in hyps.items() if ok is None]
        hyp = "hypotheses met" if not failed else "hypotheses NOT met: " + ", ".join(failed) + " (does not apply)"
        if unknown:
            hyp += "; unknown (no proven U): " + ", ".join(unknown)
        at = f" at s = {b['s']}" if "s" in b else ""
        flag = "   VIOLATED: excess > bound" if name in violated(out) else ""
        lines.append(f"  {name:<3} {_g(b['value']):>10}{at}   tightness {_g(b['tightness'])}   {hyp}{flag}")
        terms = b.get("terms", {})
        if terms:
            top = max(terms, key=lambda t: terms[t])
            lines.append("      = " + " + ".join(f"{_g(v)} [{k}]" for k, v in terms.items()) + f"   largest: {top}")
    c = out.get("C")
    if c is not None:
        start = " ".join(str(x) for x in c["start"]) if len(c["start"]) <= 24 else "(given by --start)"
        lines += ["", f"C from the start {start}: F0 = {_g(c['F0'])}, "
                  f"min F = {_g(c['min F'])}; Q-CD made {c['moves']} moves "
                  f"(output {'=' if c['output_is_codes'] else '!='} --codes)"]
        if "bound F0/nu" in c:
            gap = (f", <= (F0 - min F)/nu = {_g(c['bound (F0 - min F)/nu'])}" if "bound (F0 - min F)/nu" in c else "")
            lines.append(f"  moves <= F0/nu = {_g(c['bound F0/nu'])}{gap}   tightness {_g(c['tightness'])}")
        else:
            lines.append("  nu = 0: no move bound (C: Q-CD stops because Q^p is finite)")
    return "\n".join(lines)
