"""Exact quantities by exhaustive enumeration of Q^p (docs/theory.md section 4).

Every code vector of Q_1 x ... x Q_p is scored; from the scores come min and argmin of L_n, of F = L_n + P and
of L (L*_Q), the per-sparsity minima min{L : ||beta||_0 = k} (so beta*_eps and eps for any s), and optionally
the full tables (for U_Q and exact Gamma of many points).

Three scoring paths, all exact up to float64 round-off:

* ``batched`` — the reference: decode a chunk of code vectors, run the network forward on every sample,
  apply the loss.  Works for every model and loss.
* ``structured`` — models with at most one hidden layer (a linear model included).  A hidden unit depends
  only on its own incoming codes, so its activations are computed once per code row of that unit and cached
  (table T_h of shape (|Q|^(in+bias), n)); code vectors are then split into a *front* (first-layer codes,
  selecting one cached activation row per unit) and a *back* (output-layer codes) and the outputs of a whole
  block are one contraction f[m, v, i] = sum_a V[v, a] A[m, a, i].
* ``quadratic`` — squared loss when the clip can never be active on this grid and data (output bounds over
  the grid box, :mod:`qtheory.solve.output_bounds`, show |f(x_i) - y_i|^2 <= B for every code vector and
  sample).  The risk is then a quadratic in the output
  codes v: sum_i w_i (y_i - v.a_i)^2 = v^T G v - 2 v.r + yy with G = sum_i w_i a_i a_i^T and r = sum_i w_i y_i a_i,
  so a block of scores is one matrix product of [vec(G), r, yy] rows with [vec(v v^T), -2 v, 1] rows.  For
  an MLP, G and r of a code row are gathered from Gram blocks precomputed once between the cached rows of
  every pair of hidden units, so the n samples are summed over only once per pair of rows.

Round-off safeguard.  Every point whose fast score lies within a margin ``tol`` of the running minimum is kept
as a candidate and re-scored at the end by the reference evaluation (``Problem.objective``); the reported
argmin is the best candidate under the reference.  For the quadratic path ``tol`` is twice the proven bound
gamma_k * S with gamma_k = k u / (1 - k u), u = 2^-53, k = n + D^2 + D + 3 and
S = (||y||_w + sum_a max|v_a| max ||a_a||_w)^2 >= the sum of absolute values of the terms of the expansion
(Cauchy-Schwarz), the standard bound for a float64 sum of k products.  For the direct paths the score is the
reference formula evaluated in another order; its error is at most about (n + D) u B, and ``tol`` = 1e-9 B
leaves a factor above 10^3.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from qtheory.models import activate
from qtheory.problem import Problem
from qtheory.progress import Progress
from qtheory.solve.output_bounds import squared_residual_bound
from qtheory.validation import check_positive_real
from qtheory.solve.solution import Solution

DEFAULT_MAX_SECONDS = 600.0
DEFAULT_MAX_MEMORY = 4 * 2**30
CHUNK_BYTES = 32 * 2**20
MAX_CANDIDATES = 20000
# precompute pairwise Gram blocks of cached hidden rows when they hold at most this many numbers in all
GRAM_BLOCK_ENTRIES = 2_000_000
# effective throughput of the paths (numpy on one core), for the up-front time estimate
_RATE_FLOPS = 4e8


class EnumerationTooLarge(ValueError):
    """The estimated time or memory of an enumeration exceeds the allowed limit."""


# ===================================================================================== results
@dataclass
class ExactQuantities:
    """Exact quantities of a problem over all of Q^p (codes are integer codes; risks are float64).

    ``min_L_by_k[k]`` = min{L(beta) : ||beta||_0 = k} (inf where no code vector has k non-zeros), with
    argmin ``argmin_L_by_k[k]``; likewise for L_n and F.
    """

    problem: Problem
    n_codes: int
    method: str
    seconds: float
    Ln_min: float
    Ln_argmin: np.ndarray
    F_min: float | None = None
    F_argmin: np.ndarray | None = None
    L_star: float | None = None
    L_argmin: np.ndarray | None = None
    min_L_by_k: np.ndarray | None = None
    argmin_L_by_k: np.ndarray | None = None
    min_Ln_by_k: np.ndarray | None = None
    min_F_by_k: np.ndarray | None = None
    near_minimizers: dict[str, int] = field(default_factory=dict)
    tables: dict[str, np.ndarray] = field(default_factory=dict)
    #: best_sparse(s) by s (population quantities only; a copy made with dataclasses.replace starts empty)
    sparse_memo: dict[int, tuple[np.ndarray, float]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def minimizer(self, objective: str) -> tuple[np.ndarray, float]:
        """(argmin, min) of ``empirical`` L_n, ``penalized`` F or ``population`` L."""
        if objective == "empirical":
            return self.Ln_argmin, self.Ln_min
        if objective == "penalized":
            if self.F_min is None:
                raise ValueError("the problem has no [penalty], so F was not enumerated")
            return self.F_argmin, self.F_min
        if objective == "population":
            if self.L_star is None:
                raise ValueError("the problem has no finite population, so L*_Q is not available")
            return self.L_argmin, self.L_star
        raise ValueError(f"objective == {objective!r}, must be 'empirical', 'penalized' or 'population'")

    def best_sparse(self, s: int) -> tuple[np.ndarray, float]:
        """beta*_eps = argmin{L(beta) : ||beta||_0 <= s} and its population risk."""
        if self.min_L_by_k is None:
            raise ValueError("the problem has no finite population, so beta*_eps is not available")
        s = int(s)
        if not 0 <= s <= self.problem.p:
            raise ValueError(f"s == {s}, must be in [0, p] = [0, {self.problem.p}]")
        if s not in self.sparse_memo:
            k = int(np.argmin(self.min_L_by_k[: s + 1]))
            if not np.isfinite(self.min_L_by_k[k]):
                raise ValueError(f"no code vector has at most s = {s} non-zeros (the grid has no zero level)")
            codes = self.argmin_L_by_k[k].copy()
            self.sparse_memo[s] = (codes, float(self.problem.population_risk(codes)))  # the reference evaluation
        codes, risk = self.sparse_memo[s]
        return codes.copy(), risk

    def eps(self, s: int) -> float:
        """eps = L(beta*_eps) - L*_Q >= 0 for sparsity level s.

        Both terms come from the same reference evaluation; two different minimizers with equal risk can still
        differ by float round-off (~1e-17), so the difference is floored at 0, its exact lower bound.
        """
        return max(0.0, self.best_sparse(s)[1] - float(self.L_star))

    def gamma(self, codes: Any, objective: str = "penalized") -> float:
        """Exact gap Gamma = objective(codes) - min objective (>= 0)."""
        return float(self.problem.objective(codes, objective)) - self.minimizer(objective)[1]

    def solution(self, objective: str) -> Solution:
        codes, value = self.minimizer(objective)
        return Solution(
            codes=codes,
            weights=self.problem.values(codes),
            objective=float(value),
            objective_name=objective,
            method=f"enumerate:{self.method}",
            certified=True,
            status="exhaustive",
            info={"n_codes": self.n_codes, "seconds": self.seconds, "near_minimizers": self.near_minimizers.get(objective, 1)},
        )


# ===================================================================================== estimates
@dataclass(frozen=True)
class Estimate:
    n_codes: int
    method: str
    seconds: float
    memory_bytes: int

    def describe(self) -> str:
        return (
            f"{_fmt_count(self.n_codes)} code vectors by the {self.method} path: {_fmt_seconds(self.seconds)} "
            f"and {self.memory_bytes / 2**20:.0f} MiB"
        )


def _fmt_count(n: int) -> str:
    """A count that may exceed the float range, as 3.1e+12 or 10^1149.8."""
    return f"{n:.3g}" if n < 10**300 else f"10^{math.log10(n):.1f}"


def radix_product(radices: np.ndarray) -> str:
    """|Q_1| x ... x |Q_p| written briefly, equal factors as powers: ``5^199999 x 3``."""
    runs: list[list[int]] = []
    for r in np.asarray(radices).tolist():
        if runs and runs[-1][0] == r:
            runs[-1][1] += 1
        else:
            runs.append([r, 1])
    parts = [f"{r}^{c}" if c > 1 else str(r) for r, c in runs]
    return " x ".join(parts) if len(parts) <= 8 else " x ".join(parts[:4] + ["..."] + parts[-3:])


def _fmt_seconds(s: float) -> str:
    if not math.isfinite(s):
        return "more than 1e290 s"
    if s < 120:
        return f"about {s:.2g} s"
    if s < 7200:
        return f"about {s / 60:.3g} min"
    return f"about {s / 3600:.3g} h"


# ===================================================================================== plan
class _Plan:
    """How to split code vectors into front x back and which scoring path to use."""

    def __init__(self, problem: Problem, method: str = "auto") -> None:
        self.problem = problem
        net = problem.network
        radices = problem.radices
        layout = net.layout
        structured_ok = len(layout) <= 2
        if structured_ok and len(layout) == 2:
            unit_sizes = [int(np.prod(radices[layout[0].unit_params(h)])) for h in range(layout[0].n_out)]
            structured_ok = sum(unit_sizes) * problem.n * 8 <= DEFAULT_MAX_MEMORY // 4
        self.quadratic = structured_ok and problem.loss.kind == "squared" and self._clip_inactive()
        if method == "auto":
            method = "quadratic" if self.quadratic else ("structured" if structured_ok and net.n_outputs == 1 else "batched")
        if method == "quadratic" and not self.quadratic:
            raise ValueError("method 'quadratic' needs the squared loss with a provably inactive clip and at most one hidden layer")
        if method == "structured" and not (structured_ok and net.n_outputs == 1):
            raise ValueError("method 'structured' needs at most one hidden layer and one output")
        self.method = method
        p = problem.p
        if method == "batched":
            self.front_params = list(range(p))
            self.back_groups: list[list[int]] = []
        else:
            out_layer = layout[-1]
            self.front_params = [j for h in range(layout[0].n_out) for j in layout[0].unit_params(h)] if len(layout) == 2 else []
            self.back_groups = [out_layer.unit_params(o) for o in range(out_layer.n_out)]
        self.back_params = [j for g in self.back_groups for j in g]
        self.perm = np.array(self.front_params + self.back_params, dtype=np.int64)
        self.front_radices = radices[self.front_params] if self.front_params else np.zeros(0, dtype=np.int64)
        self.back_radices = radices[self.back_params] if self.back_params else np.zeros(0, dtype=np.int64)
        self.NF = int(np.prod(self.front_radices, dtype=object)) if self.front_params else 1
        self.NV = int(np.prod(self.back_radices, dtype=object)) if self.back_params else 1
        self.D = (layout[-1].n_in + (1 if net.bias else 0)) if method != "batched" else 0

    def _clip_inactive(self) -> bool:
        """Whether |f(x_i) - y_i|^2 <= B (summed over outputs) for every code vector and every sample."""
        pb = self.problem
        return all(
            # the relative margin 1e-12 absorbs the round-off of the bound itself
            np.all(squared_residual_bound(pb.network, pb.param_grids, data.X, data.y) <= pb.loss.B * (1 - 1e-12))
            for data in [pb.train] + ([pb.population] if pb.population is not None else [])
        )

    def estimate(self, n_datasets: int) -> Estimate:
        pb = self.problem
        n_total = pb.n + (pb.population.N if pb.population is not None and n_datasets > 1 else 0)
        if self.method == "quadratic":
            per_code = (self.D**2 + self.D + 1) * len(self.back_groups) * n_datasets + 20
            per_front = n_total * self.D * (self.D + 4)
            flops = self.NF * self.NV * per_code + self.NF * per_front
        elif self.method == "structured":
            flops = self.NF * self.NV * n_total * (2 * self.D + 8) + 20 * self.NF * self.NV
        else:
            flops = self.NF * n_total * (4 * pb.p + 10 * pb.network.n_outputs + 8)
        seconds = flops / _RATE_FLOPS if flops < 10**300 else math.inf  # |Q|^p can exceed any float
        return Estimate(self.NF * self.NV, self.method, seconds, CHUNK_BYTES * 6)


# ===================================================================================== helpers
def _digits(flat: np.ndarray, radices: np.ndarray) -> np.ndarray:
    """Mixed-radix digits of flat indices (first radix most significant): shape (m, len(radices))."""
    out = np.empty((flat.shape[0], radices.shape[0]), dtype=np.int64)
    rest = flat.astype(np.int64)
    for j in range(radices.shape[0] - 1, -1, -1):
        out[:, j] = rest % radices[j]
        rest = rest // radices[j]
    return out


class _Scorer:
    """Risk sum_i w_i l(beta, z_i) of a block (front chunk x back range) for one data set."""

    def __init__(self, plan: _Plan, X: np.ndarray, y: np.ndarray, w: np.ndarray) -> None:
        self.plan, self.pb = plan, plan.problem
        self.X, self.y, self.w = X, y, w
        net = self.pb.network
        layout = net.layout
        self.tables: list[np.ndarray] = []
        self.unit_radices: list[np.ndarray] = []
        if plan.method != "batched" and len(layout) == 2:
            for h in range(layout[0].n_out):
                params = layout[0].unit_params(h)
                rad = self.pb.radices[params]
                combos = _digits(np.arange(int(np.prod(rad))), rad)
                vals = self.pb.values_from_indices(_full_index(self.pb.p, params, combos))[:, params]
                pre = vals[:, : layout[0].n_in] @ X.T
                if net.bias:
                    pre = pre + vals[:, layout[0].n_in][:, None]
                self.tables.append(activate(pre, net.activation))
                self.unit_radices.append(rad)
        self.gram_blocks: list[list[np.ndarray]] | None = None
        if plan.method == "quadratic":
            targets = y[:, None] if net.n_outputs == 1 else np.eye(net.n_outputs)[y.astype(np.int64)]
            self.targets = targets  # (n, O)
            self.yy = np.einsum("no,n,no->o", targets, w, targets)
            sizes = [t.shape[0] for t in self.tables]
            if self.tables and sum(a * b for a in sizes for b in sizes) <= GRAM_BLOCK_ENTRIES:
                self._precompute_gram_blocks()

    def _precompute_gram_blocks(self) -> None:
        """Gram blocks between the cached rows of every pair of output-layer inputs (hidden units, then the
        constant 1 of a bias): Gb[a][b][c, c'] = sum_i w_i T_a[c, i] T_b[c', i], and r_a = sum_i w_i y_i T_a[c, i].

        G of a code row is then a gather of D^2 numbers instead of a product over the n samples."""
        units = list(self.tables) + ([np.ones((1, self.X.shape[0]))] if self.pb.network.bias else [])
        weighted = [u * self.w for u in units]
        self.gram_blocks = [[wa @ ub.T for ub in units] for wa in weighted]
        self.target_blocks = [wa @ self.targets for wa in weighted]  # (C_a, O)

    def unit_combos(self, front_flat: np.ndarray) -> list[np.ndarray]:
        """For every hidden unit, the index of its cached row (mixed radix of its own codes) per front row."""
        digits = _digits(front_flat, self.plan.front_radices)
        combos, start = [], 0
        for rad in self.unit_radices:
            combo = np.zeros(front_flat.shape[0], dtype=np.int64)
            for j in range(rad.shape[0]):
                combo = combo * rad[j] + digits[:, start + j]
            start += rad.shape[0]
            combos.append(combo)
        return combos

    def front_activations(self, front_flat: np.ndarray) -> np.ndarray:
        """A[m, a, i]: input a of the output layer for front code row m and sample i (ones row for a bias)."""
        net = self.pb.network
        if self.tables:
            A = np.stack([table[c] for table, c in zip(self.tables, self.unit_combos(front_flat))], axis=1)
        else:
            A = np.broadcast_to(self.X.T[None], (front_flat.shape[0],) + self.X.T.shape)
        if net.bias:
            A = np.concatenate([A, np.ones((A.shape[0], 1, A.shape[2]))], axis=1)
        return A

    def back_values(self, group: int, back_flat: np.ndarray) -> np.ndarray:
        """Output-layer values V[v, a] of output unit ``group`` for local back indices."""
        params = self.plan.back_groups[group]
        rad = self.pb.radices[params]
        digits = _digits(back_flat, rad)
        return np.stack([self.pb.param_grids[j].levels[digits[:, t]] for t, j in enumerate(params)], axis=1)

    def score(self, front_flat: np.ndarray, back_lo: int, back_hi: int) -> np.ndarray:
        pb, plan = self.pb, self.plan
        if plan.method == "batched":
            digits = _digits(front_flat, plan.front_radices)
            betas = pb.values_from_indices(digits)
            out = pb.network.forward_batch(betas, self.X)
            return pb.loss.risk(out, self.y, self.w)[:, None]
        if plan.method == "structured":
            A = self.front_activations(front_flat)
            V = self.back_values(0, np.arange(back_lo, back_hi))
            f = np.matmul(V[None], A)  # f[m, v, i] = sum_a V[v, a] A[m, a, i]
            return pb.loss.single_output_losses_inplace(f, self.y) @ self.w
        # quadratic: per output unit o, score_o[m, v] = [vec G, r_o, yy_o][m] . [vec(v v^T), -2 v, 1]
        G, R = self._gram(front_flat)
        mh = G.shape[0]
        G = G.reshape(mh, -1)
        total = None
        n_groups = len(plan.back_groups)
        for o in range(n_groups):
            size_o = int(np.prod(self.pb.radices[plan.back_groups[o]]))
            local = np.arange(back_lo, back_hi) if n_groups == 1 else np.arange(size_o)
            V = self.back_values(o, local)
            mfeat = np.concatenate([G, R[:, :, o], np.full((mh, 1), self.yy[o])], axis=1)
            vfeat = np.concatenate([(V[:, :, None] * V[:, None, :]).reshape(V.shape[0], -1), -2.0 * V, np.ones((V.shape[0], 1))], axis=1)
            s = mfeat @ vfeat.T
            total = s if total is None else (total[..., None] + s.reshape((s.shape[0],) + (1,) * (total.ndim - 1) + (s.shape[1],)))
        return total.reshape(mh, -1)

    def _gram(self, front_flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """G[m] = sum_i w_i a_i a_i^T (m, D, D) and R[m] = sum_i w_i a_i t_i^T (m, D, O) for front rows m."""
        if self.gram_blocks is None:
            A = self.front_activations(front_flat)
            Aw = A * self.w
            return np.einsum("mai,mbi->mab", Aw, A, optimize=True), Aw @ self.targets
        combos = self.unit_combos(front_flat)
        if self.pb.network.bias:
            combos.append(np.zeros(front_flat.shape[0], dtype=np.int64))
        D = len(combos)
        G = np.empty((front_flat.shape[0], D, D))
        for a in range(D):
            for b in range(a, D):
                G[:, a, b] = self.gram_blocks[a][b][combos[a], combos[b]]
                G[:, b, a] = G[:, a, b]
        R = np.stack([self.target_blocks[a][combos[a]] for a in range(D)], axis=1)
        return G, R

    def roundoff_margin(self) -> float:
        B = self.pb.loss.B
        if self.plan.method != "quadratic":
            return 1e-9 * max(1.0, B)
        u = 2.0**-53
        D = self.plan.D
        k = self.w.shape[0] + D * D + D + 3  # samples summed, plus the terms of the expansion
        gamma = k * u / (1 - k * u)
        if self.tables:  # largest weighted norm of each hidden unit's cached rows
            norms = [np.sqrt((t * t) @ self.w).max() for t in self.tables]
            if self.pb.network.bias:
                norms.append(1.0)
        else:  # a linear model: the (fixed) feature columns
            norms = list(np.sqrt((self.front_activations(np.arange(1))[0] ** 2) @ self.w))
        S_total = 0.0
        for o, params in enumerate(self.plan.back_groups):
            vmax = [self.pb.param_grids[j].R for j in params]
            S_total += (math.sqrt(self.yy[o]) + float(np.dot(vmax, norms))) ** 2
        return 2.0 * gamma * S_total + 1e-300


def _full_index(p: int, params: list[int], digits: np.ndarray) -> np.ndarray:
    full = np.zeros((digits.shape[0], p), dtype=np.int64)
    full[:, params] = digits
    return full


# ===================================================================================== tracking
class _MinTracker:
    """Running minimum of one objective with all candidates within ``tol`` of it (engine flat indices)."""

    def __init__(self, tol: float) -> None:
        self.tol = tol
        self.best = math.inf
        self.cand_idx: list[np.ndarray] = []
        self.cand_val: list[np.ndarray] = []
        self.count = 0
        self.truncated = False

    def update(self, flat: np.ndarray, values: np.ndarray) -> None:
        bmin = float(values.min())
        if bmin < self.best:
            self.best = bmin
            keep_i, keep_v = [], []
            for i, v in zip(self.cand_idx, self.cand_val):
                mask = v <= self.best + self.tol
                keep_i.append(i[mask])
                keep_v.append(v[mask])
            self.cand_idx, self.cand_val = keep_i, keep_v
            self.count = sum(len(i) for i in keep_i)
        if bmin <= self.best + self.tol:
            mask = values <= self.best + self.tol
            sel = np.flatnonzero(mask)
            room = MAX_CANDIDATES - self.count
            if sel.size > room:
                self.truncated = True
                # always keep the block's own minimum
                sel = np.union1d(sel[: max(room, 0)], [int(np.argmin(values))])
            self.cand_idx.append(flat[sel])
            self.cand_val.append(values[sel])
            self.count += sel.size

    def candidates(self) -> np.ndarray:
        if not self.cand_idx:
            return np.zeros(0, dtype=np.int64)
        idx = np.concatenate(self.cand_idx)
        val = np.concatenate(self.cand_val)
        return idx[val <= self.best + self.tol]


class _SparsityTracker:
    """min and argmin of one objective for each sparsity level k = 0..p."""

    def __init__(self, p: int) -> None:
        self.best = np.full(p + 1, np.inf)
        self.arg = np.full(p + 1, -1, dtype=np.int64)

    def update(self, flat: np.ndarray, k: np.ndarray, values: np.ndarray) -> None:
        cur = np.full(self.best.shape, np.inf)
        np.minimum.at(cur, k, values)
        for kk in np.flatnonzero(cur < self.best):
            self.best[kk] = cur[kk]
            self.arg[kk] = flat[np.flatnonzero((k == kk) & (values == cur[kk]))[0]]


def _refuse_hopeless(problem: Problem, max_seconds: float) -> None:
    """Refuse at once, in O(p), an enumeration of more than 10^300 code vectors whose count alone exceeds the
    time limit (every code vector costs at least one floating-point operation, so |Q_1| x ... x |Q_p| / rate
    seconds is a lower bound); below 10^300 the detailed estimate of :class:`_Plan` is cheap and says more."""
    radices = problem.radices
    log10_codes = float(np.sum(np.log10(radices.astype(np.float64))))
    if log10_codes > 300 and log10_codes - math.log10(_RATE_FLOPS) > math.log10(max_seconds):
        raise EnumerationTooLarge(
            f"enumeration refused: 10^{log10_codes:.1f} code vectors (|Q_1| x ... x |Q_p| = {radix_product(radices)}) "
            f"take more than 10^{log10_codes - math.log10(_RATE_FLOPS):.1f} s, over the limit max_seconds = "
            f"{max_seconds:g} s"
        )


# ===================================================================================== main entry
def estimate_enumeration(problem: Problem, method: str = "auto") -> Estimate:
    """Time and memory the enumeration of ``problem`` is expected to take (before starting it)."""
    plan = _Plan(problem, method)
    return plan.estimate(2 if problem.population is not None else 1)


def enumerate_exact(
    problem: Problem,
    *,
    method: str = "auto",
    keep_tables: bool = False,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    max_memory_bytes: int = DEFAULT_MAX_MEMORY,
    progress: bool | None = None,
) -> ExactQuantities:
    """Enumerate all of Q^p and return the exact quantities.

    Refuses (``EnumerationTooLarge``) when the up-front estimate of time exceeds ``max_seconds`` or the memory
    (chunks plus, with ``keep_tables``, three float64 tables of |Q|^p entries) exceeds ``max_memory_bytes``;
    the message states the estimate and the limit, and both limits can be raised.  ``progress``: False shows
    nothing, True progress on stderr (:class:`qtheory.progress.Progress`), None (default) progress when the
    estimate exceeds 2 s.
    """
    if method not in ("auto", "batched", "structured", "quadratic"):
        raise ValueError(f"method == {method!r}, must be 'auto', 'batched', 'structured' or 'quadratic'")
    max_seconds = check_positive_real(max_seconds, "max_seconds")
    max_memory_bytes = check_positive_real(max_memory_bytes, "max_memory_bytes")
    pb = problem
    _refuse_hopeless(pb, max_seconds)
    plan = _Plan(pb, method)
    has_pop = pb.population is not None
    est = plan.estimate(2 if has_pop else 1)
    n_tables = 1 + int(has_pop) + int(pb.penalty is not None)
    memory = est.memory_bytes + (8 * est.n_codes * n_tables if keep_tables else 0)
    if est.seconds > max_seconds:
        raise EnumerationTooLarge(
            f"enumeration refused: {est.describe()}, over the limit max_seconds = {max_seconds:g} s "
            f"(|Q_1| x ... x |Q_p| = {radix_product(pb.radices)}); raise max_seconds to run it anyway"
        )
    if memory > max_memory_bytes:
        raise EnumerationTooLarge(
            f"enumeration refused: {_fmt_count(est.n_codes)} code vectors need about {memory / 2**20:.0f} MiB "
            f"({'with' if keep_tables else 'without'} full tables), over the limit max_memory_bytes = "
            f"{max_memory_bytes / 2**20:.0f} MiB; raise it, or do not keep tables"
        )
    t0 = time.perf_counter()
    scorers = {"Ln": _Scorer(plan, pb.train.X, pb.train.y, np.full(pb.n, 1.0 / pb.n))}
    if has_pop:
        scorers["L"] = _Scorer(plan, pb.population.X, pb.population.y, pb.population.weights)
    pen_tables = pb.penalty_tables() if pb.penalty is not None else None

    trackers = {name: _MinTracker(s.roundoff_margin()) for name, s in scorers.items()}
    if pen_tables is not None:
        trackers["F"] = _MinTracker(trackers["Ln"].tol)
    sparse = {name: _SparsityTracker(pb.p) for name in trackers}
    tables = {name: np.empty(est.n_codes, dtype=np.float64) for name in trackers} if keep_tables else {}

    radices = pb.radices
    zero_idx = [g.zero_index if g.zero_index is not None else -1 for g in pb.param_grids]
    nz_front = [np.arange(radices[j]) != zero_idx[j] for j in plan.front_params]
    nz_back = [np.arange(radices[j]) != zero_idx[j] for j in plan.back_params]
    pen_front = [pen_tables[j] for j in plan.front_params] if pen_tables else None
    pen_back = [pen_tables[j] for j in plan.back_params] if pen_tables else None

    bar = _progress(_n_blocks(plan, scorers), progress, est)
    try:
        for front_lo, front_hi, back_lo, back_hi in _blocks(plan, scorers):
            front = np.arange(front_lo, front_hi, dtype=np.int64)
            back = np.arange(back_lo, back_hi, dtype=np.int64)
            fd = _digits(front, plan.front_radices) if plan.front_params else np.zeros((1, 0), dtype=np.int64)
            bd = _digits(back, plan.back_radices) if plan.back_params else np.zeros((1, 0), dtype=np.int64)
            k = (_count(fd, nz_front)[:, None] + _count(bd, nz_back)[None, :]).ravel()
            flat = (front[:, None] * plan.NV + back[None, :]).ravel()
            values = {name: s.score(front, back_lo, back_hi).ravel() for name, s in scorers.items()}
            if pen_tables is not None:
                pen = _sum_lookup(fd, pen_front)[:, None] + _sum_lookup(bd, pen_back)[None, :]
                values["F"] = values["Ln"] + pen.ravel()
            for name, v in values.items():
                trackers[name].update(flat, v)
                sparse[name].update(flat, k, v)
                if keep_tables:
                    tables[name].reshape(plan.NF, plan.NV)[front_lo:front_hi, back_lo:back_hi] = v.reshape(front.size, back.size)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()

    def codes_of(flat_engine: np.ndarray) -> np.ndarray:
        digits = _digits(np.atleast_1d(flat_engine).astype(np.int64), np.concatenate([plan.front_radices, plan.back_radices]))
        index = np.empty_like(digits)
        index[:, plan.perm] = digits
        return pb.codes_from_indices(index)

    objective_of = {"Ln": "empirical", "F": "penalized", "L": "population"}
    result: dict[str, Any] = {}
    near: dict[str, int] = {}
    for name, tr in trackers.items():
        cand = codes_of(tr.candidates())
        exact = np.asarray(pb.objective(cand, objective_of[name]), dtype=np.float64)
        best = int(np.argmin(exact))
        result[name] = (cand[best], float(exact[best]))
        near[objective_of[name]] = int(cand.shape[0]) if not tr.truncated else -int(cand.shape[0])

    canonical_tables = {}
    if keep_tables:
        shape = tuple(int(r) for r in np.concatenate([plan.front_radices, plan.back_radices]))
        inverse = np.argsort(plan.perm)
        for name, tab in tables.items():
            canonical_tables[objective_of[name]] = np.ascontiguousarray(tab.reshape(shape).transpose(inverse))

    def by_k(name: str) -> np.ndarray | None:
        return sparse[name].best.copy() if name in sparse else None

    argmin_L_by_k = None
    if has_pop:
        arg = sparse["L"].arg
        argmin_L_by_k = np.zeros((pb.p + 1, pb.p), dtype=np.int64)
        ok = arg >= 0
        if ok.any():
            argmin_L_by_k[ok] = codes_of(arg[ok])
    return ExactQuantities(
        problem=pb,
        n_codes=est.n_codes,
        method=plan.method,
        seconds=time.perf_counter() - t0,
        Ln_min=result["Ln"][1],
        Ln_argmin=result["Ln"][0],
        F_min=result["F"][1] if "F" in result else None,
        F_argmin=result["F"][0] if "F" in result else None,
        L_star=result["L"][1] if "L" in result else None,
        L_argmin=result["L"][0] if "L" in result else None,
        min_L_by_k=by_k("L"),
        argmin_L_by_k=argmin_L_by_k,
        min_Ln_by_k=by_k("Ln"),
        min_F_by_k=by_k("F"),
        near_minimizers=near,
        tables=canonical_tables,
    )


def _count(digits: np.ndarray, nonzero: list[np.ndarray]) -> np.ndarray:
    out = np.zeros(digits.shape[0], dtype=np.int64)
    for t, nz in enumerate(nonzero):
        out += nz[digits[:, t]]
    return out


def _sum_lookup(digits: np.ndarray, tables: list[np.ndarray]) -> np.ndarray:
    out = np.zeros(digits.shape[0], dtype=np.float64)
    for t, tab in enumerate(tables):
        out += tab[digits[:, t]]
    return out


def _block_sizes(plan: _Plan, scorers: dict[str, _Scorer]) -> tuple[int, int]:
    """(front rows, back columns) of one block of about CHUNK_BYTES of working memory."""
    n_max = max(s.X.shape[0] for s in scorers.values())
    if plan.method == "batched":
        per_front = n_max * (plan.problem.p + 4 * plan.problem.network.n_outputs + 8) * 8
        nb = 1
    else:
        per_back = 8 * (n_max * 3 if plan.method == "structured" else 4)
        nb = plan.NV if len(plan.back_groups) > 1 else max(1, min(plan.NV, CHUNK_BYTES // (per_back * 4)))
        per_front = 8 * (plan.D + 2) * n_max + per_back * nb
    return max(1, min(plan.NF, CHUNK_BYTES // per_front)), nb


def _n_blocks(plan: _Plan, scorers: dict[str, _Scorer]) -> int:
    """How many blocks :func:`_blocks` yields, counted without producing them."""
    mf, nb = _block_sizes(plan, scorers)
    return -(-plan.NF // mf) * -(-plan.NV // nb)


def _blocks(plan: _Plan, scorers: dict[str, _Scorer]) -> Iterator[tuple[int, int, int, int]]:
    """(front_lo, front_hi, back_lo, back_hi) blocks of about CHUNK_BYTES of working memory each, produced one
    at a time (a list of them would outgrow the memory estimate for a large enumeration)."""
    mf, nb = _block_sizes(plan, scorers)
    for f0 in range(0, plan.NF, mf):
        for b0 in range(0, plan.NV, nb):
            yield f0, min(f0 + mf, plan.NF), b0, min(b0 + nb, plan.NV)


def _progress(total: int, progress: bool | None, est: Estimate) -> Progress | None:
    """None: shown when the estimate exceeds 2 s (a bar on a terminal, plain throttled lines otherwise)."""
    if progress is None:
        progress = est.seconds > 2
    if not progress:
        return None
    return Progress(f"enumerating {est.n_codes:.3g} codes", total, unit="blocks")
