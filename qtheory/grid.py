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
import numbers
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from qtheory.validation import (
    MAX_GRID_K,
    MAX_MAGNITUDE,
    check_choice,
    check_positive_real,
    check_real_list,
    check_scalar,
)

ROUNDING_MODES = ("half_even", "stochastic")
#: widest b-bit grid (|Q| = 2^b - 1 levels)
MAX_BITS = 16


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
        K = int(check_scalar(K, "K", numbers.Integral, min_val=1, max_val=MAX_GRID_K))
        step = check_positive_real(step, "step")
        codes = np.arange(-K, K + 1, dtype=np.int64)
        return cls._make(codes * step, codes, step)

    @classmethod
    def bits(cls, bits: int, step: float = 1.0) -> "Grid":
        """Symmetric narrow-range b-bit grid: K = 2^(b-1) - 1, so |Q| = 2^b - 1 <= 2^b (b >= 2)."""
        bits = int(check_scalar(bits, "bits", numbers.Integral, min_val=2, max_val=MAX_BITS))
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


def params_by_grid(grids: "list[Grid]") -> list[tuple[Grid, np.ndarray]]:
    """The distinct grids of a per-parameter list (by identity), each with the indices of its parameters."""
    groups: dict[int, tuple[Grid, list[int]]] = {}
    for j, g in enumerate(grids):
        groups.setdefault(id(g), (g, []))[1].append(j)
    return [(g, np.array(cols, dtype=np.int64)) for g, cols in groups.values()]


#: the keys each form of a ``[grid]`` table takes (``kind`` is optional where the other keys tell the form)
GRID_FORMS: dict[str, tuple[str, ...]] = {
    "uniform": ("K", "step"),
    "bits": ("bits", "step"),
    "ternary": ("step",),
    "binary": ("scale",),
    "levels": ("levels",),
}


def as_grid(spec: "Grid | dict", where: str = "grid") -> Grid:
    """A grid from a ``Grid`` or a problem file's ``[grid]`` table.

    Forms (keys): uniform (K, step), bits (bits, optional step), ternary (kind, optional step), binary (kind,
    optional scale), levels (levels).  A key of another form is an error naming it, never silently ignored.
    Sizes are checked before any level is built: K <= ``MAX_GRID_K`` and every level within +-``MAX_MAGNITUDE``.
    ``where`` names the table in messages (e.g. ``model.layer_grids[1]``).
    """
    if isinstance(spec, Grid):
        return spec
    if not isinstance(spec, dict):
        raise TypeError(f"[{where}] must be a table, got {type(spec).__name__} ({spec!r})")
    allowed = {"kind", *(k for keys in GRID_FORMS.values() for k in keys)}
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise ValueError(f"unknown key {where}.{unknown[0]}; accepted keys: {', '.join(sorted(allowed))}")
    form = spec.get("kind")
    if form is not None:
        check_choice(form, f"{where}.kind", tuple(GRID_FORMS))
    else:
        form = next((f for f, key in (("levels", "levels"), ("bits", "bits"), ("uniform", "K")) if key in spec), None)
        if form is None:
            raise ValueError(
                f"missing key in [{where}]: give K and step, or bits, or levels (or kind = 'binary'/'ternary')"
            )
    extra = sorted(set(spec) - {"kind", *GRID_FORMS[form]})
    if extra:
        raise ValueError(
            f"{where}.{extra[0]} conflicts with a {form} grid, which takes only: {', '.join(GRID_FORMS[form])}"
            f"{' (and kind)' if form in ('uniform', 'bits', 'levels') else ' and kind'}"
        )
    if form == "levels":
        if "levels" not in spec:
            raise ValueError(f"missing key {where}.levels (required with kind = 'levels')")
        levels = spec["levels"]
        if isinstance(levels, list) and len(levels) > 2 * MAX_GRID_K + 1:
            raise ValueError(f"{where}.levels lists {len(levels)} levels, must list at most {2 * MAX_GRID_K + 1}")
        return Grid.from_levels(check_real_list(levels, f"{where}.levels", min_len=2))
    if form == "binary":
        scale = _checked_step(spec.get("scale", 1.0), f"{where}.scale", 1)
        return Grid.binary(scale)
    if form == "ternary":
        return Grid.ternary(_checked_step(spec.get("step", 1.0), f"{where}.step", 1))
    if form == "bits":
        if "bits" not in spec:
            raise ValueError(f"missing key {where}.bits (required with kind = 'bits')")
        bits = check_scalar(spec["bits"], f"{where}.bits", numbers.Integral, min_val=2, max_val=MAX_BITS)
        return Grid.bits(bits, _checked_step(spec.get("step", 1.0), f"{where}.step", 2 ** (bits - 1) - 1))
    if "K" not in spec:
        raise ValueError(f"missing key {where}.K (required with kind = 'uniform')")
    if "step" not in spec:
        raise ValueError(f"missing key {where}.step (required with {where}.K)")
    K = check_scalar(spec["K"], f"{where}.K", numbers.Integral, min_val=1, max_val=MAX_GRID_K)
    return Grid.uniform(K, _checked_step(spec["step"], f"{where}.step", K))


def _checked_step(step: Any, name: str, K: int) -> float:
    """A spacing d > 0 whose largest level K d stays within ``MAX_MAGNITUDE``."""
    return float(check_scalar(step, name, numbers.Real, min_val=0.0, max_val=MAX_MAGNITUDE / K,
                              include_boundaries="right"))
