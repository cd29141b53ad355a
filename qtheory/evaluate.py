"""Every exact quantity and every bound of THEORY.md at one point beta^ (integer codes) of a toy problem.

Exact quantities (enumeration of Q^p, with the enumeration's round-off safeguard; the population must be
finite, so that L is a finite sum):

* L_n(beta^), L(beta^), L*_Q = min_{Q^p} L, the realized excess L(beta^) - L*_Q, dev = |L_n - L|;
* ||beta^||_0 (counted on integer codes), F(beta^) = L_n + P and min F (with a penalty);
* Gamma in its three senses: L_n(beta^) - min L_n (A0's gap), F(beta^) - min F (the suboptimality gap) and
  max(0, F(beta^) - F(beta*_eps)) (the smallest Gamma for which A's and B's premise holds, beta*_eps =
  argmin{L : ||beta||_0 <= s});
* whether beta^ is nu-local (the certificate of 2p neighbours), U_Q (exact) and L2's hypotheses;
* L1 at beta^: D(||beta^||_0) against dev, and L1's event on this sample (dev(k) <= D(k) for all k).

Bounds, each with its hypotheses (met or not), its budget (named terms summing to it, ``Result.terms``) and
tightness = bound / excess: A0, A, B, V1 (the loss divided by B, turned into an excess bound
B kl^{-1}(L_n/B, c) - L*_Q) and, from a start beta^0, C's move bounds F(beta^0)/nu and (F(beta^0) - min F)/nu
against the moves Q-CD makes from beta^0.  Every formula comes from ``qtheory.theory``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qtheory.problem import Problem
from qtheory.validation import check_positive_int, check_positive_real, check_probability

#: default limit on the enumeration time behind the exact quantities
DEFAULT_MAX_SECONDS = 600.0


def exact_instance(problem: Problem, *, max_seconds: float = DEFAULT_MAX_SECONDS) -> Any:
    """The problem with its exact quantities (:class:`qtheory.experiments.instance.Instance`).

    Raises ``ValueError`` naming the quantity that cannot be computed exactly and why: L without a finite
    population, L*_Q / min L_n / min F when Q^p is too large to enumerate within ``max_seconds``.
    """
    from qtheory.experiments.instance import Instance, exact_base, penalized_minimum, uniform_step

    if problem.population is None:
        raise ValueError(
            f"L (population risk) is not computable exactly for problem {problem.name!r}: it has no finite "
            "population (use data.kind = 'teacher', sklearn with as_population = true, or csv with data.n)"
        )
    try:
        base = exact_base(problem, max_seconds)
        F_min, F_argmin = (penalized_minimum(problem, max_seconds) if problem.penalty is not None else (None, None))
    except ValueError as exc:
        raise ValueError(f"L*_Q, min L_n and min F need an exact enumeration of Q^p: {exc}") from None
    return Instance(problem=problem, base=base, F_min=F_min, F_argmin=F_argmin, step=uniform_step(problem))


def evaluate_point(problem: Problem, codes: Any, *, nu: float = 0.0, s: Any = "best", delta: float = 0.05,
                   start: Any = None, max_seconds: float = DEFAULT_MAX_SECONDS) -> dict[str, Any]:
    """Every exact quantity and every bound at ``codes`` (module docstring), as a JSON-able dict.

    ``s``: the sparsity of the reference beta*_eps, an integer in [1, p], or ``"best"`` (every s = 1..p,
    the smallest bound kept: the proofs use only L1's event, which holds for every s at once).
    ``start``: beta^0's codes for C's move bound (None: C is not evaluated).
    """
    from qtheory.experiments.measure import instance_facts, measure_exact
    from qtheory.jsonable import to_jsonable
    from qtheory.theory import L1

    codes = problem.check_codes(codes, "--codes")
    nu = check_positive_real(nu, "--nu", allow_zero=True)
    delta = check_probability(delta, "--delta")
    if s != "best":
        s = check_positive_int(s, "--s")
        if s > problem.p:
            raise ValueError(f"--s == {s}, must be 'best' or an integer in [1, p] = [1, {problem.p}]")
    start_codes = None if start is None else problem.check_codes(start, "--start")
    inst = exact_instance(problem, max_seconds=max_seconds)
    m = measure_exact(inst, codes, delta=delta, s_rule=s, M=1, nu=nu, all_bounds=True)
    facts = instance_facts(inst, delta, 1)
    sol = m["solution"]
    num = {"B": float(problem.loss.B), "n": int(problem.n), "p": int(problem.p), "Qsize": int(problem.Qsize),
           "delta": delta}
    dev = abs(sol["Ln"] - sol["L"])
    D_k = float(L1.evaluate(k=sol["nnz"], **num))
    quantities = {
        "L_n": sol["Ln"], "L": sol["L"], "L*_Q": inst.base.L_star, "excess": sol["excess"], "dev": dev,
        "nonzeros": sol["nnz"], "min L_n": inst.base.Ln_min, "Gamma_Ln": sol["gamma_Ln"],
        "U_Q": inst.base.U,
    }
    if "F" in sol:
        quantities.update({"F": sol["F"], "min F": inst.F_min, "Gamma_F": sol["gamma_F"]})
        ref = m["bounds"].get("B", m["bounds"].get("A"))
        if ref is not None:
            quantities["Gamma_ref"] = ref["Gamma"]
            quantities["Gamma_ref_s"] = ref["s"]
    if "local" in m["checks"]:
        quantities["nu_local"] = m["checks"]["local"]
    l1 = {"k": sol["nnz"], "D(k)": D_k, "dev": dev, "holds_here": bool(dev <= D_k),
          "terms": {k: float(v) for k, v in L1.terms(k=sol["nnz"], **num).items()},
          "event_on_sample": facts["L1"]["held"], "worst_ratio_on_sample": facts["L1"]["worst_ratio"]}
    bounds = m["bounds"]
    bounds["A0"]["hypotheses"] = {}
    bounds["V1"]["hypotheses"] = {"n >= 8": bool(problem.n >= 8)}
    out: dict[str, Any] = {
        "problem": problem.describe(), "codes": [int(c) for c in codes], "nu": nu, "delta": delta, "s": s,
        "numbers": {**num, "d": inst.step}, "quantities": quantities, "L1": l1, "bounds": bounds,
        "checks": m["checks"],
    }
    if problem.penalty is None:
        out["not_applicable"] = {"A": "no [penalty]", "B": "no [penalty]"}
    elif inst.step is None:
        out["not_applicable"] = {"A": "the grid is not one uniform grid with 0", "B": "the grid is not one uniform grid with 0"}
    if start_codes is not None:
        out["C"] = _move_bound(inst, start_codes, codes, nu)
    return to_jsonable(out)


def _move_bound(inst: Any, start: np.ndarray, codes: np.ndarray, nu: float) -> dict[str, Any]:
    """C from beta^0 = ``start``: F(beta^0)/nu, (F(beta^0) - min F)/nu, and the moves Q-CD makes from there."""
    from qtheory.solve.certify import objective_F
    from qtheory.solve.qcd import qcd
    from qtheory.theory import C

    pb = inst.problem
    F0 = float(objective_F(pb, start))
    F_min = inst.F_min if inst.F_min is not None else inst.base.Ln_min
    run = qcd(pb, nu, start=start)
    out: dict[str, Any] = {"start": [int(c) for c in start], "F0": F0, "min F": F_min, "moves": int(run.moves),
                           "output": [int(c) for c in run.codes], "output_is_codes": bool(np.array_equal(run.codes, codes)),
                           "hypotheses": {k: bool(v) for k, v in C.check(nu=nu).items()}}
    if nu > 0:
        bound = float(C.evaluate(F0=F0, nu=nu))
        gap_bound = float(C.evaluate(F0=max(0.0, F0 - F_min), nu=nu))
        out.update({"bound F0/nu": bound, "bound (F0 - min F)/nu": gap_bound,
                    "tightness": gap_bound / run.moves if run.moves else None})
    return out


__all__ = ["DEFAULT_MAX_SECONDS", "evaluate_point", "exact_instance"]
