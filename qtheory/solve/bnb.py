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

Pruning bound (validity).  Every term of (1) is >= 0 (a square plus h_i >= 0), so for every completion
beta_0..beta_{k-1} of the node, f(beta) - c = P_k + (sum of the rows i < k) >= P_k.  Hence
min over the node's subtree of f >= P_k + c, and a node whose lower bound P_k + c exceeds the value of a known
point (the incumbent) contains no point better than the incumbent and is discarded.  The search keeps every
node whose bound is <= incumbent + tol, with tol a floating-point round-off margin (see
:meth:`TriangularForm.roundoff`), so the true minimizer is never discarded; when the search ends, the
incumbent is a global minimizer (exhaustive search with a valid bound).  :meth:`TriangularForm.lower_bound`
exposes the bound, and the tests check it against the exhaustive minimum of random subtrees.

Search order.  Depth-first over *batches* of sibling nodes (vectorized in numpy): a batch is expanded one
coordinate at a time, children are sorted by partial cost (best first, the Schnorr-Euchner order applied to a
batch), and when there are more than ``batch`` children the best chunk continues while the others are pushed
on a stack (worst first, so the next best is popped next).  The last ``leaf_block`` positions are scored all
at once per node by one matrix product (their contribution ||t - R' u||^2 expanded as
||t||^2 - 2 t.(R' u) + ||R' u||^2 over the table of all completions u).  The first incumbent is the best of the
box-constrained Babai point and the rounded unconstrained least-squares point, each improved by coordinate
descent (:func:`initial_point`).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

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

_EPS = np.finfo(np.float64).eps


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
    def build(cls, A: np.ndarray, b: np.ndarray, levels: Sequence[np.ndarray], mu: float | None = None) -> "TriangularForm":
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
        """A margin above the float64 error of a partial cost, used as the pruning slack ``tol``.

        Row i of (1) is evaluated as a sum of at most p + 1 products; with S_i = |z_i| + sum_j |R_ij| max|Q_j|
        its error is at most gamma_{p+1} S_i (Higham's dot-product bound, gamma_m = m u / (1 - m u)), so the
        squared row is off by at most about 2 gamma_{p+1} S_i^2, and a partial cost by the sum over rows plus
        p additions.  We return 8 (p + 2) u sum_i S_i^2 (plus the h terms), a factor > 2 above that bound.
        """
        lmax = np.array([np.max(np.abs(lv)) for lv in self.levels])
        S = np.abs(self.z) + np.abs(self.R) @ lmax
        hmax = sum(float(np.max(h)) for h in self.offsets)
        return 8.0 * (self.p + 2) * _EPS * (float(S @ S) + hmax + abs(self.const))

    def position_values(self, idx: np.ndarray) -> np.ndarray:
        """Level values at each position from level indices (position order)."""
        return np.array([self.levels[k][int(i)] for k, i in enumerate(idx)])

    def partial_cost(self, suffix_idx: Sequence[int]) -> float:
        """P_k for the node fixing positions k..p-1 to the level indices ``suffix_idx`` (length p - k)."""
        k = self.p - len(suffix_idx)
        vals = np.array([self.levels[k + i][int(t)] for i, t in enumerate(suffix_idx)])
        rows = self.z[k:] - self.R[k:, k:] @ vals
        offs = sum(self.offsets[k + i][int(t)] for i, t in enumerate(suffix_idx))
        return float(rows @ rows + offs)

    def lower_bound(self, suffix_idx: Sequence[int]) -> float:
        """Lower bound P_k + c on f over every completion of the node (exact at a leaf)."""
        return self.partial_cost(suffix_idx) + self.const

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

    # a batch: (depth k, costs (B,), T (B, k) = rows 0..k-1 of z - R beta with positions >= k fixed, path (B, p))
    stack: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = [
        (p, np.zeros(1), z[None, :].copy(), np.zeros((1, p), dtype=np.int16))
    ]
    timed_out = False
    while stack:
        k, cost, T, path = stack.pop()
        while True:
            keep = cost <= best + tol
            if not np.all(keep):
                cost, T, path = cost[keep], T[keep], path[keep]
            if cost.size == 0:
                break
            if deadline is not None and time.perf_counter() > deadline:
                stack.append((k, cost, T, path))
                timed_out = True
                break
            if k == m:  # score every completion of positions 0..m-1 at once
                for lo in range(0, cost.size, leaf_rows):
                    Tc = T[lo : lo + leaf_rows]
                    full = (cost[lo : lo + leaf_rows] + np.sum(Tc * Tc, axis=1))[:, None] - 2.0 * (Tc @ leaf_W)
                    full += leaf_s[None, :]
                    nodes += full.size
                    r, col = np.unravel_index(int(np.argmin(full)), full.shape)
                    if full[r, col] < best:
                        best = float(full[r, col])
                        best_pos = path[lo + r].astype(np.int64)
                        best_pos[:m] = leaf_idx[col]
                break
            # expand position k - 1
            j = k - 1
            lv = form.levels[j]
            e = T[:, j][:, None] - R[j, j] * lv[None, :]
            child = cost[:, None] + e * e + form.offsets[j][None, :]
            nodes += child.size
            parent, level = np.nonzero(child <= best + tol)
            if parent.size == 0:
                break
            ccost = child[parent, level]
            order = np.argsort(ccost, kind="stable")
            parent, level, ccost = parent[order], level[order], ccost[order]
            T = T[parent, :j] - R[:j, j][None, :] * lv[level][:, None]
            path = path[parent]
            path[:, j] = level
            cost, k = ccost, j
            if cost.size > batch:
                for lo in range(((cost.size - 1) // batch) * batch, 0, -batch):
                    stack.append((k, cost[lo : lo + batch], T[lo : lo + batch], path[lo : lo + batch]))
                cost, T, path = cost[:batch], T[:batch], path[:batch]
        if timed_out:
            break

    lower = best if not stack else min(best, min(float(np.min(s[1])) for s in stack if s[1].size))
    return SearchResult(
        idx=form.to_original(best_pos),
        value=best + form.const,
        complete=not timed_out,
        lower_bound=lower + form.const - (tol if timed_out else 0.0),
        nodes=nodes,
        seconds=time.perf_counter() - t0,
        info={"leaf_positions": m, "tol": tol, "mu": form.mu},
    )


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
    res = branch_and_bound(form, start, time_limit=None if time_limit is None else max(0.0, time_limit - (time.perf_counter() - t0)))
    codes = np.array([g.code_at(i) for g, i in zip(grids, res.idx)], dtype=np.int64)
    return finish_solution(
        codes,
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
