"""A linear problem on the analytic population R(p, beta*, sigma, B): ``[data] kind = "rademacher"``.

:class:`SignProblem` is a :class:`~qtheory.problem.Problem` whose training inputs are +-1 signs stored as
int8 and whose population risk is E1's exact L (no finite support: ``population`` stays None, and
``population_risk`` / ``L_star`` come from :class:`~qtheory.populations.rademacher.RademacherFamily`).

Empirical risk, the reference evaluation at any p: for codes m, Z_i = sum_j x_ij m_j is an integer, computed
exactly in float64 (|Z_i| <= K p < 2^53) from the non-zero codes only; the prediction is d Z_i and

    L_n(beta) = (1/n) sum_i min((d Z_i - y_i)^2, B).

A neighbour m + s e_j has Z + s x_j, again exact, so an incremental evaluation from Z and a fresh one give the
same float64 numbers bit for bit.

Problem-file keys of ``[data]`` (kind = "rademacher"): ``n`` (sample size), ``seed`` (sample seed), ``p``
(or model.layers = [p, 1]), the teacher as ``teacher_codes`` (p integer codes) or ``teacher_nonzeros`` (s*,
positions and codes drawn from ``teacher_seed``), ``sigma`` >= 0 (noise standard deviation) and ``noise``
("gaussian", default; "two_point" is e = +-sigma, for which E2 does not hold).  The grid must be
{m d : |m| <= K}, the model linear without bias, the loss squared (clipped at loss.B).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qtheory.data import Dataset
from qtheory.grid import as_grid
from qtheory.losses import Loss
from qtheory.models import Network
from qtheory.populations.rademacher import MAX_P, NOISES, RademacherFamily, draw_teacher, is_symmetric_grid
from qtheory.problem import Penalty, Problem
from qtheory.validation import check_choice, check_memory, check_positive_int, check_positive_real

#: columns of X converted to float64 at a time
_CHUNK_ENTRIES = 4_000_000


@dataclass
class SignProblem(Problem):
    """A linear problem over the Rademacher family; ``family`` gives the exact L (E1) and L*_Q (E2)."""

    family: RademacherFamily | None = None

    @property
    def Xt(self) -> np.ndarray:
        """The training signs, one contiguous row per coordinate (p, n) int8."""
        return self.train.X.T

    @property
    def step(self) -> float:
        return float(self.family.d)

    def signs32(self) -> np.ndarray:
        """The signs as float32 (p, n), exact; computed once and kept (4 n p bytes, refused above the limit)."""
        cached = getattr(self, "_signs32", None)
        if cached is None:
            check_memory(4.0 * self.p * self.n, "a float32 copy of the signs", "data.n")
            cached = self._signs32 = self.Xt.astype(np.float32)
        return cached

    def sign_products(self, codes: Any) -> np.ndarray:
        """Z = X m for codes (p,) -> (n,) or (M, p) -> (M, n), exact integers in float64."""
        arr = np.asarray(codes)
        one = arr.ndim == 1
        arr = np.atleast_2d(arr).astype(np.float64)
        cols = np.flatnonzero(np.any(arr != 0, axis=0))
        Z = np.zeros((arr.shape[0], self.n))
        step = max(1, _CHUNK_ENTRIES // self.n)
        Xt = self.Xt
        for lo in range(0, cols.size, step):
            c = cols[lo : lo + step]
            Z += arr[:, c] @ Xt[c].astype(np.float64)
        return Z[0] if one else Z

    def losses_from_products(self, Z: np.ndarray) -> np.ndarray:
        """Per-sample losses min((d Z_i - y_i)^2, B) for products Z (..., n)."""
        return clipped_square_losses(self.step, Z, self.train.y, self.loss.B)

    def empirical_risk(self, codes: Any) -> float | np.ndarray:
        """L_n at one code vector (float) or a batch (m, p) (array), through the exact products Z."""
        arr = np.asarray(codes)
        if arr.ndim == 1:
            arr = self.check_codes(arr)
        out = self.losses_from_products(self.sign_products(arr)).mean(axis=-1)
        return float(out) if arr.ndim == 1 else out

    def population_risk(self, codes: Any) -> float | np.ndarray:
        """L exact by E1 at one code vector or a batch."""
        return self.family.risk(codes)

    def L_star(self) -> float:
        """L*_Q = L(beta*) by E2 (refused where E2's hypothesis fails)."""
        return self.family.L_star()

    def describe(self) -> str:
        pen = f", MCP a={self.penalty.a:g} lam={self.penalty.lam:g}" if self.penalty else ""
        f = self.family
        return (f"{self.name}: linear model on +-1 inputs, p={self.p}, K={f.K} d={f.d:g}, teacher s*={f.s_star}, "
                f"{f.noise} noise sigma={f.sigma:g}, squared loss B={self.loss.B:g}, n={self.n}, exact L (E1){pen}")


def clipped_square_losses(step: float, Z: np.ndarray, y: np.ndarray, B: float) -> np.ndarray:
    """min((d Z_i - y_i)^2, B) for the products Z (..., n) = X m of a training set with targets y (n,)."""
    r = step * Z - y
    return np.minimum(r * r, B)


def is_sign_problem(problem: Problem) -> bool:
    return isinstance(problem, SignProblem)


def rademacher_problem(cfg: dict, loss: Loss, penalty: Penalty | None, name: str) -> SignProblem:
    """Build a :class:`SignProblem` from a parsed problem file (keys checked by the caller)."""
    data, model = cfg["data"], cfg["model"]
    if loss.kind != "squared":
        raise ValueError(f"loss.kind == {loss.kind!r}: data.kind 'rademacher' needs the squared loss")
    if model.get("kind") != "linear" or model.get("bias", False) or "layer_grids" in model:
        raise ValueError("data.kind 'rademacher' needs model.kind = 'linear' without bias or layer_grids")
    grid = as_grid(cfg["grid"])
    if not is_symmetric_grid(grid):
        raise ValueError(f"grid: data.kind 'rademacher' needs Q = {{m d : |m| <= K}}, got {grid.describe()}")
    layers = model.get("layers")
    if "p" in data:
        p = check_positive_int(data["p"], "data.p")
        if p > MAX_P:
            raise ValueError(f"data.p == {p}, must be in [1, {MAX_P}]")
        if layers is not None and list(layers) != [p, 1]:
            raise ValueError(f"model.layers == {layers!r} disagrees with data.p == {p} (expected [{p}, 1])")
    elif layers is not None and len(layers) == 2 and layers[1] == 1:
        p = check_positive_int(layers[0], "model.layers[0]")
    else:
        raise ValueError("missing required key data.p (or model.layers = [p, 1])")
    if p > MAX_P:
        raise ValueError(f"data.p == {p}, must be in [1, {MAX_P}]")
    seed = check_positive_int(data.get("seed", 0), "data.seed", min_val=0)
    if ("teacher_codes" in data) == ("teacher_nonzeros" in data):
        raise ValueError("data.kind 'rademacher' needs exactly one of data.teacher_codes and data.teacher_nonzeros")
    if "teacher_codes" in data:
        codes = data["teacher_codes"]
        if not isinstance(codes, list) or len(codes) != p or not all(isinstance(c, int) and not isinstance(c, bool)
                                                                     for c in codes):
            raise ValueError(f"data.teacher_codes must list p = {p} integer codes")
        teacher = np.asarray(codes, dtype=np.int64)
    else:
        teacher_seed = check_positive_int(data.get("teacher_seed", seed), "data.teacher_seed", min_val=0)
        teacher = draw_teacher(p, grid.K, nonzeros=data["teacher_nonzeros"], seed=teacher_seed)
    sigma = check_positive_real(data.get("sigma", 0.0), "data.sigma", allow_zero=True)
    noise = check_choice(data.get("noise", "gaussian"), "data.noise", NOISES)
    family = RademacherFamily(teacher, grid.K, float(grid.step), sigma, loss.B, noise)
    if "n" not in data:
        raise ValueError("missing required key data.n")
    X, y = family.sample(data["n"], np.random.default_rng([seed, 1]))
    return SignProblem(
        network=Network("linear", (p, 1), "tanh", False),
        layer_grids=[grid],
        loss=loss,
        train=Dataset(X, y),
        penalty=penalty,
        name=name,
        info={"data_kind": "rademacher", "teacher_codes": teacher.tolist() if p <= 1000 else None,
              "teacher_support": np.flatnonzero(teacher).tolist(), "s_star": family.s_star},
        family=family,
    )
