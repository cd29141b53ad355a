"""The common result of every solver."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qtheory.jsonable import to_jsonable


@dataclass
class Solution:
    """A point of Q^p found by a solver, with the proof (or absence of proof) of its optimality.

    codes : integer codes m (beta_j = level of m_j), length p.
    weights : the values beta (float64), for display; codes are authoritative.
    objective : the objective value at ``codes``, re-evaluated in float64 by the problem's own code.
    objective_name : "empirical" (L_n), "penalized" (F = L_n + P) or "population" (L).
    method : how it was found ("enumerate", "bnb", "mip:SCIP", "qcd", ...).
    certified : True only when global optimality is proven (exhaustive search, a branch-and-bound with a valid
        bound, or a MIP solver's optimal status).
    status : the solver's own status word (e.g. "optimal", "exhaustive", "time_limit").
    info : anything else the solver reports (bound gap, node count, timing, ...).
    """

    codes: np.ndarray
    weights: np.ndarray
    objective: float
    objective_name: str
    method: str
    certified: bool
    status: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "codes": [int(c) for c in np.asarray(self.codes)],
            "weights": [float(w) for w in np.asarray(self.weights)],
            "objective": float(self.objective),
            "objective_name": self.objective_name,
            "method": self.method,
            "certified": bool(self.certified),
            "status": self.status,
            "info": to_jsonable(self.info),
        }


