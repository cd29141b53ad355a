"""The oracle deviation radius of a finite population (``qtheory.theory.oracle``), computed exactly per sample.

For R training samples of size n drawn i.i.d. from the problem's finite population (sample r: the counts
c_r ~ Multinomial(n, w) of the N support points, drawn with ``numpy.random.default_rng([seed, r])``; the
same law as n i.i.d. draws), every point of Q^p is scored exactly:

    L(beta) = sum_j w_j l(beta, z_j),   L_n(beta) = sum_j c_rj l(beta, z_j) / n,

and dev_r(k) = max{|L_n(beta) - L(beta)| : ||beta||_0 = k} is exact for each k = 0..p (no sampling inside Q^p).
The oracle radius O(k) is the empirical (1 - delta') quantile of dev_1(k) .. dev_R(k) (the smallest order
statistic at or above a fraction 1 - delta' of them), O_dense that of max_k dev_r(k).  Only the quantile is
an estimate (of the population's quantile, from R samples); every sup is exact.

Cost: one pass over Q^p x N (forward passes) and a (|Q|^p x N) by (N x R) product per call, in blocks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from qtheory.problem import Problem
from qtheory.validation import check_positive_int, check_probability

#: entries of one block of the (codes x population) loss table
_BLOCK_ENTRIES = 2_000_000
#: refuse populations x grids larger than this (|Q|^p x N loss evaluations)
MAX_EVALUATIONS = 2_000_000_000

_CACHE: dict[tuple, "OracleRadii"] = {}


@dataclass(frozen=True)
class OracleRadii:
    """O(k), k = 0..p (nan where no point of Q^p has k non-zeros), O_dense, and how they were obtained."""

    by_k: np.ndarray
    dense: float
    n: int
    R: int
    delta: float
    seed: int

    def to_json(self) -> dict[str, Any]:
        return {"by_k": [float(x) if np.isfinite(x) else None for x in self.by_k], "dense": self.dense,
                "n": self.n, "R": self.R, "delta": self.delta, "seed": self.seed}


def deviation_samples(problem: Problem, n: int, R: int, seed: int) -> np.ndarray:
    """dev_r(k) for r = 0..R-1 and k = 0..p (shape (R, p+1); -inf where no point has k non-zeros), exact."""
    pop = problem.population
    if pop is None:
        raise ValueError(f"problem {problem.name!r} has no finite population, so the oracle radius is not computable")
    n = check_positive_int(n, "n")
    R = check_positive_int(R, "R")
    total = problem.n_codes * pop.N
    if total > MAX_EVALUATIONS:
        raise ValueError(f"the oracle needs |Q|^p x N = {total:.3g} loss evaluations, over the limit "
                         f"{MAX_EVALUATIONS:.0e}")
    counts = np.stack([np.random.default_rng([seed, r]).multinomial(n, pop.weights) for r in range(R)], axis=1)
    counts = counts.astype(np.float64) / n  # (N, R)
    shape = tuple(int(r) for r in problem.radices)
    out = np.full((R, problem.p + 1), -np.inf)
    block = max(1, _BLOCK_ENTRIES // pop.N)
    for lo in range(0, problem.n_codes, block):
        flat = np.arange(lo, min(problem.n_codes, lo + block))
        index = np.stack(np.unravel_index(flat, shape), axis=-1)
        k = np.count_nonzero(problem.codes_from_indices(index), axis=1)
        betas = problem.values_from_indices(index)
        losses = problem.loss.per_sample(problem.network.forward_batch(betas, pop.X), pop.y)  # (b, N)
        dev = np.abs(losses @ counts - (losses @ pop.weights)[:, None])  # (b, R)
        for kk in np.unique(k):
            out[:, kk] = np.maximum(out[:, kk], dev[k == kk].max(axis=0))
    return out


def oracle_radii(problem: Problem, n: int, *, R: int, delta: float, seed: int = 0) -> OracleRadii:
    """O(k) and O_dense of the problem's population at sample size n (module docstring); cached per process."""
    delta = check_probability(delta, "delta")
    key = (_population_key(problem), int(n), int(R), float(delta), int(seed))
    if key not in _CACHE:
        dev = deviation_samples(problem, n, R, seed)
        present = np.all(np.isfinite(dev), axis=0)
        by_k = np.full(problem.p + 1, np.nan)
        by_k[present] = np.quantile(dev[:, present], 1 - delta, axis=0, method="inverted_cdf")
        dense = float(np.quantile(dev.max(axis=1), 1 - delta, method="inverted_cdf"))
        _CACHE[key] = OracleRadii(by_k=by_k, dense=dense, n=int(n), R=int(R), delta=float(delta), seed=int(seed))
    return _CACHE[key]


def _population_key(problem: Problem) -> str:
    pop = problem.population
    h = hashlib.sha1()
    for arr in (pop.X, pop.y, pop.weights, problem.radices):
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update(repr((problem.network.describe(), [g.describe() for g in problem.param_grids], problem.loss)).encode())
    return h.hexdigest()


__all__ = ["MAX_EVALUATIONS", "OracleRadii", "deviation_samples", "oracle_radii"]
