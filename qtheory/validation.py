"""One small validator used everywhere, in the style of scikit-learn's ``check_scalar``.

Every message names the argument, the value received and the accepted range, so that a user sees at once
what is wrong.  Type families are ``numbers.Integral`` / ``numbers.Real`` so numpy scalars are accepted.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np


def check_scalar(
    x: Any,
    name: str,
    target_type: type | tuple[type, ...],
    *,
    min_val: float | None = None,
    max_val: float | None = None,
    include_boundaries: str = "both",
) -> Any:
    """Validate a scalar argument; return it unchanged.

    ``include_boundaries`` is one of "both", "left", "right", "neither" and says which of ``min_val`` and
    ``max_val`` are allowed values.  Raises ``TypeError`` for a wrong type and ``ValueError`` outside the
    range; both messages name the argument and the accepted range.
    """
    if include_boundaries not in ("both", "left", "right", "neither"):
        raise ValueError(f"include_boundaries must be 'both', 'left', 'right' or 'neither', got {include_boundaries!r}")
    if isinstance(x, bool) and target_type is not bool:
        raise TypeError(f"{name} must be a number of type {_type_name(target_type)}, got a bool ({x!r})")
    if not isinstance(x, target_type):
        raise TypeError(f"{name} must be of type {_type_name(target_type)}, got {type(x).__name__} ({x!r})")
    if isinstance(x, numbers.Real) and not np.isfinite(float(x)):
        raise ValueError(f"{name} must be finite, got {x!r}")
    left_closed = include_boundaries in ("both", "left")
    right_closed = include_boundaries in ("both", "right")
    low_ok = min_val is None or (x >= min_val if left_closed else x > min_val)
    high_ok = max_val is None or (x <= max_val if right_closed else x < max_val)
    if not (low_ok and high_ok):
        raise ValueError(f"{name} == {x!r}, must be in {_interval(min_val, max_val, left_closed, right_closed)}")
    return x


def check_probability(x: Any, name: str = "delta") -> float:
    """A confidence level delta' in the open interval (0, 1)."""
    return float(check_scalar(x, name, numbers.Real, min_val=0.0, max_val=1.0, include_boundaries="neither"))


def check_positive_int(x: Any, name: str, *, min_val: int = 1) -> int:
    """An integer >= ``min_val`` (numpy integers accepted)."""
    return int(check_scalar(x, name, numbers.Integral, min_val=min_val))


def check_positive_real(x: Any, name: str, *, allow_zero: bool = False) -> float:
    """A finite real > 0 (or >= 0 with ``allow_zero``)."""
    bounds = "left" if allow_zero else "neither"
    return float(check_scalar(x, name, numbers.Real, min_val=0.0, include_boundaries=bounds))


def check_choice(x: Any, name: str, choices: tuple[str, ...] | list[str]) -> str:
    """A string among ``choices``."""
    if x not in choices:
        raise ValueError(f"{name} == {x!r}, must be one of {', '.join(repr(c) for c in choices)}")
    return x


def _type_name(t: type | tuple[type, ...]) -> str:
    if isinstance(t, tuple):
        return " or ".join(_type_name(u) for u in t)
    return {numbers.Integral: "int", numbers.Real: "float"}.get(t, t.__name__)


def _interval(lo: float | None, hi: float | None, left_closed: bool, right_closed: bool) -> str:
    left = ("[" if left_closed else "(") + ("-inf" if lo is None else repr(lo))
    right = ("inf" if hi is None else repr(hi)) + ("]" if right_closed else ")")
    if lo is None:
        left = "(-inf"
    if hi is None:
        right = "inf)"
    return f"{left}, {right}"
