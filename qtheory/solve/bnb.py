"""Exact quantized least squares by branch-and-bound (Schnorr-Euchner sphere decoding after QR).

Problem (box-constrained integer least squares over arbitrary sorted levels)::

    min  f(beta) = || b - A beta ||^2      over beta in Q_1 x ... x Q_p,

with A = sqrt(W) X and b = sqrt(W) y for sample weights W = diag(w) (a bias is a column of ones in X with its
own grid).  Each Q_j is any finite sorted set of levels.

Triangular form.  Pick a column order perm (V-BLAST: the column decided first has the largest possible
R_kk, see :func:`vblast_order`) and a ridge mu >= 0 (mu = 0 when n >= p; mu > 0 makes the stacked matrix
[A; sqrt(mu) I] full column rank when n < p).  A thin QR factorization [A; sqrt(mu) I][:, perm] = Q R, with
z = Q^T [b; 0] and r0 = ||[b; 0] - Q z||^2, gives, for every beta (written in the permuted order),

    f(beta) = ||z - R beta||^2 - mu ||beta||^2 + r0
            = sum_{k=0}^{p-1} [ (z_k - sum_{j>=k} R_kj beta_j)^2 + h_k(beta_k) ] + c,          (1)

where h_k(t) = mu (M_k - t^2) >= 0 with M_k = max_{t in Q_k} t^2, and c = r0 - mu sum_k M_k.  Identity (1)
is exact algebra: ||[b;0] - [A; sqrt(mu) I] beta||^2 = f(beta) + mu ||beta||^2, Q has orthonormal columns,
and ||u - Q R beta||^2 = ||Q^T u - R beta||^2 + ||u - Q Q^T u||^2.

Search tree.  The coordinates are fixed from the last position (k = p-1) down to position 0.  A node at depth
k has beta_k, ..., beta_{p-1} fixed; row i of (1) depends only on beta_i..beta_{p-1}, so the rows i >= k are
determined and their sum, the *partial cost*

    P_k(beta_k..beta_{p-1}) = sum_{i >= k} [ (z_i - sum_{j>=i} R_ij beta_j)^2 + h_i(beta_i) ],

is known at the node.

Pruning bound (validity).  For every completion u = (beta_0..beta_{k-1}) of a node,
f(beta) - c = P_k + sum_{i<k} [ (T_i - (R_k u)_i)^2 + h_i(u_i) ] with T = z_{0..k-1} - R_{0..k-1, k..p-1} beta_{k..}
(the node's residual rows) and R_k = R[:k, :k].  As h_i >= 0, the rest is >= ||T - R_k u||^2 >= 0, and two
cheap lower bounds on min over the box of ||T - R_k u||^2 are used (each proven in its method's docstring):
* D_k^int (:meth:`TriangularForm.interval_term`): row i of R_k u lies in an interval [lo_ki, hi_ki] computed
  from the extreme levels, so the row's square is >= dist(T_i, [lo_ki, hi_ki])^2;
* D_k^dual (:meth:`TriangularForm.dual_term`): for any lambda, ||v||^2 >= 2 lambda.v - ||lambda||^2, which
  with the support function of the box gives a bound for every u in the box (tight at the box minimizer).
So every point in the node's subtree has f >= P_k + max(D_k^int, D_k^dual) + c, the node's bound.  A node
whose bound exceeds the value of a known point (the incumbent) contains no better point and is discarded.
The search keeps every node whose bound is <= incumbent + tol, with tol a floating-point round-off margin
(:meth:`TriangularForm.roundoff`), so the true minimizer is never discarded; when the search ends, the
incumbent is a global minimizer (exhaustive search with a valid bound).  :meth:`TriangularForm.lower_bound`
exposes the bound, and the tests check it against the exhaustive minimum of every subtree of random
instances, with equality at the leaves.

Search order.  Depth-first over *batches* of sibling nodes (vectorized in numpy): a batch is expanded one
coordinate at a time, children are sorted by bound (best first, the Schnorr-Euchner order applied to a batch),
and when there are more than ``batch`` children the best chunk continues while the others are pushed on a
stack (worst first, so the next best is popped next).  The last few positions (at most ``max_leaf_table``
completions) are scored all at once per node by one matrix product (their contribution ||t - R' u||^2 expanded as
||t||^2 - 2 t.(R' u) + ||R' u||^2 over the table of all completions u).  The first incumbent is the best of the
box-constrained Babai point and the rounded unconstrained least-squares point, each improved by coordinate
descent (:func:`initial_point`).
"""

from __future__ import annotations

import itertools
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterator, Sequence

import numpy as np

from qtheory.grid import Grid
from qtheory.solve.linear_exact import (
    as_grids,
    check_data,
    check_objective_name,
    check_time_limit,
    finish_solution,
    linear_outputs,
    objective,
)
from qtheory.solve.solution import Solution
from qtheory.solve.solverlog import solver_log_enabled

_EPS = np.finfo(np.float64).eps
DUAL_STEPS = 10  # projected-gradient steps behind the dual bound (speed only; any number keeps it valid)


# ===================================================================================== ordering
def vblast_order(A: np.ndarray) -> np.ndarray:
    """Column order perm for the tree: perm[k] is the column placed at position k.

    Positions are filled from the last (decided first in the search) to the first; position k gets, among
    the columns not yet placed (set S), the one farthest from the span of the other columns of S, i.e. the
    largest R_kk^2 = 1 / [(A_S^T A_S)^{-1}]_jj.  The order affects only the speed, never the result.
    """
    p = A.shape[1]
    G = A.T @ A
    ridge = 1e-12 * max(float(np.trace(G)) / p, 1e-300)
    remaining = list(range(p))
    perm = np.empty(p, dtype=np.int64)
    for k in range(p - 1, -1, -1):
        sub = G[np.ix_(remaining, remaining)] + ridge * np.eye(len(remaining))
        inv_diag = np.diag(np.linalg.inv(sub))
        j = remaining[int(np.argmin(inv_diag))]
        perm[k] = j
        remaining.remove(j)
    return perm


# ===================================================================================== triangular form
@dataclass(frozen=True)
class TriangularForm:
    """The triangular identity (1) of the module docstring for one least-squares problem.

    Attributes are in *position* order: ``perm[k]`` is the original coordinate at position k, ``levels[k]``
    its sorted levels, ``offsets[k]`` the values h_k(level) >= 0.
    """

    R: np.ndarray
    z: np.ndarray
    const: float
    perm: np.ndarray
    levels: tuple[np.ndarray, ...]
    offsets: tuple[np.ndarray, ...]
    mu: float

    @classmethod
    def build(
        cls, A: np.ndarray, b: np.ndarray, levels: Sequence[np.ndarray], mu: float | None = None
    ) -> "TriangularForm":
        """QR of the (ridge-stacked) design in V-BLAST order; ``mu`` None: 0 if n >= p else mean diag(A^T A)."""
        n, p = A.shape
        if mu is None:
            mu = 0.0 if n >= p else max(float(np.mean(np.sum(A * A, axis=0))), 1.0)
        if mu > 0:
            A_st = np.vstack([A, np.sqrt(mu) * np.eye(p)])
            b_st = np.concatenate([b, np.zeros(p)])
        else:
            A_st, b_st = A, b
        perm = vblast_order(A_st)
        Q, R = np.linalg.qr(A_st[:, perm], mode="reduced")
        z = Q.T @ b_st
        resid = b_st - Q @ z
        lev = tuple(np.asarray(levels[j], dtype=np.float64) for j in perm)
        M = [float(np.max(lv * lv)) for lv in lev]
        offs = tuple(mu * (Mk - lv * lv) for Mk, lv in zip(M, lev))
        const = float(resid @ resid) - mu * sum(M)
        return cls(R=R, z=z, const=const, perm=perm, levels=lev, offsets=offs, mu=float(mu))

    @property
    def p(self) -> int:
        return int(self.R.shape[0])

    def roundoff(self) -> float:
        """A margin above the float64 error of a computed bound, used as the pruning slack ``tol``.

        With S_i = |z_i| + sum_j |R_ij| max|Q_j| (>= every |T_i| and |(R u)_i| that occurs), row i of (1) is a
        sum of at most p + 1 products, off by at most gamma_{p+1} S_i (Higham's dot-product bound,
        gamma_m = m u / (1 - m u), u = 2^-53), and its square by about 2 gamma_{p+1} S_i^2.  The dual term
        (:meth:`dual_term`) is a few inner products of length <= p of such quantities, off by at most about
        c p u (sum_i S_i)^2 <= c p^2 u sum_i S_i^2 (Cauchy-Schwarz).  We return 8 (p + 2)^2 u (sum_i S_i^2 +
        max h + |c|), comfortably above both.
        """
        lmax = np.array([np.max(np.abs(lv)) for lv in self.levels])
        S = np.abs(self.z) + np.abs(self.R) @ lmax
        hmax = sum(float(np.max(h)) for h in self.offsets)
        return 8.0 * (self.p + 2) ** 2 * _EPS * (float(S @ S) + hmax + abs(self.const))

    def partial_cost(self, suffix_idx: Sequence[int]) -> float:
        """P_k for the node fixing positions k..p-1 to the level indices ``suffix_idx`` (length p - k)."""
        k = self.p - len(suffix_idx)
        vals = self._suffix_values(suffix_idx)
        rows = self.z[k:] - self.R[k:, k:] @ vals
        offs = sum(self.offsets[k + i][int(t)] for i, t in enumerate(suffix_idx))
        return float(rows @ rows + offs)

    def _suffix_values(self, suffix_idx: Sequence[int]) -> np.ndarray:
        k = self.p - len(suffix_idx)
        return np.array([self.levels[k + i][int(t)] for i, t in enumerate(suffix_idx)], dtype=np.float64)

    # ------------------------------------------------------------------------- the two bounds on the rest
    @cached_property
    def _level_box(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array([lv[0] for lv in self.levels]), np.array([lv[-1] for lv in self.levels])

    @cached_property
    def _row_intervals(self) -> tuple[np.ndarray, np.ndarray]:
        """(lo, hi), each (p + 1, p): at depth k, row i < k of R u over the free positions u_i..u_{k-1}
        lies in [lo[k, i], hi[k, i]] (an interval sum of [min, max] of R_ij t over t in [min Q_j, max Q_j])."""
        p = self.p
        lmin, lmax = self._level_box
        a, b = self.R * lmin[None, :], self.R * lmax[None, :]
        rmin, rmax = np.triu(np.minimum(a, b)), np.triu(np.maximum(a, b))
        lo, hi = np.zeros((p + 1, p)), np.zeros((p + 1, p))
        for k in range(1, p + 1):
            lo[k] = lo[k - 1] + rmin[:, k - 1]
            hi[k] = hi[k - 1] + rmax[:, k - 1]
        return lo, hi

    @cached_property
    def _gradient_steps(self) -> np.ndarray:
        """eta_k = 1 / ||R[:k, :k]||_2^2, the projected-gradient step for depth k."""
        out = np.zeros(self.p + 1)
        for k in range(1, self.p + 1):
            out[k] = 1.0 / max(float(np.linalg.norm(self.R[:k, :k], 2)) ** 2, 1e-300)
        return out

    @cached_property
    def _inverse_transposes(self) -> list[np.ndarray]:
        """(R[:k, :k]^+)^T for each depth k: the continuous solution of R_k u = T is T (R_k^+)^T."""
        return [np.linalg.pinv(self.R[:k, :k]).T for k in range(self.p + 1)]

    def interval_term(self, k: int, T: np.ndarray) -> np.ndarray:
        """D_k^int = sum_{i<k} dist(T_i, [lo_ki, hi_ki])^2 for residual rows T of shape (B, k).

        Row i < k of (1) is (T_i - (R u)_i)^2 with (R u)_i in [lo_ki, hi_ki] for every u in the box, so it is
        at least dist(T_i, [lo_ki, hi_ki])^2, and h_i >= 0: the rest of (1) is >= D_k^int.
        """
        lo, hi = self._row_intervals
        gap = np.maximum(lo[k, :k] - T, 0.0) + np.maximum(T - hi[k, :k], 0.0)
        return np.sum(gap * gap, axis=-1)

    def dual_term(self, k: int, T: np.ndarray, steps: int = DUAL_STEPS) -> np.ndarray:
        """D_k^dual <= min over the box of ||T - R_k u||^2 (R_k = R[:k, :k]), for each row T of (B, k).

        For every vector lambda, ||v||^2 >= 2 lambda.v - ||lambda||^2 (as ||v - lambda||^2 >= 0).  With
        v = T - R_k u and the support function of the box sigma_j(g) = max(g min Q_j, g max Q_j):
            ||T - R_k u||^2 >= 2 lambda.T - ||lambda||^2 - 2 sum_j sigma_j((R_k^T lambda)_j)   for all u in the box,
        since (R_k^T lambda).u <= sum_j sigma_j((R_k^T lambda)_j).  Any lambda gives a valid bound; we take
        lambda = T - R_k u_bar with u_bar the clipped continuous solution improved by ``steps`` projected-gradient
        steps (equality holds when u_bar minimizes ||T - R_k u||^2 over the box, by its KKT conditions).
        The rest of (1) is >= D_k^dual because the h_i are >= 0.
        """
        if k == 0 or T.shape[0] == 0:
            return np.zeros(T.shape[0])
        Rk = self.R[:k, :k]
        lmin, lmax = self._level_box
        lmin, lmax = lmin[:k], lmax[:k]
        u = np.clip(T @ self._inverse_transposes[k], lmin, lmax)
        eta = self._gradient_steps[k]
        for _ in range(steps):
            u = np.clip(u + eta * ((T - u @ Rk.T) @ Rk), lmin, lmax)
        lam = T - u @ Rk.T
        g = lam @ Rk
        sigma = np.maximum(g * lmin, g * lmax)
        return 2.0 * np.sum(lam * T, axis=1) - np.sum(lam * lam, axis=1) - 2.0 * np.sum(sigma, axis=1)

    def node_bounds(self, k: int, cost: np.ndarray, T: np.ndarray, threshold: float = np.inf) -> np.ndarray:
        """Bounds P_k + max(D_k^int, D_k^dual) for nodes at depth k (partial costs ``cost``, residual rows T).

        The dual term is computed only where the interval bound is still <= ``threshold`` (elsewhere the node
        is pruned anyway).
        """
        bnd = cost + self.interval_term(k, T)
        sel = np.flatnonzero(bnd <= threshold)
        if sel.size and k > 0:
            bnd[sel] = np.maximum(bnd[sel], cost[sel] + self.dual_term(k, T[sel]))
        return bnd

    def lower_bound(self, suffix_idx: Sequence[int]) -> float:
        """The pruning bound (P_k + max(D_k^int, D_k^dual)) + c on f over every completion of a node."""
        k = self.p - len(suffix_idx)
        T = self.z[:k] - self.R[:k, k:] @ self._suffix_values(suffix_idx)
        cost = np.array([self.partial_cost(suffix_idx)])
        return float(self.node_bounds(k, cost, T[None, :])[0]) + self.const

    def to_original(self, idx_by_position: np.ndarray) -> np.ndarray:
        """Level indices in the original coordinate order."""
        out = np.empty(self.p, dtype=np.int64)
        out[self.perm] = idx_by_position
        return out

    def to_positions(self, idx_original: np.ndarray) -> np.ndarray:
        return np.asarray(idx_original, dtype=np.int64)[self.perm]


# ===================================================================================== incumbent
def _nearest_level(levels: np.ndarray, x: float) -> int:
    j = int(np.searchsorted(levels, x))
    if j == 0:
        return 0
    if j == levels.size:
        return levels.size - 1
    return j if levels[j] - x < x - levels[j - 1] else j - 1


def babai_point(form: TriangularForm) -> np.ndarray:
    """Box-constrained successive rounding: at each position the level minimizing its own row of (1)."""
    t = form.z.copy()
    idx = np.empty(form.p, dtype=np.int64)
    for k in range(form.p - 1, -1, -1):
        lv = form.levels[k]
        cost = (t[k] - form.R[k, k] * lv) ** 2 + form.offsets[k]
        i = int(np.argmin(cost))
        idx[k] = i
        t[: k + 1] -= form.R[: k + 1, k] * lv[i]
    return form.to_original(idx)


def coordinate_descent(G: np.ndarray, c: np.ndarray, levels: Sequence[np.ndarray], idx: np.ndarray) -> np.ndarray:
    """Improve level indices by exact single-coordinate moves on f(beta) - ||b||^2 = beta^T G beta - 2 c^T beta.

    Moving coordinate j from a to l changes f by (l - a)^2 G_jj + 2 (l - a) (G beta - c)_j; each move takes the
    best level of one coordinate; stops when no move decreases f by more than a round-off margin.
    """
    idx = np.array(idx, dtype=np.int64)
    beta = np.array([levels[j][i] for j, i in enumerate(idx)])
    g = G @ beta - c
    margin = 1e-12 * (1.0 + float(np.abs(G).sum()) + float(np.abs(c).sum()))
    improved = True
    while improved:
        improved = False
        for j in range(len(idx)):
            delta = levels[j] - beta[j]
            change = delta * delta * G[j, j] + 2.0 * delta * g[j]
            i = int(np.argmin(change))
            if change[i] < -margin:
                g += G[:, j] * delta[i]
                beta[j] = levels[j][i]
                idx[j] = i
                improved = True
    return idx


def initial_point(form: TriangularForm, A: np.ndarray, b: np.ndarray, levels: Sequence[np.ndarray]) -> np.ndarray:
    """Best (by exact partial cost) of Babai and rounded least squares, each after coordinate descent."""
    G, c = A.T @ A, A.T @ b
    starts = [babai_point(form)]
    cont = np.linalg.lstsq(A, b, rcond=None)[0]
    starts.append(np.array([_nearest_level(lv, x) for lv, x in zip(levels, cont)], dtype=np.int64))
    best, best_cost = None, np.inf
    for s in starts:
        cand = coordinate_descent(G, c, levels, s)
        cost = form.partial_cost(form.to_positions(cand))
        if cost < best_cost:
            best, best_cost = cand, cost
    return best


# ===================================================================================== search
@dataclass
class SearchResult:
    """Outcome of :func:`branch_and_bound` (level indices in the original coordinate order)."""

    idx: np.ndarray
    value: float
    complete: bool
    lower_bound: float
    nodes: int
    seconds: float
    info: dict[str, Any] = field(default_factory=dict)


def _leaf_table(form: TriangularForm, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For positions 0..m-1: all completions (level indices (N, m)), W = R[:m,:m] u (m, N), s = |W|^2 + h."""
    grids = [range(form.levels[k].size) for k in range(m)]
    idx = np.array(list(itertools.product(*grids)), dtype=np.int64).reshape(-1, m)
    vals = np.stack([form.levels[k][idx[:, k]] for k in range(m)], axis=1) if m else np.zeros((1, 0))
    W = form.R[:m, :m] @ vals.T
    s = np.sum(W * W, axis=0)
    for k in range(m):
        s = s + form.offsets[k][idx[:, k]]
    return idx, W, s


def _leaf_positions(form: TriangularForm, max_leaf_table: int) -> int:
    m, size = 0, 1
    while m < form.p and size * form.levels[m].size <= max_leaf_table:
        size *= form.levels[m].size
        m += 1
    return m


def branch_and_bound(
    form: TriangularForm,
    start_idx: np.ndarray,
    *,
    time_limit: float | None = None,
    batch: int = 4096,
    max_leaf_table: int = 729,
) -> SearchResult:
    """Exhaustive depth-first search with the pruning bound of the module docstring.

    ``start_idx``: level indices (original order) of the first incumbent.  Returns the best point; ``complete``
    is True when the whole tree was searched (the point is then a global minimizer up to the round-off margin
    :meth:`TriangularForm.roundoff`), False on time-out, with ``lower_bound`` a proven lower bound on min f.
    """
    with _one_blas_thread():
        return _search(form, start_idx, time_limit, batch, max_leaf_table)


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """The search makes many small matrix products; a multi-threaded BLAS only adds synchronization to them
    (several times slower on a loaded 2-core machine), so they run on one thread (threadpoolctl, a
    scikit-learn dependency; without it the BLAS setting is left alone)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _search(
    form: TriangularForm, start_idx: np.ndarray, time_limit: float | None, batch: int, max_leaf_table: int
) -> SearchResult:
    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + time_limit
    p = form.p
    R, z = form.R, form.z
    tol = form.roundoff()
    best_pos = form.to_positions(start_idx).copy()
    best = form.partial_cost(best_pos)
    m = _leaf_positions(form, max_leaf_table)
    leaf_idx, leaf_W, leaf_s = _leaf_table(form, m)
    leaf_rows = max(1, (1 << 22) // max(1, leaf_s.size))
    nodes = 0

    # a batch: depth k (positions k..p-1 fixed), exact partial costs P_k (B,), bounds P_k + D_k (B,),
    # T (B, k) = rows 0..k-1 of z - R beta, level-index paths (B, p)
    stack: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = [
        (p, np.zeros(1), np.zeros(1), z[None, :].copy(), np.zeros((1, p), dtype=np.int16))
    ]
    timed_out = False
    report = _Report(form.const) if solver_log_enabled() else None
    while stack:
        k, cost, bnd, T, path = stack.pop()
        while True:
            keep = bnd <= best + tol
            if not np.all(keep):
                cost, bnd, T, path = cost[keep], bnd[keep], T[keep], path[keep]
            if cost.size == 0:
                break
            now = time.perf_counter()
            if report is not None and now >= report.due:
                report(now, nodes, best, min([best, float(np.min(bnd))] + [float(np.min(s[2])) for s in stack]))
            if deadline is not None and now > deadline:
                stack.append((k, cost, bnd, T, path))
                timed_out = True
                break
            if k == m:  # score every completion of positions 0..m-1 at once
                for a in range(0, cost.size, leaf_rows):
                    Tc = T[a : a + leaf_rows]
                    full = (cost[a : a + leaf_rows] + np.sum(Tc * Tc, axis=1))[:, None] - 2.0 * (Tc @ leaf_W)
                    full += leaf_s[None, :]
                    nodes += full.size
                    r, col = np.unravel_index(int(np.argmin(full)), full.shape)
                    if full[r, col] < best:
                        best = float(full[r, col])
                        best_pos = path[a + r].astype(np.int64)
                        best_pos[:m] = leaf_idx[col]
                break
            # expand position j = k - 1: exact partial costs, then the box term of the remaining rows
            j = k - 1
            lv = form.levels[j]
            e = T[:, j][:, None] - R[j, j] * lv[None, :]
            child = cost[:, None] + e * e + form.offsets[j][None, :]
            nodes += child.size
            parent, level = np.nonzero(child <= best + tol)
            ccost = child[parent, level]
            T = T[parent, :j] - R[:j, j][None, :] * lv[level][:, None]
            cbnd = form.node_bounds(j, ccost, T, best + tol)
            keep = cbnd <= best + tol
            order = np.flatnonzero(keep)
            order = order[np.argsort(cbnd[order], kind="stable")]
            cost, bnd, T = ccost[order], cbnd[order], T[order]
            path = path[parent[order]]
            path[:, j] = level[order]
            k = j
            if cost.size > batch:
                for a in range(((cost.size - 1) // batch) * batch, 0, -batch):
                    stack.append((k, cost[a : a + batch], bnd[a : a + batch], T[a : a + batch], path[a : a + batch]))
                cost, bnd, T, path = cost[:batch], bnd[:batch], T[:batch], path[:batch]
        if timed_out:
            break

    pending = [float(np.min(s[2])) for s in stack if s[2].size]
    lower = min([best] + pending)
    if report is not None:
        report.close(nodes, best, lower, "time limit" if timed_out else "search complete")
    return SearchResult(
        idx=form.to_original(best_pos),
        value=best + form.const,
        complete=not timed_out,
        lower_bound=lower + form.const - (tol if timed_out else 0.0),
        nodes=nodes,
        seconds=time.perf_counter() - t0,
        info={"leaf_positions": m, "tol": tol, "mu": form.mu},
    )


class _Report:
    """The search's progress on stderr inside ``solver_log``: nodes scored, the incumbent, the proven lower
    bound (the smallest bound of an open node, or the incumbent) and their relative gap, every few seconds."""

    EVERY = 1.0  # seconds between two looks at the open nodes (the lines themselves are throttled by Progress)

    def __init__(self, const: float) -> None:
        from qtheory.progress import Progress

        self.const, self.due = const, time.perf_counter() + self.EVERY
        self.bar = Progress("branch-and-bound", unit="nodes")

    def _note(self, best: float, lower: float) -> str:
        inc, low = best + self.const, lower + self.const
        gap = (inc - low) / max(abs(inc), 1e-300)
        return f"incumbent {inc:.10g}, bound {low:.10g}, gap {100 * max(gap, 0.0):.3g}%"

    def __call__(self, now: float, nodes: int, best: float, lower: float) -> None:
        self.due = now + self.EVERY
        self.bar.advance_to(nodes, self._note(best, lower))

    def close(self, nodes: int, best: float, lower: float, how: str) -> None:
        note = self._note(best, lower)
        self.bar.advance_to(nodes, note)
        self.bar.close(f"{how}; {note}")


# ===================================================================================== public solver
def solve_linear_bnb(
    X: Any,
    y: Any,
    grid: Grid | Sequence[Grid],
    *,
    weights: Any = None,
    bias: bool = False,
    time_limit: float | None = None,
    objective_name: str | None = None,
) -> Solution:
    """Global minimizer of sum_i w_i (y_i - x_i . beta - b)^2 over the grid box, by branch-and-bound.

    Parameters: the d weights, then the bias when ``bias``.  ``certified`` is True when the search finished
    (status "optimal"); on time-out the incumbent is returned with status "time_limit" and a proven lower
    bound in ``info["lower_bound"]``.
    """
    X, y, w = check_data(X, y, weights)
    name = check_objective_name(objective_name, weights)
    time_limit = check_time_limit(time_limit)
    Xa = np.hstack([X, np.ones((X.shape[0], 1))]) if bias else X
    grids = as_grids(grid, Xa.shape[1])
    sw = np.sqrt(w)
    A, b = Xa * sw[:, None], y * sw
    levels = [g.levels for g in grids]
    t0 = time.perf_counter()
    form = TriangularForm.build(A, b, levels)
    start = initial_point(form, A, b, levels)
    left = None if time_limit is None else max(0.0, time_limit - (time.perf_counter() - t0))
    res = branch_and_bound(form, start, time_limit=left)
    return finish_solution(
        res.idx,
        grids,
        lambda beta: float(objective("squared", None, linear_outputs(X, beta, bias), y, w)),
        res.value,
        method="bnb",
        certified=res.complete,
        status="optimal" if res.complete else "time_limit",
        objective_name=name,
        rtol=1e-9,
        scale=float(w @ (y * y)) + float(b @ b),
        info={
            "nodes": res.nodes,
            "seconds": time.perf_counter() - t0,
            "lower_bound": res.lower_bound,
            **res.info,
        },
    )


__all__ = ["TriangularForm", "branch_and_bound", "initial_point", "solve_linear_bnb", "vblast_order"]
