"""One small validator used everywhere, in the style of scikit-learn's ``check_scalar``.

Every message names the argument, the value received and the accepted range, so that a user sees at once
what is wrong.  Type families are ``numbers.Integral`` / ``numbers.Real`` so numpy scalars are accepted.
"""

from __future__ import annotations

import numbers
import os
from pathlib import Path
from typing import Any

import numpy as np

#: Largest magnitude accepted for a data value or a grid level.  Squares and sums over n samples and p
#: parameters of products of such numbers stay far inside the float64 range (about 1.8e308).
MAX_MAGNITUDE = 1e12
#: Largest number of float64 entries of a data set or population (rows x columns): 400 MB.
MAX_DATA_ENTRIES = 50_000_000
#: Largest number of parameters p of a network.
MAX_PARAMS = 1_000_000
#: Largest number of classes of a classification target.
MAX_CLASSES = 100
#: Largest code magnitude K of a grid (|Q| = 2K + 1 levels).
MAX_GRID_K = 2**20


class UserFileError(ValueError):
    """A user's file (a variant file) could not be run; the message reads ``FILE:LINE: ExceptionType: message``."""


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
    left_closed = include_boundaries in ("both", "left")
    right_closed = include_boundaries in ("both", "right")
    accepted = _interval(min_val, max_val, left_closed, right_closed)
    wanted = f"a number of type {_type_name(target_type)} in {accepted}"
    if isinstance(x, bool) and target_type is not bool:
        raise TypeError(f"{name} must be {wanted}, got a bool ({x!r})")
    if not isinstance(x, target_type):
        raise TypeError(f"{name} must be {wanted}, got {type(x).__name__} ({_short(x)})")
    if isinstance(x, numbers.Real):
        try:
            finite = np.isfinite(float(x))
        except OverflowError:  # an integer beyond the float range
            raise ValueError(
                f"{name} is an integer of about {int(int(x).bit_length() * 0.30103) + 1} digits, "
                f"must be in {accepted} and below 1.8e308 in magnitude"
            ) from None
        if not finite:
            raise ValueError(f"{name} must be finite, got {x!r}; accepted range {accepted}")
    low_ok = min_val is None or (x >= min_val if left_closed else x > min_val)
    high_ok = max_val is None or (x <= max_val if right_closed else x < max_val)
    if not (low_ok and high_ok):
        raise ValueError(f"{name} == {x!r}, must be in {accepted}")
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


def check_bool(x: Any, name: str) -> bool:
    """``True`` or ``False`` (numpy booleans accepted); an integer such as 1 is refused."""
    if not isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name} must be true or false, got {type(x).__name__} ({x!r})")
    return bool(x)


def check_table(x: Any, name: str) -> dict:
    """A table (a dict) of a TOML file."""
    if not isinstance(x, dict):
        raise ValueError(f"[{name}] must be a table, got {type(x).__name__} ({x!r})")
    return x


def check_string(x: Any, name: str) -> str:
    """A string."""
    if not isinstance(x, str):
        raise TypeError(f"{name} must be a string, got {type(x).__name__} ({x!r})")
    return x


def check_real_list(x: Any, name: str, *, min_len: int = 1, max_magnitude: float = MAX_MAGNITUDE) -> list[float]:
    """A list of finite real numbers (not booleans) of magnitude at most ``max_magnitude``."""
    if not isinstance(x, (list, tuple)) or len(x) < min_len:
        raise ValueError(f"{name} must be a list of at least {min_len} numbers, got {x!r}")
    return [
        float(check_scalar(v, f"{name}[{i}]", numbers.Real, min_val=-max_magnitude, max_val=max_magnitude))
        for i, v in enumerate(x)
    ]


def check_size(count: int, name: str, limit: int, what: str) -> int:
    """A size estimated before anything is allocated: ``count`` (of ``what``) must be at most ``limit``."""
    if count > limit:
        raise ValueError(f"{name}: {what} would be {count:.3g}, must be at most {limit:,}")
    return count


def check_output_dir(path: str | Path, name: str) -> Path:
    """An output directory that exists or can be created: no part of it is a regular file, and its nearest
    existing ancestor is a writable directory.  Nothing is created."""
    path = Path(path)
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        where = "" if probe == path else f" ({str(probe)!r} is a file)"
        raise ValueError(f"{name} == {str(path)!r}, must be a directory (existing or new), not a file{where}")
    if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
        raise ValueError(f"{name} == {str(path)!r}, must be a writable directory ({str(probe)!r} is not writable)")
    return path


def check_choice(x: Any, name: str, choices: tuple[str, ...] | list[str]) -> str:
    """A string among ``choices``."""
    if x not in choices:
        raise ValueError(f"{name} == {x!r}, must be one of {', '.join(repr(c) for c in choices)}")
    return x


def _short(x: Any, limit: int = 60) -> str:
    """``repr(x)`` cut to ``limit`` characters (a message stays one short line)."""
    text = repr(x)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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


#: default limit for one large allocation (a sample of signs, a batch of code vectors)
MEMORY_LIMIT_BYTES = 4 * 2**30


def check_memory(nbytes: float, what: str, key: str, limit: float = MEMORY_LIMIT_BYTES, *,
                 remedy: str | None = None) -> None:
    """Refuse an allocation estimated at ``nbytes`` above ``limit``, naming the key that sets its size (and
    ``remedy``, default "reduce <key>")."""
    if nbytes > limit:
        raise ValueError(f"{key}: {what} would need about {nbytes / 2**30:.3g} GiB, over the limit of "
                         f"{limit / 2**30:.3g} GiB; {remedy or 'reduce ' + key}")
