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
is recomputed from the changed unit downward (unit h's pre-activation from scratch, then the later layers in
full), so no round-off accumulates along a run.

Exactness of decisions.  ``first_accepted`` accepts or rejects a move on the incremental values when its
decrease is farther than ``tol`` = 1e-11 (max(1, B) + P_max) from nu (P_max = p max P_lam; the round-off of
either evaluation is orders of magnitude below, about 1e-15 in tests); otherwise, and whenever a zero-one
margin lies within round-off of a tie (``fragile``), it decides on the reference evaluation
``Problem.objective``.  A candidate
whose unit has all outgoing weights exactly zero leaves L_n unchanged bit for bit in the reference too
(``ln_unchanged``), so its reference F needs only the penalty.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np

from qtheory.models import activate
from qtheory.problem import Problem

_EXP_SAFE = 600.0  # |u w| above this: the grouped logistic kernel could overflow, use the direct one
_DEEP_CHUNK_BYTES = 32 * 2**20
_CHUNK_ELEMENTS = 32768  # candidates x samples per vectorized chunk (stays in cache)
TOL_FACTOR = 1e-11


#: accepted moves updated by rank-1 terms between two full recomputations of the downstream layers
RANK1_REFRESH = 32

def single_thread_blas() -> contextlib.AbstractContextManager:
    """Limit BLAS to one thread while scoring: the products here are small (one unit, or n x width), where
    threads only add synchronization, and oversubscribed BLAS threads slow them down by orders of magnitude."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


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
    Attributes: codes, index (level indices), Ln, P, F (current values), tol (decision margin),
    reference_checks (decisions taken on the reference evaluation).
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
            self.TT = np.ascontiguousarray(self.T.T)
            self.not_trueT = np.ascontiguousarray(self.not_true.T)
        self.use_penalty = penalty and problem.penalty is not None
        layer_of = net.layer_of_param()
        self.layer_of = layer_of
        self.radices = problem.radices
        # flat per-parameter tables: level, code and P_lam of level index t of parameter j at off[j] + t
        grids = problem.layer_grids
        sizes = self.radices
        self.off = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.lev_flat = np.concatenate([grids[l].levels for l in layer_of])
        self.code_flat = np.concatenate([grids[l].codes for l in layer_of])
        self.pen_flat = None
        p_max = 0.0
        if self.use_penalty:  # P_lam at every level, computed once per layer grid
            per_layer = [problem.penalty.elementwise(g.levels) for g in grids]
            self.pen_flat = np.concatenate([per_layer[l] for l in layer_of])
            p_max = problem.p * float(max(t.max() for t in per_layer))
        self.tol = TOL_FACTOR * (max(1.0, self.B) + p_max)
        # parameter metadata: layer, unit (row), input (column; -1 for a bias), group (one per unit)
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
        self.group = offsets[layer] + row
        self._dirs = np.tile(np.array([1, -1], dtype=np.int64), problem.p)
        if self.C > 1:
            self._true_flat = self.yi * self.n + np.arange(self.n)  # fT.flat index of f_{y_i}(x_i)
        self.reference_checks = 0
        self.reset(codes)

    # ------------------------------------------------------------------ state
    def reset(self, codes: np.ndarray) -> None:
        """Recompute the whole state at ``codes`` (validated against each parameter's grid)."""
        codes = np.asarray(codes)
        if codes.shape != (self.problem.p,):
            raise ValueError(f"codes must list p = {self.problem.p} integer codes, got shape {codes.shape}")
        index = np.empty(self.problem.p, dtype=np.int64)
        for l, grid in enumerate(self.problem.layer_grids):
            sel = self.layer_of == l
            index[sel] = grid.index_of(codes[sel], "codes")
        self.index = index
        self.codes = self.code_flat[self.off + index].astype(np.int64)
        self.beta = self.lev_flat[self.off + index].copy()
        self.W, self.b = [], []
        for lay in self.layout:
            self.W.append(self.beta[lay.weight_start : lay.weight_start + lay.n_out * lay.n_in].reshape(lay.n_out, lay.n_in).copy())
            self.b.append(
                self.beta[lay.bias_start : lay.bias_start + lay.n_out].copy() if lay.bias_start is not None else np.zeros(lay.n_out)
            )
        self.pen_cur = self.pen_flat[self.off + index].copy() if self.use_penalty else None
        self._rank1_updates = 0
        self.ZT: list[np.ndarray] = [np.empty(0)] * self.L
        self.AT: list[np.ndarray] = [np.empty(0)] * self.L
        for l in range(self.L):
            self.ZT[l] = self.W[l] @ self._input_T(l) + self.b[l][:, None]
            if l < self.L - 1:
                self.AT[l] = activate(self.ZT[l], self.activation)
        self._refresh_outputs()

    def _input_T(self, l: int) -> np.ndarray:
        return self.XT if l == 0 else self.AT[l - 1]

    def _refresh_outputs(self) -> None:
        self.fT = self.ZT[self.L - 1]  # outputs, (C, n)
        self._stats: dict = {}
        self._ref: dict = {}
        st = self._state = self._state_stats()
        margin = None
        if self.C == 1:
            losses, margin = self._binary_losses(self.fT[0])
        elif self.loss.kind == "squared":
            losses = np.minimum(st["r2"], self.B)
        elif self.loss.kind == "logistic":
            raw = st["base"] + np.log(st["E"].sum(axis=0))
            st["loss_max"] = float(raw.max())
            losses = np.minimum(raw, self.B)
        else:
            losses, margin = self._margin_losses(st["ft"], st["fm"].max(axis=0))
        self.losses = losses
        self.Ln = float(losses.sum()) / self.n
        self.P = float(self.pen_cur.sum()) if self.use_penalty else 0.0
        self.F = self.Ln + self.P
        self.cur_fragile = False
        if margin is not None:  # zero-one loss: margins within round-off of a tie are fragile
            self.tol_margin = 1e-9 * (1.0 + float(np.abs(self.fT).max()))
            self.cur_fragile = bool(np.any(np.abs(margin) <= self.tol_margin))

    def _state_stats(self) -> dict:
        """Per-sample statistics of the current outputs fT (C, n) shared by every rank-1 group."""
        st: dict = {}
        if self.C == 1:
            return st
        fT, kind = self.fT, self.loss.kind
        if kind == "squared":
            r = fT - self.TT
            st["r"] = r
            st["r2"] = np.sum(r * r, axis=0)
            return st
        st["ft"] = np.take(fT, self._true_flat)
        if kind == "logistic":
            M = fT.max(axis=0)
            st["E"] = np.exp(fT - M)
            st["base"] = M - st["ft"]
            st["base_sum"] = float(st["base"].sum())
        else:
            st["fm"] = np.where(self.not_trueT, fT, -np.inf)
        return st

    def apply(self, j: int, new_index: int) -> None:
        """Move coordinate j to level index ``new_index`` and update the state from unit h downward."""
        l, h, i = int(self.p_layer[j]), int(self.p_row[j]), int(self.p_col[j])
        value = float(self.lev_flat[self.off[j] + new_index])
        self.index[j] = new_index
        self.codes[j] = self.code_flat[self.off[j] + new_index]
        self.beta[j] = value
        if i >= 0:
            self.W[l][h, i] = value
        else:
            self.b[l][h] = value
        if self.use_penalty:
            self.pen_cur[j] = self.pen_flat[self.off[j] + new_index]
        self.ZT[l][h] = self.W[l][h] @ self._input_T(l) + self.b[l][h]
        if l < self.L - 1:
            new_act = activate(self.ZT[l][h], self.activation)
            self._rank1_updates += 1
            if self._rank1_updates < RANK1_REFRESH:
                # the next layer changes by the rank-1 term W[l+1][:, h] (a_h,new - a_h,old)
                self.ZT[l + 1] += np.outer(self.W[l + 1][:, h], new_act - self.AT[l][h])
                self.AT[l][h] = new_act
                first_full = l + 2
            else:  # recompute from scratch now and then, so that round-off cannot accumulate
                self._rank1_updates = 0
                self.AT[l][h] = new_act
                first_full = l + 1
            if l + 1 < self.L - 1 and first_full == l + 2:
                self.AT[l + 1] = activate(self.ZT[l + 1], self.activation)
            for m in range(first_full, self.L):
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
    def moves(self, js: list[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(j, direction, new level index) of every one-level move of ``js``, s = +1 before s = -1."""
        js = np.asarray(js, dtype=np.int64).ravel()
        cj = np.repeat(js, 2)
        cd = self._dirs[: cj.size]
        cn = self.index[cj] + cd
        ok = (cn >= 0) & (cn < self.radices[cj])
        if ok.all():
            return cj, cd.copy(), cn
        return cj[ok], cd[ok], cn[ok]

    def evaluate(self, js: list[int] | np.ndarray) -> Candidates:
        """Score every one-level move of the coordinates ``js`` from the current state."""
        cj, cd, cn = self.moves(js)
        k = cj.size
        Ln = np.empty(k)
        fragile = np.zeros(k, dtype=bool)
        unchanged = np.zeros(k, dtype=bool)
        if k:
            groups = self.group[cj]
            if np.all(groups == groups[0]):
                Ln[:], fragile[:], unchanged[:] = self._score_group(cj, cn)
            else:
                for g in np.unique(groups):
                    sel = np.flatnonzero(groups == g)
                    Ln[sel], fragile[sel], unchanged[sel] = self._score_group(cj[sel], cn[sel])
        if self.use_penalty:
            P = self.P + self.pen_flat[self.off[cj] + cn] - self.pen_cur[cj]
        else:
            P = np.zeros(k)
        return Candidates(cj, cd, cn, Ln, P, Ln + P, fragile, unchanged)

    def _score_group(self, js: np.ndarray, new: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(L_n, fragile, ln_unchanged) of the moves (js -> level index ``new``) of one unit's parameters."""
        l, h = int(self.p_layer[js[0]]), int(self.p_row[js[0]])
        delta = self.lev_flat[self.off[js] + new] - self.beta[js]
        cols = self.p_col[js]
        Ain = self._input_T(l)
        k = js.size
        Ln = np.empty(k)
        fragile = np.zeros(k, dtype=bool)
        last = l == self.L - 1
        if last:
            v = np.zeros(self.C)
            v[h] = 1.0
            unchanged = np.zeros(k, dtype=bool)
        else:
            v = self.W[l + 1][:, h]
            unchanged = np.full(k, bool(np.all(v == 0.0)))
        width = max(lay.n_out for lay in self.layout) if l < self.L - 2 else 1
        step = max(1, min(_CHUNK_ELEMENTS // self.n, _DEEP_CHUNK_BYTES // (8 * self.n * (width + self.C))))
        bias = cols < 0
        for lo in range(0, k, step):
            c = cols[lo : lo + step]
            u = np.take(Ain, np.maximum(c, 0), axis=0)  # (c, n): the input of each moved weight
            if bias[lo : lo + step].any():
                u[bias[lo : lo + step]] = 1.0  # a bias's input is 1
            u *= delta[lo : lo + step, None]  # Delta z_h
            if not last:
                u += self.ZT[l][h]
                u = activate(u, self.activation)
                u -= self.AT[l][h]  # Delta a_h
            if last or l == self.L - 2:
                Ln[lo : lo + step], fragile[lo : lo + step] = self._rank1_Ln(u, v, (l, h))
                continue
            # earlier layer: propagate the new column through the later layers
            Z = self.ZT[l + 1][None, :, :] + v[None, :, None] * u[:, None, :]  # (c, out, n)
            for m in range(l + 1, self.L - 1):
                Z = np.matmul(self.W[m + 1], activate(Z, self.activation)) + self.b[m + 1][None, :, None]
            losses, margin = self._full_losses(np.swapaxes(Z, 1, 2))
            Ln[lo : lo + step] = losses.mean(axis=1)
            fragile[lo : lo + step] = self._fragile(margin, u.shape[0])
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

    def _rank1_Ln(self, u: np.ndarray, v: np.ndarray, key: tuple) -> tuple[np.ndarray, np.ndarray]:
        """(L_n, fragile) at outputs f + u_c v^T for every row u_c of u (c, n)."""
        k = u.shape[0]
        if self.C == 1:
            losses, margin = self._binary_losses(self.fT[0][None, :] + u * v[0])
            return losses.mean(axis=1), self._fragile(margin, k)
        kind = self.loss.kind
        st = self._group_stats(key, v)
        no_margin = np.zeros(k, dtype=bool)
        if kind == "squared":
            raw = self._state["r2"][None, :] + u * (2.0 * st["rv"][None, :] + u * st["vv"])
            return np.minimum(np.maximum(raw, 0.0), self.B).mean(axis=1), no_margin
        if kind == "logistic":
            return self._rank1_logistic(u, v, st), no_margin
        ft = self._state["ft"][None, :] + u * st["vy"][None, :]
        other = None
        for w, H in zip(st["values"], st["H"]):
            cand = H[None, :] + u * w if w != 0.0 else np.broadcast_to(H[None, :], u.shape)
            other = cand if other is None else np.maximum(other, cand)
        losses, margin = self._margin_losses(ft, other)
        return losses.mean(axis=1), self._fragile(margin, k)

    def _rank1_logistic(self, u: np.ndarray, v: np.ndarray, st: dict) -> np.ndarray:
        """Mean clipped logistic loss at f + u_c v^T: loss_i = base_i + log S_i - u_i v_{y_i}, base = M - f_y,
        S_i = sum_w G_{i,w} e^{u_i w}.

        Grids with values {-w, 0, w} (ternary, or any v with those three values) use the Horner form
        S e^{u w} = (G_w e^{u w} + G_0) e^{u w} + G_{-w}: one exponential per sample, positive terms only.
        |loss_i(new) - loss_i(current)| <= |u_i| (max|w| + |v_{y_i}|), so when the current losses plus that
        bound stay below B the clip is inactive and the mean is summed directly; otherwise per sample."""
        state = self._state
        umax = max(float(u.max(initial=0.0)), -float(u.min(initial=0.0)))
        values, G = st["values"], st["G"]
        wmax = st["wmax"]
        if umax * wmax > _EXP_SAFE / 2:
            losses, _ = self._full_losses(np.swapaxes(self.fT[None, :, :] + v[None, :, None] * u[:, None, :], 1, 2))
            return losses.mean(axis=1)
        if len(values) == 3 and values[1] == 0.0 and values[0] == -values[2]:
            w = values[2]
            e = np.multiply(u, w)
            np.exp(e, out=e)
            S = G[2] * e
            S += G[1]
            S *= e
            S += G[0]
            np.log(S, out=S)
            S -= w * u  # log S_i
        else:
            S = None
            tmp = np.empty_like(u)
            for wv, Gw in zip(values, G):
                if wv == 0.0:
                    if S is None:
                        S = np.broadcast_to(Gw, u.shape).copy()
                    else:
                        S += Gw
                    continue
                np.multiply(u, wv, out=tmp)
                np.exp(tmp, out=tmp)
                tmp *= Gw
                if S is None:
                    S, tmp = tmp, np.empty_like(u)
                else:
                    S += tmp
            np.log(S, out=S)
        if state["loss_max"] + umax * (wmax + st["vymax"]) < self.B:
            return (S.sum(axis=1) - u @ st["vy"] + state["base_sum"]) / self.n
        S -= u * st["vy"][None, :]
        S += state["base"][None, :]
        return np.minimum(S, self.B).mean(axis=1)

    def _group_stats(self, key: tuple, v: np.ndarray) -> dict:
        """Statistics of the current outputs for rank-1 changes along v (cached until the next move)."""
        if key in self._stats:
            return self._stats[key]
        kind, state = self.loss.kind, self._state
        st: dict = {}
        if kind == "squared":
            st["rv"] = v @ state["r"]
            st["vv"] = float(v @ v)
        else:
            st["vy"] = v[self.yi]
            st["vymax"] = float(np.abs(v).max())
            st["values"] = sorted(set(v.tolist()))
            values = np.array(st["values"])
            st["wmax"] = float(np.abs(values).max())
            masks = v[None, :] == values[:, None]  # (W, C)
            if kind == "logistic":
                G = masks.astype(np.float64) @ state["E"]  # G_w = sum_{k: v_k = w} e^{f_k - M}, (W, n)
                st["G"] = list(G)
            else:
                st["H"] = [state["fm"][m].max(axis=0) for m in masks]
        self._stats[key] = st
        return st

    # ------------------------------------------------------------------ decisions
    def needs_reference(self, cands: Candidates, nu: float) -> np.ndarray:
        """Candidates that are not certainly non-violating (decrease not below nu - tol, or fragile)."""
        dec = self.F - cands.F
        return cands.fragile | self.cur_fragile | (dec > nu - self.tol)

    def first_accepted(self, cands: Candidates, nu: float) -> int | None:
        """Index of the first candidate (in order) with F(new) < F(current) - nu, or None.

        Decided on the incremental values when the decrease is farther than ``tol`` from nu, on the
        reference evaluation otherwise (and for fragile zero-one margins)."""
        dec = self.F - cands.F
        unsure = cands.fragile | self.cur_fragile | (np.abs(dec - nu) <= self.tol)
        look = np.flatnonzero(unsure | (dec > nu))
        for c in look.tolist():
            if not unsure[c]:
                return c
            if self._reference_accepts(cands, c, nu):
                return c
        return None

    def _reference_accepts(self, cands: Candidates, c: int, nu: float) -> bool:
        self.reference_checks += 1
        j, t = int(cands.j[c]), int(cands.new_index[c])
        new = self.codes.copy()
        new[j] = self.code_flat[self.off[j] + t]
        F_cur = self._reference_current()
        if cands.ln_unchanged[c]:
            F_new = self._ref["Ln"] + self._reference_penalty(new)
        else:
            F_new = self._reference_F(new)
        return bool(F_new < F_cur - nu)

    def current_F(self) -> float:
        """F at the current codes: the incremental value, or the reference one when a zero-one margin of the
        current state is within round-off of a tie (the incremental value could then differ by 1/n)."""
        return self._reference_current() if self.cur_fragile else self.F

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
