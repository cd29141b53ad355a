"""Cells of a ``kind = "scale"`` sweep: one sample of the analytic population R(p, beta*, sigma, B) (docs/theory.md
section 5) at any p, its solutions, and every bound measured exactly where the theory allows.

A cell builds the problem (``[problem]`` tables with ``data.kind = "rademacher"``), resolves the penalty rule
with the proven U = 2 (``qtheory.solve.sign_smoothness``: U_Q <= 2 for +-1 inputs, clip or not), and runs:

* ``qcd-zero``: Q-CD from the zero start (always);
* ``qcd-ste``:  Q-CD from the sparse STE warm start, where n p <= ``limits.ste_max_np``;
* ``global`` and ``erm``: argmin F and argmin L_n over Q^p by enumeration, where |Q|^p n <= ``limits.enumerate_max_work``.

Cells with n p > ``limits.max_np`` (the int8 signs alone) or s* > p are recorded as skipped, with the reason.

For each solution beta^ (k = ||beta^||_0 non-zeros), exact: L(beta^) by E1, L*_Q = L(beta*) = h(0) by E2, so
the realized excess L(beta^) - L*_Q; L_n(beta^), F(beta^); the deviation |L_n - L| at beta^ and at every point
Q-CD visited, against L1's radius D(k).  Bounds, every formula from ``qtheory.theory``:

* A0 = Gamma + 2 D_dense with Gamma = L_n(beta^) - (a certified lower bound on min L_n): the exact minimum where
  enumerated, else 0 (the loss is >= 0), so Gamma is an upper bound and A0 stays valid;
* A and B at beta*_eps = beta* (eps = 0, s = s*) with Gamma = max(0, F(beta^) - F(beta*)); B only when beta^ is
  certified nu-local and L2's hypotheses hold with U = 2;
* V1 and V4 (B kl^{-1}(L_n/B, c) - L*_Q, V4 with the exact count), and the trivial bound B - L*_Q;
* the budget of each bound: its named terms (``Result.terms``, summing to the bound) under ``terms``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from qtheory.experiments.spec import Cell
from qtheory.jsonable import to_jsonable

if TYPE_CHECKING:
    from qtheory.experiments.penalty import ResolvedPenalty
    from qtheory.populations.sign_problem import SignProblem
    from qtheory.solve.qcd import QCDResult

DEFAULT_LIMITS = {"max_np": 1e8, "ste_max_np": 1e7, "enumerate_max_work": 1e8}


def _f(x: Any) -> float:
    return float(np.asarray(x))


def build(cfg: dict[str, Any]) -> tuple["SignProblem", "ResolvedPenalty"]:
    """(problem, resolved penalty) for a scale cell."""
    from qtheory.experiments.penalty import resolve
    from qtheory.problem import problem_from_config
    from qtheory.solve.sign_smoothness import U_UPPER

    tables = dict(cfg["problem"])
    d = float(tables["grid"]["step"])
    rp = resolve(cfg["penalty"], U=U_UPPER, d=d)
    tables["penalty"] = {"a": rp.penalty.a, "lam": rp.penalty.lam}
    return problem_from_config(tables), rp


def _terms(result: Any, **numbers: Any) -> dict[str, float]:
    """The bound's named terms (``Result.terms``; they sum to its value)."""
    return {label: _f(v) for label, v in result.terms(**numbers).items()}


def _skip_reason(cfg: dict[str, Any], limits: dict[str, float]) -> str | None:
    data = cfg["problem"]["data"]
    p, n, s = int(data["p"]), int(data["n"]), int(data.get("teacher_nonzeros", 0))
    if s > p:
        return f"s* = {s} > p = {p}"
    if n * p > limits["max_np"]:
        return f"n p = {n * p:.3g} int8 signs over limits.max_np = {limits['max_np']:.3g}"
    return None


def visited_points(res: "QCDResult") -> np.ndarray:
    """Every point a Q-CD run visited, in order: the start, then the codes after each accepted move."""
    codes = res.start_codes.copy()
    out = [codes.copy()]
    for t in res.trace:
        codes[t["j"]] += t["direction"]
        out.append(codes.copy())
    return np.array(out)


def l1_on_points(pb: "SignProblem", points: np.ndarray, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """L1 at each point (rows of codes): the exact deviation |L_n - L| and the radius D(||beta||_0)."""
    from qtheory.theory import deviation_radius

    dev = np.abs(np.asarray(pb.empirical_risk(points)) - np.asarray(pb.population_risk(points)))
    D = np.asarray(deviation_radius(np.count_nonzero(points, axis=1), B=float(pb.loss.B), n=pb.n, p=pb.p,
                                    Qsize=2 * pb.family.K + 1, delta=delta), dtype=float)
    return dev, D


def _measure(pb: "SignProblem", codes: np.ndarray, *, L_star: float, F_star: float, Ln_lower: float, Ln_lower_kind: str,
             nu: float, local: bool, l2_ok: bool, delta: float) -> dict[str, Any]:
    from qtheory.experiments.measure import kl_excess_bound
    from qtheory.theory import A, A0, B, V1, V4, deviation_radius

    num = {"B": float(pb.loss.B), "n": int(pb.n), "p": int(pb.p), "Qsize": 2 * pb.family.K + 1, "delta": float(delta)}
    pen = {"a": pb.penalty.a, "lam": pb.penalty.lam, "d": pb.step}
    s = max(1, pb.family.s_star)
    Ln, L = float(pb.empirical_risk(codes)), float(pb.population_risk(codes))
    F = Ln + float(pb.penalty_value(codes))
    nnz = int(np.count_nonzero(codes))
    excess = L - L_star
    gamma_ln = max(0.0, Ln - Ln_lower)
    gamma_ref = max(0.0, F - F_star)
    bounds: dict[str, Any] = {"A0": _f(A0.evaluate(Gamma=gamma_ln, **num)), "trivial": num["B"] - L_star}
    terms: dict[str, dict[str, float]] = {"A0": _terms(A0, Gamma=gamma_ln, **num)}
    for result in (V1, V4):  # Q = {m d : |m| <= K} contains 0, as V4's exact count needs
        bounds[result.name], terms[result.name], _ = kl_excess_bound(result, Ln, nnz, num, L_star)
    at = dict(s=s, eps=0.0, Gamma=gamma_ref, **num, **pen)
    if A.check(s=s, p=num["p"], **pen)["d <= a*lam"]:
        bounds["A"], terms["A"] = _f(A.evaluate(**at)), _terms(A, **at)
    if local and l2_ok:
        bounds["B"], terms["B"] = _f(B.evaluate(**at)), _terms(B, **at)
    D = _f(deviation_radius(nnz, **num))
    return {"nnz": nnz, "Ln": Ln, "L": L, "F": F, "excess": excess, "gamma_Ln": gamma_ln,
            "Ln_lower": Ln_lower_kind, "gamma_ref": gamma_ref, "bounds": bounds, "terms": terms,
            "violated": {k: bool(excess > v) for k, v in bounds.items() if k != "trivial"},
            "L1": {"dev": abs(Ln - L), "D": D, "held": bool(abs(Ln - L) <= D)}}


def run_scale_cell(cell: Cell, *, version: int) -> dict[str, Any]:
    """The record of one scale cell (module doc), stamped with the record ``version``; deterministic, no times."""
    from qtheory.solve.certify import check_l2_hypotheses
    from qtheory.solve.qcd import qcd
    from qtheory.solve.sign_smoothness import U_UPPER

    cfg = cell.config
    limits = {**DEFAULT_LIMITS, **cfg.get("limits", {})}
    base = {"version": version, "id": cell.id, "config": cfg}
    reason = _skip_reason(cfg, limits)
    if reason is not None:
        return to_jsonable({**base, "skipped": reason})
    pb, rp = build(cfg)
    nu, delta = rp.nu, float(cfg["delta"])
    l2 = check_l2_hypotheses(pb, U_UPPER, nu)
    fam = pb.family
    L_star = pb.L_star()
    F_star = float(pb.objective(fam.teacher, "penalized"))
    n, p = pb.n, pb.p
    instance = {"p": p, "n": n, "s_star": fam.s_star, "K": fam.K, "d": fam.d, "sigma": fam.sigma, "B": pb.loss.B,
                "Qsize": 2 * fam.K + 1, "a": pb.penalty.a, "lam": pb.penalty.lam, "nu": nu, "nu_limit": l2.nu_limit,
                "U_bound": U_UPPER, "L2_hypotheses": l2.holds, "L_star": L_star, "F_star": F_star,
                "teacher_Ln": float(pb.empirical_risk(fam.teacher))}
    runs: dict[str, tuple[np.ndarray, bool, np.ndarray | None, dict]] = {}
    for start in ("zero", "ste"):
        if start == "ste" and n * p > limits["ste_max_np"]:
            continue
        res = qcd(pb, nu, start=start, seed=0)
        runs[f"qcd-{start}"] = (res.codes, bool(res.local and not res.hit_cap), visited_points(res),
                                {"moves": res.moves, "sweeps": res.sweeps, "F0": res.F0,
                                 "start_nnz": int(np.count_nonzero(res.start_codes))})
    Ln_lower, lower_kind = 0.0, "0 (L_n >= 0)"
    if p * math.log(2 * fam.K + 1) + math.log(n) <= math.log(limits["enumerate_max_work"]):  # |Q|^p n <= limit
        from qtheory.solve.enumerate import enumerate_exact

        q = enumerate_exact(pb, progress=False)
        Ln_lower, lower_kind = float(q.Ln_min), "exact min L_n (enumeration)"
        runs["global"] = (q.F_argmin, True, None, {"F_min": q.F_min})  # a global minimizer of F is 0-local
        runs["erm"] = (q.Ln_argmin, False, None, {"Ln_min": q.Ln_min})
    solutions = {}
    for label, (codes, local, visited, info) in runs.items():
        m = _measure(pb, codes, L_star=L_star, F_star=F_star, Ln_lower=Ln_lower, Ln_lower_kind=lower_kind, nu=nu,
                     local=local and label != "erm", l2_ok=l2.all_hold, delta=delta)
        m.update(info, certified_local=bool(local))
        if visited is not None:
            dev, D = l1_on_points(pb, visited, delta)
            m["L1_visited"] = {"points": int(len(visited)), "max_ratio": float(np.max(dev / D)),
                               "held": bool(np.all(dev <= D))}
        solutions[label] = m
    return to_jsonable({**base, "instance": instance, "solutions": solutions})
