"""Worst-case constructions for the claim-level tests: exact failure probabilities of each result of docs/theory.md
at populations where its bound is nearly tight (no tests here).

Every function returns the *exact* probability (binomial sums, no Monte Carlo) that the claim fails on the
construction when the toolkit's bound is multiplied by ``shrink`` (``shrink = 1``: the claim as the toolkit
states it).  The bounds are read from ``qtheory.theory``; only probabilities are computed here.

The *power* of a construction (:func:`power`) is the smallest factor c in [0, 1] such that the bound times c
still passes (failure probability <= delta').  A mutant that lowers the bound by more than the factor 1 - c is
refuted by the construction.

Constructions:

* L1, V1, V2: losses l(beta, z) = z_beta, one independent Bernoulli(mu) bit per point of Q^p (p = 1,
  |Q| = 2K+1): the union bound over the points is then nearly an equality.
* A0: two complementary hypotheses (binary grid, p = 1): l(+1, z) = z, l(-1, z) = 1 - z, z ~ Bernoulli(mu)
  with mu just below 1/2 - (bound)/2.  Empirical risk minimization picks the worse one with the probability
  that the sample mean crosses 1/2 (ties go to the worse point: Gamma = 0 covers every minimizer).
* A, B: one weight, codes m in {-K..K}, l(m, z) = z + (|m|/K)(1 - 2z): the zero code and the codes +-K are
  complementary, L_n is linear in |m| (so its second differences are 0 away from m = 0 and <= 0 there on
  every sample where a non-zero code can win: U_Q <= 0).  The penalty sits on the boundary of a hypothesis:
  a lam = K d (A: K = 1, d = a lam; B: a lam = R).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
from scipy import special, stats

from qtheory.theory import RESULTS, deviation_radius, mcp_penalty
from qtheory.theory.numeric import call


#: mu is taken this far below the value where the excess equals the bound (the failure probability is
#: continuous in mu, so the supremum over mu is the limit from this side)
MU_GAP = 1e-12


def power(fail: Callable[[float], float], delta: float, iters: int = 40) -> float:
    """Smallest c in [0, 1] with fail(c) <= delta (fail nonincreasing in c), by bisection; 1.0 when even
    fail(1) > delta (the claim itself fails)."""
    if fail(1.0) > delta:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(iters):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if fail(mid) <= delta else (mid, hi)
    return hi


# ---------------------------------------------------------------------------------------------- L1, V2
def half_two_sided_tail(n: int, t: np.ndarray) -> np.ndarray:
    """P(|X/n - 1/2| > t) for X ~ Binomial(n, 1/2), exactly (t >= 0)."""
    x = np.floor(n / 2 + n * np.asarray(t, dtype=float))  # X > n/2 + n t  <=>  X >= floor(n/2 + n t) + 1
    return np.minimum(1.0, 2 * stats.binom.sf(x, n, 0.5))


def _log_counts(p: int, K: int) -> np.ndarray:
    """ln #{beta in Q^p with k non-zeros} = ln C(p,k) + k ln(2K), k = 0..p."""
    k = np.arange(p + 1)
    return special.gammaln(p + 1) - special.gammaln(k + 1) - special.gammaln(p - k + 1) + k * np.log(2 * K)


def _union_log(probs: np.ndarray, log_counts: np.ndarray) -> float:
    """P(at least one of independent events), exp(log_counts[k]) events of probability probs[k] each."""
    probs = np.clip(np.asarray(probs, dtype=float), 0.0, 1.0)
    if np.any(probs >= 1.0):
        return 1.0
    live = probs > 0
    if not np.any(live):
        return 0.0
    log_terms = log_counts[live] + np.log(-np.log1p(-probs[live]))  # ln(N_k * -ln(1 - q_k))
    with np.errstate(over="ignore"):
        return float(-np.expm1(-np.exp(special.logsumexp(log_terms))))


def _bits_failure(radii: np.ndarray, n: int, p: int, K: int, shrink: float, copies: int = 1) -> float:
    """Some point of ``copies`` independent copies of Q^p (|Q| = 2K+1, one Bernoulli(1/2) bit per point) has
    |L_n - L| > shrink * radii[||beta||_0]."""
    q = half_two_sided_tail(n, shrink * np.asarray(radii, dtype=float))
    return _union_log(q, _log_counts(p, K) + math.log(copies))


def l1_failure(n: int, K: int, delta: float, shrink: float = 1.0, p: int = 1) -> float:
    """L1's event fails: some beta in Q^p (|Q| = 2K+1) has |L_n - L| > shrink * D(||beta||_0)."""
    radii = deviation_radius(np.arange(p + 1), B=1, n=n, p=p, Qsize=2 * K + 1, delta=delta)
    return _bits_failure(radii, n, p, K, shrink)


def v2_failure(n: int, K: int, delta: float, M: int, shrink: float = 1.0) -> float:
    """V2: M configurations selected among (M independent copies of the L1 construction, p = 1); some point
    of some copy deviates by more than shrink * D_M(||beta||_0), V2's radius with ln M."""
    radii = RESULTS["V2"].evaluate(k=np.array([0, 1]), B=1, n=n, p=1, Qsize=2 * K + 1, delta=delta, M=M)
    return _bits_failure(radii, n, 1, K, shrink, copies=M)


# ---------------------------------------------------------------------------------------------- A0
def a0_failure(n: int, delta: float, Gamma: float = 0.0, shrink: float = 1.0) -> float:
    """sup over mu of P(L(beta~) - L*_Q > shrink * (Gamma + 2 D_dense)) for the complementary pair.

    With z ~ Bernoulli(mu), mu < 1/2: L(+1) = mu, L(-1) = 1 - mu, excess 1 - 2 mu of the worse point, which
    is Gamma-suboptimal iff (1 - X/n) <= X/n + Gamma.  The supremum over mu is at 1 - 2 mu = the bound (from
    above; the tail is continuous in mu).
    """
    bound = shrink * float(RESULTS["A0"].evaluate(Gamma=Gamma, B=1, n=n, p=1, Qsize=2, delta=delta))
    mu = (1 - bound) / 2 - MU_GAP
    if mu <= 0:
        return 0.0
    need = math.ceil(n * (1 - Gamma) / 2 - 1e-9)  # smallest X with 2X >= n (1 - Gamma)
    return float(stats.binom.sf(need - 1, n, mu))


# ---------------------------------------------------------------------------------------------- A, B
def penalized_failure(
    name: str, n: int, K: int, delta: float, cap: float, shrink: float = 1.0, d: float = 1.0,
    reference_pays: bool = False,
) -> tuple[float, dict]:
    """sup over mu of P(claim of A or B fails) on the one-weight construction of the module docstring.

    The penalty: a lam = K d, cap = a lam^2/2 (so a = (K d)^2/(2 cap), lam = K d/a).  Reference beta*_eps = 0
    (||.||_0 = 0 <= s = 1, eps = 0); with ``reference_pays`` the roles swap (l(m, z) = 1 - z + (|m|/K)(2z - 1)):
    the codes +-K are the best points, the reference pays the cap s a lam^2/2 that the bound charges, and the
    zero code is the bad one.  On the sample with X ones, beta^ is the worst global minimizer of F
    (Gamma = 0; ties to the non-zero code), the claim applies when the result's hypotheses hold (B: U = the
    exact U_Q of that sample, nu = 0, and beta^ is 0-local), and fails when the excess exceeds
    shrink * bound.  Returns (probability, numbers).
    """
    result = RESULTS[name]
    a = (K * d) ** 2 / (2 * cap)
    lam = K * d / a
    m = np.arange(-K, K + 1)
    pen = np.asarray(mcp_penalty(m * d, a, lam), dtype=float)
    num = dict(B=1, n=n, p=1, Qsize=2 * K + 1, delta=delta, s=1, eps=0.0, Gamma=0.0, a=a, lam=lam, d=d)
    bound = shrink * float(result.evaluate(**num))
    mu = (1 - bound) / 2 - MU_GAP  # the excess 1 - 2 mu then exceeds the bound (the supremum is the limit)
    if mu <= 0:
        return 0.0, {"bound": bound}
    sign = -1.0 if reference_pays else 1.0

    def risk(z: np.ndarray) -> np.ndarray:  # l(m, .) averaged: z the mean of the bits
        base = (1 - z) if reference_pays else z
        return base + sign * np.abs(m) / K * (1 - 2 * z)

    L = risk(np.array([[mu]]))[0]
    excess = L - L.min()
    X = np.arange(n + 1)
    Ln = risk((X / n)[:, None])  # one row per sample (X ones)
    F = Ln + pen[None, :]
    # the worst global minimizer of each row: ties (within round-off) go to the larger excess
    ties = F <= F.min(axis=1, keepdims=True) + 1e-15
    hat = np.argmax(np.where(ties, excess[None, :], -np.inf), axis=1)
    fails = excess[hat] > bound
    if name == "B":
        U = (Ln[:, 2:] + Ln[:, :-2] - 2 * Ln[:, 1:-1]).max(axis=1) / d**2  # exact U_Q of each sample
        rows = np.arange(n + 1)
        left = np.where(hat > 0, F[rows, np.maximum(hat - 1, 0)], np.inf)
        right = np.where(hat < 2 * K, F[rows, np.minimum(hat + 1, 2 * K)], np.inf)
        local = (left >= F[rows, hat]) & (right >= F[rows, hat])
        values = {"s": 1, "p": 1, "U": U, "nu": 0.0, "Qsize": 2 * K + 1, "a": a, "lam": lam, "d": d}
        values = {x: np.asarray(v, dtype=float) for x, v in values.items()}
        held = np.ones(n + 1, dtype=bool)
        for rel in result.hypotheses.values():  # each hypothesis, per sample
            held &= np.broadcast_to(call(rel, values) > 0.5, held.shape)
        fails &= local & held
    prob = float(stats.binom.pmf(X[fails], n, mu).sum())
    return prob, {"bound": bound, "a": a, "lam": lam}


# ---------------------------------------------------------------------------------------------- V1
def v1_failure(n: int, K: int, delta: float, mus: np.ndarray, shrink: float = 1.0, M: int = 1,
               name: str = "V1") -> tuple[float, float]:
    """V1 (or V4, ``name``) fails: some beta has L(beta) > L_n + shrink * (kl^{-1}(L_n, c(k)) - L_n),
    Bernoulli(mu) bits independent across the points of Q^1 (|Q| = 2K+1) and across M configurations (V2's
    ln M in c(k)).  Returns (the largest failure probability over ``mus``, the mu attaining it)."""
    q = np.arange(n + 1) / n
    shrunk = []
    for k in (0, 1):
        cert = RESULTS[name].evaluate(Ln=q, k=k, n=n, p=1, Qsize=2 * K + 1, delta=delta, M=M)
        shrunk.append(q + shrink * (np.asarray(cert, dtype=float) - q))
    best, arg = -1.0, float(mus[0])
    for mu in np.asarray(mus, dtype=float):
        pmf = stats.binom.pmf(np.arange(n + 1), n, mu)
        probs = np.array([pmf[sh < mu].sum() for sh in shrunk])
        fail = _union_log(probs, _log_counts(1, K) + math.log(M))
        if fail > best:
            best, arg = fail, float(mu)
    return best, arg
