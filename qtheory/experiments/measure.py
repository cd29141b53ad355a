"""What a cell measures at one solution beta^ (integer codes), every formula taken from ``qtheory.theory``.

On an enumerable problem (exact quantities known):

* realized excess risk L(beta^) - L*_Q, ||beta^||_0, L_n(beta^), F(beta^);
* Gamma in three senses: Gamma_Ln = L_n(beta^) - min L_n (the gap of A0), Gamma_F = F(beta^) - min F (the
  suboptimality gap), and for A and B the smallest valid Gamma, max(0, F(beta^) - F(beta*_eps));
* every applicable bound on the excess risk: A0 (always), A (penalty with d <= a lam), B (beta^ certified
  nu-local and L2's hypotheses met), V1 (B x kl^{-1}(L_n/B, c) - L*_Q: V1 bounds L/B for the loss divided by
  B) and V4 (the same with the exact count, when every grid contains 0); with ``s = "best"`` A and B are evaluated at every s = 1..p and the smallest value is kept (valid: the
  proofs use only L1's event, which holds for every s at once);
* tightness = bound / realized excess (None when the excess is 0), and whether the bound was violated;
* the budget of every bound: its named terms from ``Result.terms`` (they sum to the bound's value);
* with an oracle radius (:mod:`qtheory.experiments.oracle`): the oracle version of A0, A and B (the same
  argument with the oracle radius in place of D, ``qtheory.theory.oracle``), and the split of the looseness
  bound / excess = (bound / oracle bound) x (oracle bound / excess);
* B's sparsity bound ||beta^||_0 <= 2T/c_Q + A/c_Q^2 and L2's threshold |beta^_j| = 0 or > a lam - d.

Instance-level facts (L1's event on the sample: dev(k) <= D(k) for every k; A0's dense event) are measured
once per instance by :func:`instance_facts`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qtheory.experiments.instance import Instance

#: an excess risk at most this times B in absolute value is round-off (L and L*_Q summed in another order):
#: it is recorded as 0, and the tightness is then undefined
EXCESS_RTOL = 1e-12
#: relative round-off allowance when a |beta_j| is compared with L2's threshold a lam - d (ties count as
#: violations: L2 claims |beta_j| > a lam - d strictly)
THRESHOLD_RTOL = 1e-9


def _f(x: Any) -> float:
    return float(np.asarray(x))


def _common_numbers(inst: Instance, delta: float) -> dict[str, Any]:
    pb = inst.problem
    return {"B": float(pb.loss.B), "n": int(pb.n), "p": int(pb.p), "Qsize": int(pb.Qsize), "delta": float(delta)}


# ================================================================================ instance facts
def instance_facts(inst: Instance, delta: float, M: int, oracle: Any = None) -> dict[str, Any]:
    """Numbers shared by every cell of an instance (JSON-able); with ``oracle``, the oracle radii O(k),
    O_dense and the ratios D(k)/O(k), D_dense/O_dense (what concentration and the union bound cost)."""
    from qtheory.theory import dense_radius, deviation_radius

    pb = inst.problem
    num = _common_numbers(inst, delta)
    out: dict[str, Any] = {**num, "M": int(M), "d": inst.step, "K": int(max(g.K for g in pb.param_grids))}
    if inst.resolved is not None:
        out.update(a=inst.resolved.penalty.a, lam=inst.resolved.penalty.lam, nu=inst.resolved.nu,
                   nu_limit=inst.resolved.nu_limit)
    base = inst.base
    ks = np.arange(pb.p + 1)
    D = np.asarray(deviation_radius(ks, **num), dtype=float)
    D_dense = _f(dense_radius(**num))
    finite = np.isfinite(base.dev_by_k)
    out.update(
        L_star=base.L_star, Ln_min=base.Ln_min, U=base.U, F_min=inst.F_min, enumeration=base.method,
        n_codes=base.n_codes, eps_by_s=_eps_by_s(inst)[1].tolist(),
        L1={
            "dev_by_k": [float(x) if np.isfinite(x) else None for x in base.dev_by_k],
            "D_by_k": D.tolist(),
            "held": bool(np.all(base.dev_by_k[finite] <= D[finite])),
            "worst_ratio": float(np.max(base.dev_by_k[finite] / D[finite])),
        },
        dense_event={"max_dev": float(np.max(base.dev_by_k[finite])), "D_dense": D_dense,
                     "held": bool(np.max(base.dev_by_k[finite]) <= D_dense)},
    )
    if oracle is not None:
        ok = np.isfinite(oracle.by_k) & (oracle.by_k > 0)
        out["oracle"] = {**oracle.to_json(),
                         "radius_ratio_by_k": [float(D[k] / oracle.by_k[k]) if ok[k] else None for k in ks],
                         "dense_ratio": D_dense / oracle.dense if oracle.dense > 0 else None}
    return out


def kl_excess_bound(result: Any, Ln: float, nnz: int, num: dict[str, Any], L_star: float, M: int = 1
                    ) -> tuple[float, dict[str, float], float]:
    """A kl certificate (``result`` V1 or V4) for the loss divided by B, as an excess bound:
    B kl^{-1}(L_n/B, c) - L*_Q, its terms (B L_n/B, B times the kl gap, -L*_Q; they sum to it) and the risk
    bound B kl^{-1}(L_n/B, c).  ``num``: B, n, p, Qsize, delta."""
    at = dict(Ln=min(1.0, Ln / num["B"]), k=nnz, n=num["n"], p=num["p"], Qsize=num["Qsize"], delta=num["delta"], M=M)
    risk_bound = num["B"] * _f(result.evaluate(**at))
    terms = {label: num["B"] * _f(v) for label, v in result.terms(**at).items()}
    terms["-L*_Q"] = -L_star
    return risk_bound - L_star, terms, risk_bound


def v1_excess_bound(Ln: float, nnz: int, num: dict[str, Any], L_star: float, M: int = 1
                    ) -> tuple[float, dict[str, float], float]:
    """V1 as an excess bound (:func:`kl_excess_bound`)."""
    from qtheory.theory import V1

    return kl_excess_bound(V1, Ln, nnz, num, L_star, M)


# ================================================================================ exact problems
def _bound_entry(value: float, excess: float, *, violated: bool, tol: float, terms: dict[str, Any] | None = None,
                 **extra: Any) -> dict[str, Any]:
    tight = value / excess if excess > tol else None
    out = {"value": float(value), "tightness": tight, "violated": bool(violated), **extra}
    if terms is not None:
        out["terms"] = {label: _f(v) for label, v in terms.items()}
    return out


def _at(terms: dict[str, Any], i: int) -> dict[str, float]:
    """Entry i of every (array) term."""
    return {label: float(np.asarray(v, dtype=float).reshape(-1)[i] if np.ndim(v) else v) for label, v in terms.items()}


def _oracle_entry(entry: dict[str, Any], oracle_terms: dict[str, float], excess: float, tol: float,
                  **extra: Any) -> None:
    """Attach the oracle bound (its terms, value) and the two factors of the looseness to a bound entry."""
    value = float(sum(oracle_terms.values()))
    entry["oracle"] = {
        "value": value, "terms": oracle_terms, **extra,
        "union_factor": entry["value"] / value if value > 0 else None,
        "argument_factor": value / excess if excess > tol else None,
    }


def _eps_by_s(inst: Instance) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """s = 1..p, eps(s) = L(beta*_eps) - L*_Q with beta*_eps = argmin{L : ||beta||_0 <= s}, and the k it has."""
    base = inst.base
    s = np.arange(1, inst.problem.p + 1)
    best_k = [int(np.argmin(base.min_L_by_k[: k + 1])) for k in s]
    eps = np.array([max(0.0, float(base.min_L_by_k[k]) - base.L_star) for k in best_k])
    return s, eps, best_k


def _references(inst: Instance) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """s = 1..p, eps(s) and F(beta*_eps) (None without a penalty)."""
    pb = inst.problem
    s, eps, best_k = _eps_by_s(inst)
    refs = inst.base.argmin_L_by_k[best_k]
    F_ref = np.atleast_1d(np.asarray(pb.objective(refs, "penalized"), dtype=float)) if pb.penalty else None
    return s, eps, F_ref


def measure_exact(inst: Instance, codes: np.ndarray, *, delta: float, s_rule: Any, M: int, nu: float,
                  oracle: Any = None, all_bounds: bool = False) -> dict[str, Any]:
    """Every measurement of one solution on an enumerable problem (module docstring); ``oracle`` an
    :class:`qtheory.experiments.oracle.OracleRadii` at this n and delta', or None.  A and B are recorded
    only where their hypotheses hold, unless ``all_bounds`` (then each entry says which hypotheses fail)."""
    from qtheory.solve.certify import certify_local
    from qtheory.theory import A, A0, B, L2, V4
    from qtheory.theory.oracle import argument_terms

    pb, base = inst.problem, inst.base
    codes = pb.check_codes(codes)
    num = _common_numbers(inst, delta)
    Ln = float(pb.empirical_risk(codes))
    L = float(pb.population_risk(codes))
    nnz = int(pb.nonzeros(codes))
    tol = EXCESS_RTOL * num["B"]
    excess = L - base.L_star
    if abs(excess) <= tol:  # L and L*_Q summed in another order: the excess is 0
        excess = 0.0
    gamma_Ln = max(0.0, Ln - base.Ln_min)
    sol: dict[str, Any] = {"codes": [int(c) for c in codes], "nnz": nnz, "Ln": Ln, "L": L, "excess": excess,
                           "gamma_Ln": gamma_Ln}
    bounds: dict[str, Any] = {}
    checks: dict[str, Any] = {}

    a0 = _f(A0.evaluate(Gamma=gamma_Ln, **num))
    a0_terms = A0.terms(Gamma=gamma_Ln, **num)
    bounds["A0"] = _bound_entry(a0, excess, violated=excess > a0, tol=tol, terms=a0_terms, Gamma=gamma_Ln)
    if oracle is not None:
        _oracle_entry(bounds["A0"], argument_terms("A0", _at(a0_terms, 0), radius_dense=oracle.dense), excess, tol)

    v1_excess, v1_terms, risk_bound = v1_excess_bound(Ln, nnz, num, base.L_star, M)
    bounds["V1"] = _bound_entry(v1_excess, excess, violated=L > risk_bound, tol=tol, terms=v1_terms,
                                risk_bound=risk_bound)
    if all(np.any(np.asarray(g.levels) == 0) for g in pb.param_grids):  # V4's count needs 0 in every grid
        v4_excess, v4_terms, v4_risk = kl_excess_bound(V4, Ln, nnz, num, base.L_star, M)
        bounds["V4"] = _bound_entry(v4_excess, excess, violated=L > v4_risk, tol=tol, terms=v4_terms,
                                    risk_bound=v4_risk)

    if pb.penalty is not None and inst.step is not None:
        a, lam, d = pb.penalty.a, pb.penalty.lam, inst.step
        F = Ln + float(pb.penalty_value(codes))
        sol.update(F=F, gamma_F=max(0.0, F - inst.F_min))
        svec, eps, F_ref = _references(inst)
        gam = np.maximum(0.0, F - F_ref)
        pen = {"a": a, "lam": lam, "d": d}
        pick = _pick_s(s_rule, pb.p)

        at = dict(s=svec, eps=eps, Gamma=gam, **num, **pen)
        a_hyp = A.check(s=1, p=num["p"], **pen)
        a_hyp.pop("s <= p")
        if all(a_hyp.values()) or all_bounds:
            bounds["A"] = _penalized_entry(A, "pi_min", at, pick, excess, tol, oracle, a_hyp)

        cert = certify_local(pb, codes, nu)
        hyp = B.check(s=1, p=num["p"], U=base.U, nu=nu, Qsize=num["Qsize"], **pen)
        hyp.pop("s <= p")
        l2_ok = all(hyp.values())
        checks["local"] = bool(cert.local)
        checks["L2_hypotheses"] = {k: bool(v) for k, v in hyp.items()}
        threshold = _f(L2.evaluate(**pen))
        beta = np.abs(pb.values(codes))
        below = int(np.sum((beta > 0) & (beta <= threshold * (1 + THRESHOLD_RTOL))))
        checks["L2"] = {"applicable": bool(l2_ok and cert.local), "threshold": threshold, "below": below,
                        "nonzeros": nnz, "violated": bool(l2_ok and cert.local and below > 0)}
        if (l2_ok and cert.local) or all_bounds:
            b_hyp = {**hyp, "nu-local (certified)": bool(cert.local)}
            bounds["B"] = _penalized_entry(B, "c_Q", at, pick, excess, tol, oracle, b_hyp)
            sparsity = np.asarray(B.evaluate_extra("sparsity_bound", **at), dtype=float)
            j = pick(sparsity)
            checks["B_sparsity"] = {"bound": float(sparsity[j]), "nnz": nnz, "violated": bool(nnz > sparsity[j]),
                                    "applicable": bool(l2_ok and cert.local)}
    return {"solution": sol, "bounds": bounds, "checks": checks}


def _penalized_entry(result: Any, c_name: str, at: dict[str, Any], pick: Any, excess: float, tol: float,
                     oracle: Any, hypotheses: dict[str, bool]) -> dict[str, Any]:
    """A's or B's entry: the bound at every s = 1..p (``at``), the s picked by ``pick``, its terms, whether
    its hypotheses hold, and with ``oracle`` the oracle bound (its own s picked by the same rule)."""
    from qtheory.theory.oracle import argument_terms

    vals = np.asarray(result.evaluate(**at), dtype=float)
    i = pick(vals)
    terms = result.terms(**at)
    svec, eps, gam = at["s"], at["eps"], at["Gamma"]
    entry = _bound_entry(vals[i], excess, violated=excess > vals[i], tol=tol, terms=_at(terms, i),
                         s=int(svec[i]), eps=float(eps[i]), Gamma=float(gam[i]),
                         hypotheses={k: bool(v) for k, v in hypotheses.items()})
    if oracle is not None:
        pen = {x: at[x] for x in ("a", "lam", "d")}
        c = _f(result.evaluate_extra(c_name, **pen))
        per_s = [argument_terms(result.name, _at(terms, j), radius_by_k=oracle.by_k, s=int(sv), c=c)
                 for j, sv in enumerate(svec)]
        j = pick(np.array([sum(t.values()) for t in per_s]))
        _oracle_entry(entry, per_s[j], excess, tol, s=int(svec[j]))
    return entry


def _pick_s(s_rule: Any, p: int):
    """Index of the s to report: the smallest value (``best``), or the given s (capped at p)."""
    if s_rule == "best":
        return lambda vals: int(np.argmin(vals))
    return lambda vals: min(int(s_rule), p) - 1
