"""Every exact quantity and every bound of the theory (docs/theory.md) at one point beta^ (integer codes) of a
toy problem.

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
tightness = bound / excess: A0, A, B, V1 and V4 (V1 with the exact count; both for the loss divided by B,
turned into an excess bound B kl^{-1}(L_n/B, c) - L*_Q) and, from a start beta^0, C's move bounds F(beta^0)/nu and (F(beta^0) - min F)/nu
against the moves Q-CD makes from beta^0.  Every formula comes from ``qtheory.theory``.

Where Q^p is too large to enumerate within ``max_seconds`` but an exact solver applies (``qtheory.solve``:
branch-and-bound or MIP for linear models), L*_Q, a minimizer of L and min L_n come from the solver (proven
optimal, or refused); beta*_eps is that minimizer (eps = 0 at every s >= its sparsity), min F and L1's event
on the sample are not computed, and U_Q is exact only where enumerable (B's hypotheses that involve U are
reported unknown for a sampled lower estimate).

Problems whose population gives L and L*_Q without enumeration (a problem with ``L_star()`` and an exact
``population_risk``, such as the analytic family of docs/theory.md section 5, whose minimizer is the teacher by
E2) are evaluated at any p without enumerating Q^p: L, L*_Q and the excess are exact; min L_n and min F are
enumerated where Q^p is small, and otherwise min L_n is replaced by its certified lower bound 0 (the loss is
>= 0), so Gamma_Ln is an upper bound and A0 stays valid, and min F is not computed; beta*_eps is the
population minimizer (eps = 0 at every s >= its sparsity); L1's event on the sample is not computed; B's
hypotheses use the problem's proven upper bound on U_Q when it has one (an upper bound keeps
a U < 1 and the nu limit valid), and are reported unknown for a sampled lower estimate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qtheory.problem import Problem
from qtheory.validation import check_positive_int, check_positive_real, check_probability

#: default limit on the enumeration time behind the exact quantities
DEFAULT_MAX_SECONDS = 600.0
#: with an analytic population, min L_n and min F are enumerated only on grids of at most this many points
SMALL_ENUMERATION = 10**6


def exact_instance(problem: Problem, *, max_seconds: float = DEFAULT_MAX_SECONDS) -> Any:
    """The problem with its exact quantities (:class:`qtheory.experiments.instance.Instance`).

    Raises ``ValueError`` naming the quantity that cannot be computed exactly and why: L without a finite
    population, L*_Q / min L_n / min F when Q^p is too large to enumerate within ``max_seconds``.
    """
    from qtheory.experiments.instance import Instance, exact_base, penalized_minimum, uniform_step

    _require_population(problem)
    try:
        base = exact_base(problem, max_seconds)
        F_min, F_argmin = (penalized_minimum(problem, max_seconds) if problem.penalty is not None else (None, None))
    except ValueError as exc:
        raise ValueError(f"L*_Q, min L_n and min F need an exact enumeration of Q^p: {exc}") from None
    return Instance(problem=problem, base=base, F_min=F_min, F_argmin=F_argmin, step=uniform_step(problem))


def _require_population(problem: Problem) -> None:
    if problem.population is None:
        raise ValueError(
            f"L (population risk) is not computable exactly for problem {problem.name!r}: it has no finite "
            "population (use data.kind = 'teacher', sklearn with as_population = true, or csv with data.n)"
        )


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
    known = None
    if callable(getattr(problem, "L_star", None)):
        known = _analytic_minima(problem, max_seconds)
    elif not _enumerable(problem, max_seconds):
        known = _solver_minima(problem, max_seconds)
    if known is not None:
        out = _point_from_minimizer(problem, codes, **known, nu=nu, s=s, delta=delta)
        if start_codes is not None:
            out["C"] = _move_bound(problem, out["quantities"].get("min F"), start_codes, codes, nu)
        return to_jsonable(out)
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
    for name in ("V1", "V4"):
        if name in bounds:
            bounds[name]["hypotheses"] = {"n >= 8": bool(problem.n >= 8)}
    out: dict[str, Any] = {
        "problem": problem.describe(), "codes": [int(c) for c in codes], "nu": nu, "delta": delta, "s": s,
        "numbers": {**num, "d": inst.step}, "quantities": quantities, "L1": l1, "bounds": bounds,
        "checks": m["checks"],
    }
    if problem.penalty is None:
        out["not_applicable"] = {"A": "no [penalty]", "B": "no [penalty]"}
    elif inst.step is None:
        why = "the grid is not one uniform grid with 0"
        out["not_applicable"] = {"A": why, "B": why}
    if start_codes is not None:
        F_min = inst.F_min if inst.F_min is not None else inst.base.Ln_min
        out["C"] = _move_bound(problem, F_min, start_codes, codes, nu)
    return to_jsonable(out)


def _small_minima(problem: Problem, max_seconds: float) -> tuple[float | None, float | None]:
    """(min L_n, min F) by enumeration where Q^p is small enough for it (estimated under ``max_seconds`` and
    at most :data:`SMALL_ENUMERATION` points), else (None, None).  min F is None without a penalty."""
    from qtheory.solve.enumerate import enumerate_exact, estimate_enumeration

    if problem.n_codes > SMALL_ENUMERATION:
        return None, None
    try:
        if estimate_enumeration(problem).seconds > max_seconds:
            return None, None
        q = enumerate_exact(problem, max_seconds=max_seconds, progress=False)
    except ValueError:  # refused by the enumeration's own limits
        return None, None
    return float(q.Ln_min), (float(q.F_min) if problem.penalty is not None else None)


def _enumerable(problem: Problem, max_seconds: float) -> bool:
    """Whether the enumeration of Q^p is estimated to fit ``max_seconds`` (False when it refuses at once)."""
    from qtheory.solve.enumerate import estimate_enumeration

    try:
        return estimate_enumeration(problem).seconds <= max_seconds
    except ValueError:
        return False


def _analytic_minima(problem: Problem, max_seconds: float) -> dict[str, Any]:
    """L*_Q and a minimizer of L from the population (E2 for the analytic family), min L_n and min F where Q^p
    is small."""
    Ln_min, F_min = _small_minima(problem, max_seconds)
    return {"L_star": float(problem.L_star()), "reference": _population_minimizer, "Ln_min": Ln_min,
            "F_min": F_min, "exact_by": "the population's exact L and L*_Q (no enumeration of Q^p)"}


def _solver_minima(problem: Problem, max_seconds: float) -> dict[str, Any]:
    """L*_Q, a minimizer of L and min L_n by an exact solver (branch-and-bound or MIP) where Q^p is too large
    to enumerate; min F is not computed (the solvers do not handle the MCP)."""
    from qtheory.solve.dispatch import solve_problem

    why = "L*_Q, min L_n and min F need an exact enumeration of Q^p or an exact solver"
    _require_population(problem)
    try:
        pop = solve_problem(problem, objective="population", method="auto", max_seconds=max_seconds)
        emp = solve_problem(problem, objective="empirical", method="auto", max_seconds=max_seconds)
    except ValueError as exc:
        raise ValueError(f"{why}: {exc}") from None
    if not pop.certified:
        raise ValueError(f"{why}: the {pop.method} solver did not prove L*_Q optimal within its time limit "
                         f"({pop.status})")
    return {"L_star": float(pop.objective), "reference": lambda _: np.asarray(pop.codes, dtype=np.int64),
            "Ln_min": float(emp.objective) if emp.certified else None, "F_min": None,
            "exact_by": f"exact solvers: L*_Q by {pop.method}, min L_n by {emp.method}"}


def _point_from_minimizer(problem: Problem, codes: np.ndarray, *, L_star: float, reference: Any,
                          Ln_min: float | None, F_min: float | None, exact_by: str, nu: float, s: Any,
                          delta: float) -> dict[str, Any]:
    """:func:`evaluate_point` from an exact L*_Q and a minimizer of L (``reference(problem)``, its codes) without
    the tables of Q^p: beta*_eps is that minimizer (eps = 0 at every s >= its sparsity); min L_n and min F when
    known (else None: Gamma_Ln then uses the certified lower bound 0, and Gamma_F is not computed)."""
    from qtheory.experiments.instance import uniform_step
    from qtheory.experiments.measure import EXCESS_RTOL, _bound_entry, _penalized_entry, kl_excess_bound
    from qtheory.solve.certify import certify_local, grid_smoothness
    from qtheory.theory import A, A0, B, L1, V1, V4

    num = {"B": float(problem.loss.B), "n": int(problem.n), "p": int(problem.p), "Qsize": int(problem.Qsize),
           "delta": delta}
    Ln, L = float(problem.empirical_risk(codes)), float(problem.population_risk(codes))
    nnz, tol = int(problem.nonzeros(codes)), EXCESS_RTOL * num["B"]
    excess = L - L_star if abs(L - L_star) > tol else 0.0
    gamma_Ln = Ln - (0.0 if Ln_min is None else Ln_min)  # with 0, a certified lower bound: an upper bound on the gap
    q: dict[str, Any] = {"L_n": Ln, "L": L, "L*_Q": L_star, "excess": excess, "dev": abs(Ln - L), "nonzeros": nnz,
                         "min L_n": Ln_min, "Gamma_Ln": max(0.0, gamma_Ln), "Gamma_Ln_is_upper_bound": Ln_min is None}
    a0_terms = A0.terms(Gamma=gamma_Ln, **num)
    a0 = float(A0.evaluate(Gamma=gamma_Ln, **num))
    bounds = {"A0": _bound_entry(a0, excess, violated=excess > a0, tol=tol, terms=a0_terms, Gamma=gamma_Ln,
                                 hypotheses={})}
    with_zero = all(g.has_zero for g in problem.param_grids)  # V4's exact count needs 0 in every grid
    for result in (V1, V4) if with_zero else (V1,):
        value, terms, risk_bound = kl_excess_bound(result, Ln, nnz, num, L_star)
        bounds[result.name] = _bound_entry(value, excess, violated=L > risk_bound, tol=tol, terms=terms,
                                           risk_bound=risk_bound, hypotheses={"n >= 8": bool(problem.n >= 8)})
    out: dict[str, Any] = {"problem": problem.describe(), "codes": [int(c) for c in codes], "nu": nu, "delta": delta,
                           "s": s, "numbers": num, "quantities": q, "bounds": bounds, "checks": {},
                           "exact_by": exact_by}
    D_k = float(L1.evaluate(k=nnz, **num))
    out["L1"] = {"k": nnz, "D(k)": D_k, "dev": q["dev"], "holds_here": bool(q["dev"] <= D_k),
                 "terms": {k: float(v) for k, v in L1.terms(k=nnz, **num).items()},
                 "event_on_sample": None, "worst_ratio_on_sample": None}
    step = uniform_step(problem)
    if problem.penalty is None or step is None:
        why = "no [penalty]" if problem.penalty is None else "no uniform grid step d"
        out["not_applicable"] = {"A": why, "B": why}
        return out
    ref = reference(problem)
    F = float(problem.objective(codes, "penalized"))
    gam = max(0.0, F - float(problem.objective(ref, "penalized")))
    s_ref = max(1, int(problem.nonzeros(ref)))
    if s != "best" and s < s_ref:
        raise ValueError(f"--s == {s}: the known reference (the population minimizer) has {s_ref} non-zeros, so "
                         f"eps is exact only for s in [{s_ref}, {problem.p}]")
    s_val = s_ref if s == "best" else s  # eps = 0 at every s >= s_ref; the bounds grow with s
    q.update({"F": F, "min F": F_min, "Gamma_F": None if F_min is None else max(0.0, F - F_min), "Gamma_ref": gam,
              "Gamma_ref_s": s_val})
    pen = {"a": problem.penalty.a, "lam": problem.penalty.lam, "d": float(step)}
    at = dict(s=np.array([s_val]), eps=np.zeros(1), Gamma=np.array([gam]), **num, **pen)
    first = lambda vals: 0  # noqa: E731 - one s only
    a_hyp = {k: v for k, v in A.check(s=s_val, p=num["p"], **pen).items() if k != "s <= p"}
    bounds["A"] = _penalized_entry(A, "pi_min", at, first, excess, tol, None, a_hyp)
    sm = grid_smoothness(problem)
    proven = bool(sm.exact or hasattr(sm, "lower"))
    cert = certify_local(problem, codes, nu)
    hyp = {k: bool(v) for k, v in B.check(s=s_val, p=num["p"], U=sm.U, nu=nu, Qsize=num["Qsize"], **pen).items()
           if k != "s <= p"}
    if not proven:
        hyp = {k: (None if ("U" in k) else v) for k, v in hyp.items()}
    kind = "exact" if sm.exact else ("proven upper bound" if proven else "sampled lower estimate")
    q.update({"U_Q": sm.U, "U_Q_is": kind,
              "nu_local": bool(cert.local)})
    b_hyp = {**hyp, "nu-local (certified)": bool(cert.local)}
    bounds["B"] = _penalized_entry(B, "c_Q", at, first, excess, tol, None, b_hyp)
    out["checks"] = {"local": bool(cert.local), "L2_hypotheses": hyp}
    return out


def _population_minimizer(problem: Problem) -> np.ndarray:
    """The codes of a minimizer of L over Q^p, where the population knows one (the teacher, by E2)."""
    family = getattr(problem, "family", None)
    teacher = getattr(family, "teacher", None)
    if teacher is None:
        raise ValueError(f"problem {problem.name!r} gives L*_Q but no minimizer of L, so eps and A, B are not "
                         "computable exactly")
    return np.asarray(teacher, dtype=np.int64)


def _move_bound(problem: Problem, F_min: float | None, start: np.ndarray, codes: np.ndarray,
                nu: float) -> dict[str, Any]:
    """C from beta^0 = ``start``: F(beta^0)/nu, (F(beta^0) - min F)/nu (when min F is known), and the moves
    Q-CD makes from there (tightness = the smaller bound / moves)."""
    from qtheory.solve.certify import objective_F
    from qtheory.solve.qcd import qcd
    from qtheory.theory import C

    F0 = float(objective_F(problem, start))
    run = qcd(problem, nu, start=start)
    out: dict[str, Any] = {"start": [int(c) for c in start], "F0": F0, "min F": F_min, "moves": int(run.moves),
                           "output": [int(c) for c in run.codes],
                           "output_is_codes": bool(np.array_equal(run.codes, codes)),
                           "hypotheses": {k: bool(v) for k, v in C.check(nu=nu).items()}}
    if nu > 0:
        bound = float(C.evaluate(F0=F0, nu=nu))
        out["bound F0/nu"] = bound
        if F_min is not None:
            bound = float(C.evaluate(F0=max(0.0, F0 - F_min), nu=nu))
            out["bound (F0 - min F)/nu"] = bound
        out["tightness"] = bound / run.moves if run.moves else None
    return out


__all__ = ["DEFAULT_MAX_SECONDS", "evaluate_point", "exact_instance"]
