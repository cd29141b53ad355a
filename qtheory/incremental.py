"""Incremental evaluation of single-coordinate moves for Q-CD, the certificate and sampled U_Q.

A move changes one parameter beta_j by delta = (new level) - (old level).  Only what it touches is
recomputed:

* a weight W_l[h, i] (or bias b_l[h]) of layer l changes unit h's pre-activation by
  Delta z_h = delta * a^{l-1}_i (delta for a bias; a^{-1} = x);
* output layer (l = L-1; a linear model has only this layer): the outputs change by the rank-1 term
  Delta f = Delta z_h e_h;
* last hidden layer (l = L-2): Delta f = (sigma(z_h + Delta z_h) - sigma(z_h)) V[:, h], rank 1 again, with
  V = W_{L-1} the output weights;
* earlier layers: the new column of layer l is propagated through the later layers.

For a rank-1 change f + u v^T the loss of every candidate that shares v (all weights into one hidden unit,
or all weights of one output unit) is computed from per-sample statistics of the current outputs grouped by
the distinct values w of v, so that one candidate costs O(n x #distinct values) instead of O(n C):

* squared:  sum_k (f_k + u v_k - t_k)^2 = r2 + u (2 r.v + u v.v), r = f - t;
* logistic: logsumexp_k(f_k + u v_k) = M + log sum_w G_w e^{u w},  G_w = sum_{k: v_k = w} e^{f_k - M},
  M = max_k f_k;  minus f_y + u v_y;
* hinge, zero-one: max_{k != y}(f_k + u v_k) = max_w (H_w + u w),  H_w = max_{k != y, v_k = w} f_k
  (exact in floating point: x -> fl(x + c) is nondecreasing).

All of these equal the full re-evaluation up to float round-off (tested).  After an accepted move the state
is recomputed from the changed column downward (unit h's pre-activation from scratch, then the outputs), so
no error accumulates along a run.

Exactness of decisions.  ``decide`` accepts or rejects from the incremental values when the decrease is
farther than ``tol`` (1e-9 (max(1, B) + P_max)) from nu; otherwise, and whenever a zero-one margin lies within
round-off of a tie (``fragile``), it decides on the reference evaluation ``Problem.objective``.  A candidate
whose unit has all outgoing weights exactly zero leaves L_n unchanged bit for bit in the reference too
(``ln_unchanged``), so its reference F needs only the penalty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qtheory.models import activate
from qtheory.problem import Problem

_EXP_SAFE = 600.0  # |u w| above this: the grouped logistic kernel could overflow, use the direct one
_DEEP_CHUNK_BYTES = 32 * 2**20


@dataclass
class Candidates:
    """Scored moves, ordered coordinate by coordinate with s = +1 before s = -1.

    j, direction (+1/-1), new_index (level index after the move), Ln, P, F = Ln + P at the moved point;
    fragile: the zero-one loss has a sample whose margin is within round-off of a tie (decide by reference);
    ln_unchanged: L_n is unchanged bit for bit (the unit's outgoing weights are all zero).
    """

    j: np.ndarray
    direction: np.ndarray
    new_index: np.ndarray
    Ln: np.ndarray
    P: np.ndarray
    F: np.ndarray
    fragile: np.ndarray
    ln_unchanged: np.ndarray

    def __len__(self) -> int:
        return int(self.j.size)


class IncrementalEvaluator:
    """State of the network at the current codes, and fast scoring of one-level moves.

    ``penalty=False`` scores L_n only (P = 0), as assumption S needs.
    Attributes: codes, index (level indices), Ln, P, F (current values), reference_checks (decisions taken
    on the reference evaluation).
    """

    def __init__(self, problem: Problem, codes: np.ndarray, *, penalty: bool = True) -> None:
        self.problem = problem
        net = problem.network
        self.layout = net.layout
        self.L = len(self.layout)
        self.activation = net.activation
        self.loss = problem.loss
        self.B = float(problem.loss.B)
        self.XT = np.ascontiguousarray(problem.train.X.T)  # (d, n)
        self.n = problem.n
        self.C = net.n_outputs
        y = problem.train.y
        if self.C == 1:
            self.y = y.astype(np.float64)
        else:
            self.yi = y.astype(np.int64)
            self.rows = np.arange(self.n)
            self.T = np.eye(self.C)[self.yi]
            self.not_true = ~np.eye(self.C, dtype=bool)[self.yi]
        self.use_penalty = penalty and problem.penalty is not None
        self.level_tables = [g.levels for g in problem.param_grids]
        self.code_tables = [g.codes for g in problem.param_grids]
        self.radices = problem.radices
        self.pen_tables = problem.penalty_tables() if self.use_penalty else None
        p_max = 0.0
        if self.use_penalty:
            p_max = problem.p * float(max(t.max() for t in self.pen_tables))
        self.tol = 1e-9 * (max(1.0, self.B) + p_max)
        # parameter metadata: layer, unit (row), input (column; -1 for a bias), group key
        layer, row, col = (np.empty(problem.p, dtype=np.int64) for _ in range(3))
        for l, lay in enumerate(self.layout):
            w = np.arange(lay.n_out * lay.n_in)
            layer[lay.weight_start : lay.weight_start + w.size] = l
            row[lay.weight_start : lay.weight_start + w.size] = w // lay.n_in
            col[lay.weight_start : lay.weight_start + w.size] = w % lay.n_in
            if lay.bias_start is not None:
                layer[lay.bias_start : lay.bias_start + lay.n_out] = l
                row[lay.bias_start : lay.bias_start + lay.n_out] = np.arange(lay.n_out)
                col[lay.bias_start : lay.bias_start + lay.n_out] = -1
        self.p_layer, self.p_row, self.p_col = layer, row, col
        offsets = np.cumsum([0] + [lay.n_out for lay in self.layout])
        self.group = offsets[layer] + row  # one group per unit of every layer
        self.reference_checks = 0
        self.reset(codes)

    # ------------------------------------------------------------------ state
    def reset(self, codes: np.ndarray) -> None:
        """Recompute the whole state at ``codes``."""
        pb = self.problem
        self.codes = pb.check_codes(codes).copy()
        self.index = pb.indices_from_codes(self.codes).astype(np.int64)
        self.beta = pb.values_from_indices(self.index).astype(np.float64)
        self.W, self.b = [], []
        for lay in self.layout:
            self.W.append(self.beta[lay.weight_start : lay.weight_start + lay.n_out * lay.n_in].reshape(lay.n_out, lay.n_in).copy())
            self.b.append(
                self.beta[lay.bias_start : lay.bias_start + lay.n_out].copy() if lay.bias_start is not None else np.zeros(lay.n_out)
            )
        self.pen_cur = (
            np.array([self.pen_tables[j][t] for j, t in enumerate(self.index.tolist())]) if self.use_penalty else None
        )
        self.ZT: list[np.ndarray] = [None] * self.L  # type: ignore[list-item]
        self.AT: list[np.ndarray] = [None] * self.L  # type: ignore[list-item]
        self._forward_from(0)

    def _input_T(self, l: int) -> np.ndarray:
        return self.XT if l == 0 else self.AT[l - 1]

    def _forward_from(self, l0: int) -> None:
        for l in range(l0, self.L):
            self.ZT[l] = self.W[l] @ self._input_T(l) + self.b[l][:, None]
            if l < self.L - 1:
                self.AT[l] = activate(self.ZT[l], self.activation)
        self._refresh_outputs()

    def _refresh_outputs(self) -> None:
        self.f = np.ascontiguousarray(self.ZT[self.L - 1].T)  # (n, C)
        losses, margin = self._full_losses(self.f)
        self.losses = losses
        self.Ln = float(losses.mean())
        self.P = float(self.pen_cur.sum()) if self.use_penalty else 0.0
        self.F = self.Ln + self.P
        self.tol_margin = 1e-9 * (1.0 + float(np.abs(self.f).max()))
        self.cur_fragile = bool(margin is not None and np.any(np.abs(margin) <= self.tol_margin))
        self._stats: dict = {}
        self._ref: dict = {}

    def apply(self, j: int, new_index: int) -> None:
        """Move coordinate j to level index ``new_index`` and update the state from unit h downward."""
        l, h, i = int(self.p_layer[j]), int(self.p_row[j]), int(self.p_col[j])
        value = float(self.level_tables[j][new_index])
        self.index[j] = new_index
        self.codes[j] = self.code_tables[j][new_index]
        self.beta[j] = value
        if i >= 0:
            self.W[l][h, i] = value
        else:
            self.b[l][h] = value
        if self.use_penalty:
            self.pen_cur[j] = self.pen_tables[j][new_index]
        self.ZT[l][h] = self.W[l][h] @ self._input_T(l) + self.b[l][h]
        if l < self.L - 1:
            self.AT[l][h] = activate(self.ZT[l][h], self.activation)
            for m in range(l + 1, self.L):
                self.ZT[m] = self.W[m] @ self._input_T(m) + self.b[m][:, None]
                if m < self.L - 1:
                    self.AT[m] = activate(self.ZT[m], self.activation)
        self._refresh_outputs()

    # ------------------------------------------------------------------ blocks
    def block(self, order: np.ndarray, pos: int, size: int) -> list[int]:
        """Up to ``size`` consecutive coordinates of ``order`` from ``pos`` that share one group."""
        g = self.group[order[pos]]
        end = pos + 1
        limit = min(len(order), pos + size)
        while end < limit and self.group[order[end]] == g:
            end += 1
        return [int(j) for j in order[pos:end]]

    # ------------------------------------------------------------------ scoring
    def evaluate(self, js: list[int] | np.ndarray) -> Candidates:
        """Score every one-level move of the coordinates ``js`` from the current state."""
        js = [int(j) for j in js]
        cj, cd, cn = [], [], []
        for j in js:
            t = int(self.index[j])
            for s in (1, -1):
                if 0 <= t + s < self.radices[j]:
                    cj.append(j)
                    cd.append(s)
                    cn.append(t + s)
        cj_a = np.array(cj, dtype=np.int64)
        cd_a = np.array(cd, dtype=np.int64)
        cn_a = np.array(cn, dtype=np.int64)
        k = cj_a.size
        Ln = np.empty(k)
        fragile = np.zeros(k, dtype=bool)
        unchanged = np.zeros(k, dtype=bool)
        if k:
            groups = self.group[cj_a]
            for g in np.unique(groups):
                sel = np.flatnonzero(groups == g)
                Ln[sel], fragile[sel], unchanged[sel] = self._score_group(cj_a[sel], cn_a[sel])
        if self.use_penalty and k:
            P = self.P + np.array([self.pen_tables[j][t] for j, t in zip(cj, cn)]) - self.pen_cur[cj_a]
        else:
            P = np.zeros(k)
        return Candidates(cj_a, cd_a, cn_a, Ln, P, Ln + P, fragile, unchanged)

    def _score_group(self, js: np.ndarray, new: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        l, h = int(self.p_layer[js[0]]), int(self.p_row[js[0]])
        delta = np.array([self.level_tables[j][t] for j, t in zip(js.tolist(), new.tolist())]) - self.beta[js]
        cols = self.p_col[js]
        Ain = self._input_T(l)
        dz = delta[:, None] * np.where(cols[:, None] >= 0, Ain[np.maximum(cols, 0)], 1.0)  # (k, n)
        k = js.size
        if l == self.L - 1:
            v = np.zeros(self.C)
            v[h] = 1.0
            losses, margin = self._rank1_losses(dz, v, ("out", h))
            return losses.mean(axis=1), self._fragile(margin, k), np.zeros(k, dtype=bool)
        v = self.W[l + 1][:, h]
        unchanged = np.full(k, bool(np.all(v == 0.0)))
        du = activate(self.ZT[l][h][None, :] + dz, self.activation) - self.AT[l][h][None, :]
        if l == self.L - 2:
            losses, margin = self._rank1_losses(du, v, ("hid", h))
            return losses.mean(axis=1), self._fragile(margin, k), unchanged
        # earlier layer: propagate the new column through the later layers, in chunks of candidates
        width = max(lay.n_out for lay in self.layout)
        step = max(1, _DEEP_CHUNK_BYTES // (8 * self.n * (width + self.C)))
        Ln = np.empty(k)
        fragile = np.zeros(k, dtype=bool)
        for lo in range(0, k, step):
            d = du[lo : lo + step]
            Z = self.ZT[l + 1][None, :, :] + v[None, :, None] * d[:, None, :]  # (c, out, n)
            for m in range(l + 1, self.L - 1):
                A = activate(Z, self.activation)
                Z = np.matmul(self.W[m + 1], A) + self.b[m + 1][None, :, None]
            f = np.swapaxes(Z, 1, 2)  # (c, n, C)
            losses, margin = self._full_losses(f)
            Ln[lo : lo + step] = losses.mean(axis=1)
            fragile[lo : lo + step] = self._fragile(margin, d.shape[0])
        return Ln, fragile, unchanged

    def _fragile(self, margin: np.ndarray | None, k: int) -> np.ndarray:
        if margin is None:
            return np.zeros(k, dtype=bool)
        return np.any(np.abs(margin) <= self.tol_margin, axis=-1)

    # ------------------------------------------------------------------ loss kernels
    def _full_losses(self, f: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Per-sample losses of outputs f (..., n, C) and, for the zero-one loss, the margins."""
        kind, B = self.loss.kind, self.B
        if self.C == 1:
            return self._binary_losses(f[..., 0])
        if kind == "squared":
            return np.minimum(np.sum((f - self.T) ** 2, axis=-1), B), None
        ft = f[..., self.rows, self.yi]
        if kind == "logistic":
            M = f.max(axis=-1, keepdims=True)
            lse = M[..., 0] + np.log(np.exp(f - M).sum(axis=-1))
            return np.minimum(lse - ft, B), None
        best_other = np.where(self.not_true, f, -np.inf).max(axis=-1)
        return self._margin_losses(ft, best_other)

    def _binary_losses(self, f: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        kind, B, y = self.loss.kind, self.B, self.y
        if kind == "squared":
            return np.minimum((f - y) ** 2, B), None
        if kind == "logistic":
            return np.minimum(np.logaddexp(0.0, -y * f), B), None
        if kind == "hinge":
            return np.minimum(np.maximum(0.0, 1.0 - y * f), B), None
        m = y * f
        return (m <= 0).astype(np.float64), m

    def _margin_losses(self, ft: np.ndarray, best_other: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        if self.loss.kind == "hinge":
            return np.minimum(np.maximum(0.0, 1.0 + best_other - ft), self.B), None
        return (ft <= best_other).astype(np.float64), ft - best_other

    def _rank1_losses(self, u: np.ndarray, v: np.ndarray, key: tuple) -> tuple[np.ndarray, np.ndarray | None]:
        """Per-sample losses (k, n) of outputs f + u_c v^T for every row u_c of u (k, n)."""
        if self.C == 1:
            return self._binary_losses(self.f[None, :, 0] + u * v[0])
        kind = self.loss.kind
        st = self._group_stats(key, v)
        if kind == "squared":
            raw = st["r2"][None, :] + u * (2.0 * st["rv"][None, :] + u * st["vv"])
            return np.minimum(np.maximum(raw, 0.0), self.B), None
        ft = st["ft"][None, :] + u * st["vy"][None, :]
        if kind == "logistic":
            if float(np.abs(u).max(initial=0.0)) * st["wmax"] > _EXP_SAFE:
                return self._full_losses(self.f[None, :, :] + u[:, :, None] * v[None, None, :])
            S = np.zeros_like(u)
            for w, G in zip(st["values"], st["G"]):
                S += G[None, :] if w == 0.0 else G[None, :] * np.exp(u * w)
            return np.minimum(st["M"][None, :] + np.log(S) - ft, self.B), None
        other = None
        for w, H in zip(st["values"], st["H"]):
            cand = H[None, :] + u * w if w != 0.0 else np.broadcast_to(H[None, :], u.shape)
            other = cand if other is None else np.maximum(other, cand)
        return self._margin_losses(ft, other)

    def _group_stats(self, key: tuple, v: np.ndarray) -> dict:
        """Statistics of the current outputs for rank-1 changes along v (cached until the next move)."""
        cache_key = (key, v.tobytes())
        if cache_key in self._stats:
            return self._stats[cache_key]
        f, kind = self.f, self.loss.kind
        st: dict = {}
        if kind == "squared":
            r = f - self.T
            st["r2"] = np.sum(r * r, axis=1)
            st["rv"] = r @ v
            st["vv"] = float(v @ v)
        else:
            st["ft"] = f[self.rows, self.yi]
            st["vy"] = v[self.yi]
            values = np.unique(v)
            st["values"] = values.tolist()
            st["wmax"] = float(np.abs(values).max())
            masks = [v == w for w in values]
            if kind == "logistic":
                M = f.max(axis=1)
                E = np.exp(f - M[:, None])
                st["M"] = M
                st["G"] = [E[:, mk].sum(axis=1) for mk in masks]
            else:
                st["H"] = [np.where(self.not_true[:, mk], f[:, mk], -np.inf).max(axis=1) for mk in masks]
        self._stats[cache_key] = st
        return st

    # ------------------------------------------------------------------ decisions
    def needs_reference(self, cands: Candidates, nu: float) -> np.ndarray:
        """Candidates that are not certainly non-violating (decrease not below nu - tol, or fragile)."""
        dec = self.F - cands.F
        return cands.fragile | self.cur_fragile | (dec > nu - self.tol)

    def decide(self, cands: Candidates, c: int, nu: float) -> bool:
        """Whether candidate ``c`` satisfies F(new) < F(current) - nu (reference evaluation near the edge)."""
        dec = self.F - float(cands.F[c])
        if not (cands.fragile[c] or self.cur_fragile or abs(dec - nu) <= self.tol):
            return dec > nu
        self.reference_checks += 1
        j, t = int(cands.j[c]), int(cands.new_index[c])
        new = self.codes.copy()
        new[j] = self.code_tables[j][t]
        F_cur = self._reference_current()
        if cands.ln_unchanged[c]:
            F_new = self._ref["Ln"] + self._reference_penalty(new)
        else:
            F_new = self._reference_F(new)
        return bool(F_new < F_cur - nu)

    def _reference_current(self) -> float:
        if "F" not in self._ref:
            Ln = float(np.atleast_1d(self.problem.empirical_risk(self.codes[None, :]))[0])
            self._ref["Ln"] = Ln
            self._ref["F"] = Ln + self._reference_penalty(self.codes)
        return self._ref["F"]

    def _reference_penalty(self, codes: np.ndarray) -> float:
        if not self.use_penalty:
            return 0.0
        return float(np.atleast_1d(self.problem.penalty_value(codes[None, :]))[0])

    def _reference_F(self, codes: np.ndarray) -> float:
        Ln = np.atleast_1d(self.problem.empirical_risk(codes[None, :]))
        return float(Ln[0] + self._reference_penalty(codes)) if self.use_penalty else float(Ln[0])
