"""The analytic population R(p, beta*, sigma, B) of docs/theory.md section 5: exact L and L*_Q at any p.

Inputs x uniform on {-1, +1}^p (i.i.d. signs); a teacher beta* = m* d in Q^p = {m d : |m| <= K}^p; label
y = x.beta* + e with e independent of x; loss l = min((x.beta - y)^2, B).  For codes m, Delta = m - m* and

    z = x.(beta - beta*) = d Z,   Z = sum_j x_j Delta_j.

**E1 (exact L).**  L(beta) = sum_v P(Z = v) h(d v) with h(c) = E min((c + e)^2, B).  Grouping coordinates by
|Delta_j| = k (c_k of them), Z = sum_k k (2 Bin(c_k, 1/2) - c_k) = 2W - ||Delta||_1 with
W = sum_k k Bin(c_k, 1/2): a convolution of at most 2K scaled binomials on {0, ..., ||Delta||_1}, whatever p
is (memory O(||Delta||_1) <= O(2K p), never O(2^p)).  For Gaussian noise e ~ N(0, sigma^2), with
u = c + e and r = sqrt(B),

    h(c) = E[u^2; |u| <= r] + B P(|u| > r),
    E[u^2; a < u < b] = (c^2 + sigma^2)(Phi(b') - Phi(a')) + sigma (c + a) phi(a') - sigma (c + b) phi(b'),

a' = (a - c)/sigma, b' = (b - c)/sigma; sigma = 0 gives h(c) = min(c^2, B).  The ``two_point`` noise
(e = +-sigma with probability 1/2 each) has h(c) = (min((c + sigma)^2, B) + min((c - sigma)^2, B)) / 2.

**E2 (L*_Q = L(beta*)).**  For a noise density symmetric and nonincreasing in |e| (Gaussian, sigma > 0) or
sigma = 0, L(beta) >= L(beta*) for every beta, so L*_Q = L(beta*) = h(0).  The two-point noise is symmetric
but not unimodal: E2's hypothesis fails, and :meth:`RademacherFamily.L_star` refuses it (with the clip
active, beta != beta* can have a lower risk than the teacher; a test shows one).

Round-off: binomial probabilities come from ``scipy.stats.binom``; convolutions of long arrays use the FFT,
whose absolute error per probability is of order 1e-16 times the largest one (negative round-off is set to 0).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from qtheory.validation import (MEMORY_LIMIT_BYTES, check_choice, check_memory, check_positive_int,
                                check_positive_real, check_scalar)

NOISES = ("gaussian", "two_point")
#: the largest p accepted by the family (the sample and the codes are O(p) and O(n p))
MAX_P = 10_000_000
#: the largest K accepted (2K groups of coordinates in E1)
MAX_K = 1_000
#: below this many multiply-adds a convolution is direct (exact summation order), above it uses the FFT
_DIRECT_CONVOLUTION = 2_000_000


def binomial_sum_pmf(counts: np.ndarray) -> np.ndarray:
    """pmf of W = sum_k k Bin(counts[k-1], 1/2) (independent) on {0, ..., sum_k k counts[k-1]}."""
    from scipy.signal import fftconvolve
    from scipy.stats import binom

    pmf = np.ones(1)
    for k, c in enumerate(np.asarray(counts, dtype=np.int64).tolist(), start=1):
        if c == 0:
            continue
        part = np.zeros(k * c + 1)
        part[::k] = binom.pmf(np.arange(c + 1), c, 0.5)
        if pmf.size * part.size <= _DIRECT_CONVOLUTION or min(pmf.size, part.size) == 1:
            pmf = np.convolve(pmf, part)
        else:
            pmf = np.maximum(fftconvolve(pmf, part), 0.0)
    return pmf


def gaussian_h(c: np.ndarray, sigma: float, B: float) -> np.ndarray:
    """h(c) = E min((c + e)^2, B) for e ~ N(0, sigma^2) (E1's closed form; sigma = 0: min(c^2, B))."""
    from scipy.special import ndtr

    c = np.asarray(c, dtype=np.float64)
    if sigma == 0:
        return np.minimum(c * c, B)
    r = math.sqrt(B)
    with np.errstate(over="ignore"):  # a tiny sigma sends the standardized ends to +-inf, where Phi and phi are exact
        lo, hi = (-r - c) / sigma, (r - c) / sigma
        phi_lo = np.exp(-0.5 * lo * lo) / math.sqrt(2 * math.pi)
        phi_hi = np.exp(-0.5 * hi * hi) / math.sqrt(2 * math.pi)
    # Phi(b') - Phi(a') without cancellation in either tail
    inside = np.where(lo > 0, ndtr(-lo) - ndtr(-hi), ndtr(hi) - ndtr(lo))
    outside = ndtr(lo) + ndtr(-hi)
    second = (c * c + sigma**2) * inside + sigma * (c - r) * phi_lo - sigma * (c + r) * phi_hi
    return np.clip(second + B * outside, 0.0, B)


def two_point_h(c: np.ndarray, sigma: float, B: float) -> np.ndarray:
    """h(c) for e = +-sigma with probability 1/2 each."""
    c = np.asarray(c, dtype=np.float64)
    return 0.5 * (np.minimum((c + sigma) ** 2, B) + np.minimum((c - sigma) ** 2, B))


def is_symmetric_grid(grid: Any) -> bool:
    """Whether ``grid`` is Q = {m d : |m| <= K} (uniform, symmetric, with 0)."""
    K = grid.K
    return bool(grid.step is not None and np.array_equal(grid.codes, np.arange(-K, K + 1)))


@dataclass(frozen=True)
class RademacherFamily:
    """R(p, beta*, sigma, B) on the grid Q = {m d : |m| <= K}: the teacher's codes ``teacher`` (int64, p)."""

    teacher: np.ndarray
    K: int
    d: float
    sigma: float
    B: float
    noise: str = "gaussian"

    def __post_init__(self) -> None:
        teacher = np.asarray(self.teacher)
        if teacher.ndim != 1 or not 1 <= teacher.size <= MAX_P:
            raise ValueError(f"data.p == {teacher.size}, must be in [1, {MAX_P}]")
        if teacher.dtype.kind not in "iu":
            raise ValueError("data.teacher_codes must be integer codes")
        check_positive_int(self.K, "grid.K")
        if self.K > MAX_K:
            raise ValueError(f"grid.K == {self.K}, must be in [1, {MAX_K}]")
        check_positive_real(self.d, "grid.step")
        check_positive_real(self.sigma, "data.sigma", allow_zero=True)
        check_positive_real(self.B, "loss.B")
        check_choice(self.noise, "data.noise", NOISES)
        if np.any(np.abs(teacher) > self.K):
            j = int(np.flatnonzero(np.abs(teacher) > self.K)[0])
            raise ValueError(f"data.teacher_codes[{j}] == {int(teacher[j])}, not a code of the grid: "
                             f"must be in [-{self.K}, {self.K}]")
        teacher = teacher.astype(np.int64)
        teacher.setflags(write=False)
        object.__setattr__(self, "teacher", teacher)

    # ------------------------------------------------------------------ facts
    @property
    def p(self) -> int:
        return int(self.teacher.size)

    @property
    def s_star(self) -> int:
        """s* = ||beta*||_0."""
        return int(np.count_nonzero(self.teacher))

    def h(self, c: np.ndarray) -> np.ndarray:
        """h(c) = E min((c + e)^2, B) for the family's noise."""
        if self.noise == "gaussian":
            return gaussian_h(c, self.sigma, self.B)
        return two_point_h(c, self.sigma, self.B)

    # ------------------------------------------------------------------ E1
    def _codes(self, codes: Any, name: str) -> np.ndarray:
        arr = np.asarray(codes)
        if arr.ndim not in (1, 2) or arr.shape[-1] != self.p:
            raise ValueError(f"{name} must be p = {self.p} codes or a batch (m, p), got shape {arr.shape}")
        if arr.dtype.kind not in "iu":
            if arr.dtype.kind == "f" and np.all(arr == np.round(arr)):
                check_memory(arr.size * 8.0, "the batch of codes as int64", name)
                arr = arr.astype(np.int64)
            else:
                raise ValueError(f"{name} must be integer codes, got dtype {arr.dtype}")
        if np.any(np.abs(arr) > self.K):
            raise ValueError(f"{name} contains {int(arr[np.abs(arr) > self.K].ravel()[0])}, not a code of the "
                             f"grid: must be in [-{self.K}, {self.K}]")
        return arr

    def risk_of_counts(self, counts: np.ndarray) -> float:
        """L for a Delta with counts[k-1] coordinates of |Delta_j| = k (E1)."""
        counts = np.asarray(counts, dtype=np.int64)
        S = int(np.dot(np.arange(1, counts.size + 1), counts))
        check_memory(8.0 * 4 * (S + 1), "E1's distribution of Z", "codes")
        pmf = binomial_sum_pmf(counts)
        v = 2.0 * np.arange(S + 1) - S  # Z = 2W - ||Delta||_1
        return float(np.clip(np.dot(pmf, self.h(self.d * v)), 0.0, self.B))

    def delta_counts(self, codes: np.ndarray) -> np.ndarray:
        """c_k = #{j : |m_j - m*_j| = k} for k = 1..2K."""
        delta = np.abs(np.asarray(codes, dtype=np.int64) - self.teacher)
        return np.bincount(delta, minlength=2 * self.K + 1)[1:]

    def risk(self, codes: Any) -> float | np.ndarray:
        """Exact L(beta) (E1) at one code vector (float) or each row of a batch (array); memory O(2K p)."""
        arr = self._codes(codes, "codes")
        if arr.ndim == 1:
            return self.risk_of_counts(self.delta_counts(arr))
        return np.array([self.risk_of_counts(self.delta_counts(row)) for row in arr])

    # ------------------------------------------------------------------ E2
    def L_star(self) -> float:
        """L*_Q = L(beta*) = h(0) (E2); refused where E2's hypothesis fails."""
        if self.noise != "gaussian":
            raise ValueError(f"data.noise == {self.noise!r}: E2 (L*_Q = L(beta*)) needs a noise density symmetric "
                             "and nonincreasing in |e| (gaussian, or sigma = 0); the two-point noise is not "
                             "unimodal, so L*_Q is not available")
        return float(self.h(np.zeros(1))[0])

    def teacher_risk(self) -> float:
        """L(beta*) = h(0) (E1 at Delta = 0), whatever the noise."""
        return float(self.h(np.zeros(1))[0])

    # ------------------------------------------------------------------ samples
    def sample(self, n: int, seed: Any) -> tuple[np.ndarray, np.ndarray]:
        """n i.i.d. draws: X (n, p) int8 signs (Fortran order: X.T is contiguous, one row per coordinate)
        and y = d X m* + e (float64).  Memory n p bytes, refused above :data:`MEMORY_LIMIT_BYTES`."""
        n = check_positive_int(n, "data.n")
        check_memory(float(n) * self.p, f"the training signs (n = {n} times p = {self.p} int8)", "data.n")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        Xt = rng.integers(0, 2, size=(self.p, n), dtype=np.int8)
        Xt *= 2
        Xt -= 1
        support = np.flatnonzero(self.teacher)
        z = self.teacher[support].astype(np.float64) @ Xt[support].astype(np.float64) if support.size else np.zeros(n)
        if self.noise == "gaussian":
            e = self.sigma * rng.standard_normal(n)
        else:
            e = self.sigma * (2.0 * rng.integers(0, 2, n) - 1.0)
        return Xt.T, self.d * z + e


def draw_teacher(p: int, K: int, *, nonzeros: int, seed: int) -> np.ndarray:
    """Teacher codes with exactly ``nonzeros`` non-zero codes at seeded positions, each uniform on the
    non-zero codes {-K..K} minus {0}."""
    p = check_positive_int(p, "data.p")
    nonzeros = int(check_scalar(nonzeros, "data.teacher_nonzeros", numbers.Integral, min_val=0, max_val=p))
    rng = np.random.default_rng(seed)
    codes = np.zeros(p, dtype=np.int64)
    where = rng.choice(p, size=nonzeros, replace=False)
    mags = rng.integers(1, K + 1, size=nonzeros)
    signs = 2 * rng.integers(0, 2, size=nonzeros) - 1
    codes[where] = mags * signs
    return codes
