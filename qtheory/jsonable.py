"""Turn results into plain JSON values (numpy scalars and arrays to Python, dict keys to strings)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def to_jsonable(x: Any, *, nonfinite: str = "null") -> Any:
    """``x`` as plain JSON values.

    Non-finite floats are not JSON: ``nonfinite="null"`` writes them as null, ``nonfinite="string"`` as the
    strings "inf", "-inf" and "nan" (when the distinction matters to a reader).
    """
    if nonfinite not in ("null", "string"):
        raise ValueError(f"nonfinite == {nonfinite!r}, must be 'null' or 'string'")
    if isinstance(x, dict):
        return {str(k): to_jsonable(v, nonfinite=nonfinite) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_jsonable(v, nonfinite=nonfinite) for v in x]
    if isinstance(x, np.ndarray):
        return to_jsonable(x.tolist(), nonfinite=nonfinite)
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        v = float(x)
        if math.isfinite(v):
            return v
        if nonfinite == "null":
            return None
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return x
