"""Exhaustive enumeration of quantized least squares by meet in the middle (torch; CPU or CUDA).

Problem: min f(beta) = ||b - A beta||^2 over beta in Q_1 x ... x Q_p, with A = sqrt(W) X, b = sqrt(W) y (a bias is
a column of ones with its own grid).  Split beta = (u, v) with u the first p1 = floor(p/2) coordinates and v the
other p2 = p - p1, A = [A1 A2], G_ab = A_a^T A_b, c_a = A_a^T b.  Then

    f(u, v) = s1(u) + s2(v) + 2 u^T G12 v + ||b||^2,
    s1(u) = u^T G11 u - 2 c1^T u,    s2(v) = v^T G22 v - 2 c2^T v,

so with the tables U (N1 x p1) of all half-codes u and V (N2 x p2) of all v, and P = U G12 (N1 x p2), every
score is S(u, v) = 2 [P_u, s1(u)/2, 1/2] . [V_v, 1, s2(v)]: all N1 N2 scores are one matrix product with inner
dimension p2 + 2, done in row chunks; the row minima of each chunk are kept.  Every one of the
|Q_1| ... |Q_p| points is scored: the result is exact (exhaustive).

Precision.
* ``float64`` (default on CPU): the argmin of the float64 scores.
* ``float32`` with a float64 re-check (default on CUDA): every score is computed in float32 and every candidate
  whose float32 score lies within 2 Delta of the float32 minimum is re-scored in float64 as
  s1(u) + s2(v) + 2 P_u . V_v; the best re-scored candidate is returned.

Round-off bound Delta (float32 path).  Let u32 = 2^-24 and gamma_m = m u32 / (1 - m u32).  The float32 score is
2 fl(a . c) with a = fl32([P_u, s1/2, 1/2]) and c = fl32([V_v, 1, s2]) (halving and doubling are exact).
Rounding the float64 inputs to float32 perturbs each product a_k c_k by a factor (1 + t) with |t| <= gamma_2, and
Higham's bound for an inner product of length m = p2 + 2 evaluated in any order, with or without fused
multiply-add, adds at most gamma_m sum_k |a_k c_k|.  Hence the float32 score differs from the exact value of the
same expression in the float64 inputs by at most gamma_{p2+4} M_uv, with
M_uv = |s1(u)| + |s2(v)| + 2 sum_k |P_uk| |V_vk|.  The float64 re-check formula has error at most
gamma64_{p2+4} M_uv < u32 M_uv.  With M = max_u (|s1(u)| + 2 ||P_u||_1 max|V|) + max_v |s2(v)| >= M_uv:

    |s32(u, v) - s64(u, v)| <= Delta := gamma_{p2+6} M        for every pair.

If (u*, v*) minimizes s64 and (u', v') minimizes s32, then s32(u*, v*) <= s64(u*, v*) + Delta
<= s64(u', v') + Delta <= s32(u', v') + 2 Delta: the float64 minimizer is among the candidates, so the re-check
returns the float64 optimum.  TF32 tensor-core products are disabled for the float32 path (they round the
inputs to 10-bit mantissas and would break the model above).
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from qtheory.grid import Grid
from qtheory.solve.linear_exact import (
    as_grids,
    check_data,
    check_objective_name,
    finish_solution,
    linear_outputs,
    objective,
)
from qtheory.solve.solution import Solution
from qtheory.validation import check_choice, check_positive_int

DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "float64", "float32")
MAX_CANDIDATES = 1 << 22
_U32 = 2.0**-24


def gamma32(m: int) -> float:
    """gamma_m = m u / (1 - m u) for float32 (u = 2^-24)."""
    return m * _U32 / (1.0 - m * _U32)


def _strides(sizes: Sequence[int]) -> list[int]:
    out, acc = [], 1
    for q in reversed(sizes):
        out.append(acc)
        acc *= q
    return out[::-1]


def decode(row: int, sizes: Sequence[int]) -> np.ndarray:
    """Level indices of table row ``row`` (mixed radix, the last coordinate varying fastest)."""
    return np.array([(row // st) % q for st, q in zip(_strides(sizes), sizes)], dtype=np.int64)


def half_table(levels: Sequence[np.ndarray], device: Any = "cpu"):
    """All combinations of the given coordinates' levels as a float64 torch tensor (N, k), rows in the order of
    :func:`decode`."""
    torch = _torch()
    sizes = [lv.size for lv in levels]
    N = int(np.prod(sizes)) if sizes else 1
    rows = torch.arange(N, device=device)
    cols = []
    for st, lv in zip(_strides(sizes), levels):
        idx = torch.div(rows, st, rounding_mode="floor") % lv.size
        cols.append(torch.tensor(np.array(lv, dtype=np.float64), device=device)[idx])
    if not cols:
        return torch.zeros((1, 0), dtype=torch.float64, device=device)
    return torch.stack(cols, dim=1)


def _torch():
    import torch

    return torch


@contextmanager
def _strict_float32(torch: Any) -> Iterator[None]:
    """No TF32 in matrix products (full float32 rounding), restored afterwards."""
    old_tf32 = torch.backends.cuda.matmul.allow_tf32
    old_prec = torch.get_float32_matmul_precision()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = old_tf32
        torch.set_float32_matmul_precision(old_prec)


def resolve_device(device: str) -> str:
    """``auto``: cuda when torch sees a CUDA device, else cpu."""
    check_choice(device, "device", DEVICES)
    torch = _torch()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device == 'cuda' but torch sees no CUDA device; use device 'cpu' or 'auto'")
    return device


@dataclass
class ScoreFactors:
    """The factors of the module docstring on one device (float64): S(u, v) = 2 Pa[u] . VaT[:, v]."""

    p1: int
    P: Any
    V: Any
    s1: Any
    s2: Any
    Pa: Any
    VaT: Any

    def float32_delta(self) -> float:
        """Delta = gamma_{p2+6} (max_u (|s1(u)| + 2 ||P_u||_1 max|V|) + max_v |s2(v)|)."""
        vmax = float(self.V.abs().max()) if self.V.numel() else 0.0
        M = float((self.s1.abs() + 2.0 * self.P.abs().sum(dim=1) * vmax).max()) + float(self.s2.abs().max())
        return gamma32(self.V.shape[1] + 6) * M

    def float32_scores(self, rows: slice = slice(None)) -> Any:
        """2 fl32(Pa . Va) for a block of rows, as the float32 path computes them (TF32 off)."""
        torch = _torch()
        with _strict_float32(torch):
            return 2.0 * (self.Pa[rows].to(torch.float32) @ self.VaT.to(torch.float32))

    def float64_scores(self, rows: slice = slice(None)) -> Any:
        """s1(u) + s2(v) + 2 P_u . V_v in float64 (the re-check formula)."""
        return self.s1[rows, None] + self.s2[None, :] + 2.0 * (self.P[rows] @ self.V.T)


def score_factors(A: np.ndarray, b: np.ndarray, levels: Sequence[np.ndarray], device: Any = "cpu") -> ScoreFactors:
    torch = _torch()
    dev = torch.device(device)
    p = A.shape[1]
    p1 = p // 2
    G = torch.as_tensor(A.T @ A, device=dev)
    c = torch.as_tensor(A.T @ b, device=dev)
    U = half_table(levels[:p1], dev)
    V = half_table(levels[p1:], dev)
    s1 = ((U @ G[:p1, :p1]) * U).sum(dim=1) - 2.0 * (U @ c[:p1])
    s2 = ((V @ G[p1:, p1:]) * V).sum(dim=1) - 2.0 * (V @ c[p1:])
    P = U @ G[:p1, p1:]
    N1, N2 = U.shape[0], V.shape[0]
    Pa = torch.cat([P, (0.5 * s1)[:, None], torch.full((N1, 1), 0.5, dtype=torch.float64, device=dev)], dim=1)
    ones = torch.ones((N2, 1), dtype=torch.float64, device=dev)
    VaT = torch.cat([V, ones, s2[:, None]], dim=1).T.contiguous()  # S = 2 Pa . Va, Va = [V, 1, s2]
    return ScoreFactors(p1=p1, P=P, V=V, s1=s1, s2=s2, Pa=Pa, VaT=VaT)


def mitm_least_squares(
    A: np.ndarray,
    b: np.ndarray,
    levels: Sequence[np.ndarray],
    *,
    device: str = "auto",
    precision: str = "auto",
    chunk_elems: int | None = None,
) -> dict[str, Any]:
    """Exhaustive minimization of ||b - A beta||^2 over the level box by meet in the middle.

    Returns a dict: ``idx`` (level index of every coordinate), ``value`` (float64 score + ||b||^2),
    ``points`` (number of points scored), ``candidates`` (float32 path: points re-checked in float64),
    ``delta`` (the float32 bound Delta, 0 in float64), ``device``, ``precision``, ``seconds``.
    """
    torch = _torch()
    device = resolve_device(device)
    check_choice(precision, "precision", PRECISIONS)
    if precision == "auto":
        precision = "float32" if device == "cuda" else "float64"
    if chunk_elems is None:
        chunk_elems = 1 << 28 if device == "cuda" else 1 << 21
    chunk_elems = check_positive_int(chunk_elems, "chunk_elems")
    t0 = time.perf_counter()
    fac = score_factors(A, b, levels, device)
    Pa, VaT, P, V, s1, s2 = fac.Pa, fac.VaT, fac.P, fac.V, fac.s1, fac.s2
    N1, N2 = Pa.shape[0], VaT.shape[1]
    rows = max(1, min(N1, chunk_elems // max(1, N2)))
    delta = 0.0
    candidates = 0
    if precision == "float64":
        best_val, best_pair = math.inf, (0, 0)
        for a in range(0, N1, rows):
            rmin, rarg = torch.min(Pa[a : a + rows] @ VaT, dim=1)
            r = int(torch.argmin(rmin))
            val = 2.0 * float(rmin[r])
            if val < best_val:
                best_val, best_pair = val, (a + r, int(rarg[r]))
    else:
        delta = fac.float32_delta()
        Pa32, VaT32 = Pa.to(torch.float32), VaT.to(torch.float32)
        run_min = math.inf
        found: list[tuple[Any, Any]] = []
        with _strict_float32(torch):
            for a in range(0, N1, rows):
                S = Pa32[a : a + rows] @ VaT32  # half scores
                rmin = torch.min(S, dim=1).values
                run_min = min(run_min, 2.0 * float(torch.min(rmin)))
                thr = run_min + 2.0 * delta
                near = torch.nonzero(2.0 * rmin.double() <= thr, as_tuple=True)[0]
                if near.numel():
                    r, col = torch.nonzero(2.0 * S[near].double() <= thr, as_tuple=True)
                    if r.numel() > MAX_CANDIDATES:
                        raise RuntimeError(
                            f"{r.numel()} float32 candidates within 2 Delta = {2 * delta:.3g} of the minimum in one "
                            "chunk; the float32 path cannot separate them: use precision 'float64'"
                        )
                    found.append((near[r] + a, col))
        cu = torch.cat([u for u, _ in found])
        cv = torch.cat([v for _, v in found])
        candidates = int(cu.numel())
        exact = s1[cu] + s2[cv] + 2.0 * torch.sum(P[cu] * V[cv], dim=1)
        k = int(torch.argmin(exact))
        best_val, best_pair = float(exact[k]), (int(cu[k]), int(cv[k]))
    u_i, v_i = best_pair
    sizes = [lv.size for lv in levels]
    p1 = fac.p1
    return {
        "idx": np.concatenate([decode(u_i, sizes[:p1]), decode(v_i, sizes[p1:])]),
        "value": best_val + float(b @ b),
        "points": N1 * N2,
        "candidates": candidates,
        "delta": delta,
        "device": device,
        "precision": precision,
        "seconds": time.perf_counter() - t0,
    }


def solve_linear_mitm(
    X: Any,
    y: Any,
    grid: Grid | Sequence[Grid],
    *,
    weights: Any = None,
    bias: bool = False,
    device: str = "auto",
    precision: str = "auto",
    chunk_elems: int | None = None,
    objective_name: str | None = None,
) -> Solution:
    """Global minimizer of sum_i w_i (y_i - x_i . beta - b)^2 over the grid box by exhaustive meet in the middle.

    Parameters: the d weights, then the bias when ``bias``.  Always certified (every point is scored); method
    "mitm:<device>-<precision>".  Cost: prod_j |Q_j| scores, memory O(sqrt of that).
    """
    X, y, w = check_data(X, y, weights)
    name = check_objective_name(objective_name, weights)
    Xa = np.hstack([X, np.ones((X.shape[0], 1))]) if bias else X
    grids = as_grids(grid, Xa.shape[1])
    sw = np.sqrt(w)
    A, b = Xa * sw[:, None], y * sw
    levels = [g.levels for g in grids]
    res = mitm_least_squares(A, b, levels, device=device, precision=precision, chunk_elems=chunk_elems)
    info = {k: res[k] for k in ("points", "candidates", "delta", "device", "precision", "seconds")}
    return finish_solution(
        res["idx"],
        grids,
        lambda beta: float(objective("squared", None, linear_outputs(X, beta, bias), y, w)),
        res["value"],
        method=f"mitm:{res['device']}-{res['precision']}",
        certified=True,
        status="exhaustive",
        objective_name=name,
        rtol=1e-9,
        scale=2.0 * float(b @ b),
        info=info,
    )


__all__ = ["decode", "gamma32", "half_table", "mitm_least_squares", "resolve_device", "solve_linear_mitm"]
