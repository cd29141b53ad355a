"""Numeric plumbing shared by every formula: input validation against the symbols' domains, and cached
lambdification of sympy expressions into numpy functions.

Validation accepts Python and numpy scalars and arrays.  An integer symbol accepts any integral value
(``3``, ``np.int64(3)``, ``3.0``, an integer array); every value must be finite and in the symbol's domain,
otherwise a ``ValueError`` names the argument, the offending value and the accepted range.
"""

from __future__ import annotations

import functools
import numbers
from typing import Any, Callable, Iterable

import numpy as np
import sympy as sp

from qtheory.theory.symbols import DOMAINS, NAME_OF, Domain


def as_checked(value: Any, name: str, domain: Domain | None = None) -> np.ndarray:
    """``value`` as a float array, after checking every entry against the domain of symbol ``name``."""
    domain = DOMAINS[name] if domain is None else domain
    if isinstance(value, (bool, np.bool_)) or (
        isinstance(value, np.ndarray) and value.dtype == bool
    ):
        raise TypeError(f"{name} must be a number, got a bool ({value!r})")
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} ({value!r})")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a number or an array of numbers, got {value!r}") from exc
    bad = ~_inside(arr, domain)
    if np.any(bad):
        if isinstance(value, numbers.Number):
            shown = value.item() if isinstance(value, np.generic) else value
        else:
            x = float(arr[bad].flat[0])
            shown = int(x) if np.isfinite(x) and x.is_integer() else x
        raise ValueError(f"{name} == {shown!r}, must be {domain.describe()}")
    return arr


def _inside(arr: np.ndarray, domain: Domain) -> np.ndarray:
    ok = np.isfinite(arr)
    with np.errstate(invalid="ignore"):
        ok &= (arr >= domain.low) if domain.low_closed else (arr > domain.low)
        ok &= (arr <= domain.high) if domain.high_closed else (arr < domain.high)
        if domain.integer:
            ok &= arr == np.floor(arr)
    return ok


@functools.lru_cache(maxsize=None)
def lambdified(expr: sp.Basic, args: tuple[sp.Symbol, ...]) -> Callable[..., Any]:
    """``expr`` as a numpy function of ``args`` (cached: each expression is compiled once)."""
    from qtheory.theory.counting import NUMERIC_FUNCTIONS as COUNTING
    from qtheory.theory.kl import NUMERIC_FUNCTIONS

    return sp.lambdify(args, expr, modules=[{**NUMERIC_FUNCTIONS, **COUNTING}, "scipy", "numpy"])


@functools.lru_cache(maxsize=4096)
def _arguments(expr: sp.Basic) -> tuple[tuple[sp.Symbol, ...], tuple[str, ...]]:
    """The free symbols of ``expr`` sorted by name, and their command-line names (cached)."""
    syms = tuple(sorted(expr.free_symbols, key=lambda x: x.name))
    return syms, tuple(NAME_OF.get(x, x.name) for x in syms)


def call(expr: sp.Basic, values: dict[str, np.ndarray]) -> np.ndarray:
    """Evaluate ``expr`` at ``values`` (command-line names -> arrays), broadcasting them together."""
    syms, names = _arguments(expr)
    missing = [nm for nm in names if nm not in values]
    if missing:
        raise ValueError(f"missing value for {', '.join(missing)}")
    args = np.broadcast_arrays(*[np.asarray(values[nm], dtype=float) for nm in names]) if names else []
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        out = lambdified(expr, syms)(*args)
    shape = np.broadcast_shapes(*[np.shape(v) for v in values.values()]) if values else ()
    return np.broadcast_to(np.asarray(out, dtype=float), shape).copy() if shape else np.asarray(out, dtype=float)


def names_of(exprs: Iterable[sp.Basic]) -> set[str]:
    """Command-line names of the free symbols of ``exprs``."""
    out: set[str] = set()
    for e in exprs:
        out |= {NAME_OF[x] for x in e.free_symbols if x in NAME_OF}
    return out
