"""Quantization grids over integer codes.

A grid Q is a finite, strictly increasing set of levels.  Weights are stored everywhere as **integer codes**,
never as floats, so that sparsity counts ||beta||_0 are exact (a float weight can be a fake non-zero such as
-5.6e-17).  The code of a level is its *signed rank counted from zero*:

* the level 0 (when present) has code 0;
* the positive levels have codes 1, 2, 3, ... in increasing order;
* the negative levels have codes -1, -2, ... in decreasing order.

For the uniform grid Q = {m d : m integer, |m| <= K} this gives code m <-> value m d, as in docs/theory.md; for the
binary grid {-s, +s} the codes are {-1, +1}.  A code is zero exactly when its value is zero.

Besides codes, enumeration code uses the *index* of a level, 0..|Q|-1 in increasing order of value.
Neighbours of a level are the adjacent levels (index +- 1), which for the uniform grid is m +- 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from qtheory.validation import check_choice, check_positive_int, check_positive_real

ROUNDING_MODES = ("half_even", "stochastic")


@dataclass(frozen=True, eq=False)
class Grid:
    """A finite set of quantization levels with integer codes (signed rank from zero).

    Use the constructors :meth:`uniform`, :meth:`bits`, :meth:`ternary`, :meth:`binary` and
    :meth:`from_levels` rather than the raw constructor.

    Attributes
    ----------
    levels : ndarray of float64, strictly increasing, the values of Q.
    codes : ndarray of int64, the integer code of each level (same order as ``levels``).
    step : the spacing d of a uniform grid (also for ternary/binary/bits grids); ``None`` for custom levels.
    """

    levels: np.ndarray
    codes: np.ndarray
    step: float | None = None
    _index_of_code: dict = field(default_factory=dict, repr=False)

    # ----------------------------------------------------------------- constructors
    @classmethod
    def uniform(cls, K: int, step: float) -> "Grid":
        """Q = {m d : m integer, |m| <= K} with d = ``step`` > 0 and integer K >= 1; |Q| = 2K + 1."""
        K = check_positive_int(K, "K", min_val=1)
        step = check_positive_real(step, "step")
        codes = np.arange(-K, K + 1, dtype=np.int64)
        return cls._make(codes * step, codes, step)

    @classmethod
    def bits(cls, bits: int, step: float = 1.0) -> "Grid":
        """Symmetric narrow-range b-bit grid: K = 2^(b-1) - 1, so |Q| = 2^b - 1 <= 2^b (b >= 2)."""
        bits = check_positive_int(bits, "bits", min_val=2)
        if bits > 16:
            raise ValueError(f"bits == {bits}, must be in [2, 16] (a wider grid cannot be enumerated)")
        return cls.uniform(2 ** (bits - 1) - 1, step)

    @classmethod
    def ternary(cls, step: float = 1.0) -> "Grid":
        """Q = {-d, 0, +d}."""
        return cls.uniform(1, step)

    @classmethod
    def binary(cls, scale: float = 1.0) -> "Grid":
        """Q = {-s, +s} (no zero level); codes {-1, +1}."""
        scale = check_positive_real(scale, "scale")
        codes = np.array([-1, 1], dtype=np.int64)
        return cls._make(codes * scale, codes, None)

    @classmethod
    def from_levels(cls, levels: Iterable[float]) -> "Grid":
        """Custom levels, strictly increasing and finite (at least two)."""
        arr = np.asarray(list(levels) if not isinstance(levels, np.ndarray) else levels, dtype=np.float64)
        if arr.ndim != 1 or arr.size < 2:
            raise ValueError(f"levels must be a 1-D list of at least 2 numbers, got shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"levels must be finite, got {arr.tolist()}")
        if np.any(np.diff(arr) <= 0):
            bad = int(np.argmax(np.diff(arr) <= 0))
            raise ValueError(
                f"levels must be strictly increasing (sorted, no repeats); levels[{bad}] = {arr[bad]!r} "
                f">= levels[{bad + 1}] = {arr[bad + 1]!r}"
            )
        n_neg = int(np.sum(arr < 0))
        n_pos = int(np.sum(arr > 0))
        has_zero = arr.size > n_neg + n_pos
        codes = np.concatenate(
            [np.arange(-n_neg, 0), [0] if has_zero else [], np.arange(1, n_pos + 1)]
        ).astype(np.int64)
        return cls._make(arr, codes, None)

    @classmethod
    def _make(cls, levels: np.ndarray, codes: np.ndarray, step: float | None) -> "Grid":
        levels = np.asarray(levels, dtype=np.float64)
        levels.setflags(write=False)
        codes = np.asarray(codes, dtype=np.int64)
        codes.setflags(write=False)
        index = {int(c): i for i, c in enumerate(codes)}
        return cls(levels=levels, codes=codes, step=step, _index_of_code=index)

    # ----------------------------------------------------------------- basic facts
    @property
    def size(self) -> int:
        """|Q|, the number of levels."""
        return int(self.levels.size)

    @property
    def log_size(self) -> float:
        """ln |Q|."""
        return math.log(self.size)

    @property
    def K(self) -> int:
        """The largest code magnitude (K of the uniform grid)."""
        return int(np.max(np.abs(self.codes)))

    @property
    def R(self) -> float:
        """Range R = max |level| (R = K d for the uniform grid)."""
        return float(np.max(np.abs(self.levels)))

    @property
    def has_zero(self) -> bool:
        """Whether 0 is a level (needed by L1's sparsity count for A, B, C, L2)."""
        return 0 in self._index_of_code

    @property
    def zero_index(self) -> int | None:
        return self._index_of_code.get(0)

    @property
    def is_uniform(self) -> bool:
        return self.step is not None

    @property
    def min_spacing(self) -> float:
        return float(np.min(np.diff(self.levels)))

    def describe(self) -> str:
        if self.is_uniform:
            return f"uniform grid K={self.K}, step={self.step:g} (|Q|={self.size})"
        return f"levels {self.levels.tolist()} (|Q|={self.size})"

    def __repr__(self) -> str:
        return f"Grid({self.describe()})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Grid) and np.array_equal(self.levels, other.levels) and self.step == other.step

    def __hash__(self) -> int:
        return hash((tuple(self.levels.tolist()), self.step))

    # ----------------------------------------------------------------- conversions
    def index_of(self, codes: np.ndarray | int, name: str = "codes") -> np.ndarray:
        """Level index (0..|Q|-1) of each integer code; raises ValueError naming ``name`` for an invalid code."""
        arr = np.asarray(codes)
        if arr.dtype.kind == "f":
            if not np.all(arr == np.round(arr)):
                raise ValueError(f"{name} must be integer codes, got non-integer values")
            arr = arr.astype(np.int64)
        elif arr.dtype.kind not in "iu":
            raise TypeError(f"{name} must be integer codes, got dtype {arr.dtype}")
        arr = arr.astype(np.int64)
        idx = np.clip(np.searchsorted(self.codes, arr), 0, self.size - 1)
        bad = self.codes[idx] != arr
        if np.any(bad):
            first = arr[bad].ravel()[0]
            raise ValueError(
                f"{name} contains {int(first)}, not a code of this grid; valid codes are {self.codes.tolist()}"
            )
        return idx.astype(np.int64)

    def code_at(self, index: np.ndarray | int) -> np.ndarray:
        """Integer code of each level index."""
        return self.codes[np.asarray(index)]

    def values(self, codes: np.ndarray | int, name: str = "codes") -> np.ndarray:
        """beta = the level of each code (m d for the uniform grid)."""
        return self.levels[self.index_of(codes, name)]

    def codes_of_values(self, values: np.ndarray | float, *, atol: float = 1e-12) -> np.ndarray:
        """Exact inverse of :meth:`values`: each value must lie on the grid (within ``atol``)."""
        v = np.asarray(values, dtype=np.float64)
        idx = self._nearest_index(v)
        off = np.abs(self.levels[idx] - v)
        if np.any(off > atol):
            worst = float(v.ravel()[int(np.argmax(off.ravel()))])
            raise ValueError(f"values contains {worst!r}, which is not a level of {self.describe()}")
        return self.codes[idx]

    def _nearest_index(self, v: np.ndarray) -> np.ndarray:
        right = np.clip(np.searchsorted(self.levels, v), 1, self.size - 1)
        left = right - 1
        return np.where(np.abs(v - self.levels[left]) <= np.abs(self.levels[right] - v), left, right)

    def round(
        self,
        x: np.ndarray | float,
        mode: str = "half_even",
        rng: np.random.Generator | int | None = None,
    ) -> np.ndarray:
        """Integer codes of the levels nearest to ``x`` (clipped to [min Q, max Q]).

        ``half_even``: nearest level, a tie (x exactly midway between two adjacent levels) goes to the level
        with the even code.  ``stochastic``: between the two adjacent levels l_i <= x <= l_{i+1}, choose
        l_{i+1} with probability (x - l_i) / (l_{i+1} - l_i), so that E[value] = x inside the range.
        """
        check_choice(mode, "mode", ROUNDING_MODES)
        v = np.clip(np.asarray(x, dtype=np.float64), self.levels[0], self.levels[-1])
        if not np.all(np.isfinite(v)):
            raise ValueError("x must be finite to be rounded")
        right = np.clip(np.searchsorted(self.levels, v, side="left"), 1, self.size - 1)
        left = right - 1
        lo, hi = self.levels[left], self.levels[right]
        if mode == "half_even":
            dl, dr = v - lo, hi - v
            tie = dl == dr
            even_right = (self.codes[right] % 2) == 0
            pick_right = np.where(tie, even_right, dr < dl)
        else:
            gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
            prob = (v - lo) / (hi - lo)
            pick_right = gen.random(np.shape(v)) < prob
        return self.codes[np.where(pick_right, right, left)]

    def neighbours(self, code: int) -> list[int]:
        """Codes of the adjacent levels (one or two): the moves m -> m +- 1 of Q-CD."""
        i = int(self.index_of(np.asarray(code), "code"))
        return [int(self.codes[j]) for j in (i - 1, i + 1) if 0 <= j < self.size]


def as_grid(spec: "Grid | dict") -> Grid:
    """A grid from a ``Grid`` or a problem file's ``[grid]`` table (keys K+step, bits(+step), or levels)."""
    if isinstance(spec, Grid):
        return spec
    if not isinstance(spec, dict):
        raise TypeError(f"grid must be a Grid or a table, got {type(spec).__name__}")
    keys = set(spec)
    allowed = {"K", "step", "bits", "levels", "kind", "scale"}
    unknown = keys - allowed
    if unknown:
        raise ValueError(f"unknown key grid.{sorted(unknown)[0]}; accepted keys: {', '.join(sorted(allowed))}")
    kind = spec.get("kind")
    if kind is not None:
        check_choice(kind, "grid.kind", ("uniform", "bits", "ternary", "binary", "levels"))
    if "levels" in spec:
        if keys & {"K", "bits"}:
            raise ValueError("grid: give either levels, or K and step, or bits — not several")
        return Grid.from_levels(spec["levels"])
    if kind == "binary":
        return Grid.binary(spec.get("scale", spec.get("step", 1.0)))
    if kind == "ternary":
        return Grid.ternary(spec.get("step", 1.0))
    if "bits" in spec:
        if "K" in spec:
            raise ValueError("grid: give either K or bits, not both")
        return Grid.bits(spec["bits"], spec.get("step", 1.0))
    if "K" in spec:
        if "step" not in spec:
            raise ValueError("missing key grid.step (required with grid.K)")
        return Grid.uniform(spec["K"], spec["step"])
    raise ValueError("missing key in [grid]: give K and step, or bits, or levels (or kind = 'binary'/'ternary')")
