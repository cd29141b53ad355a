"""Pick and run an exact method for a problem: enumeration, branch-and-bound or MIP."""

from __future__ import annotations

from qtheory.problem import Problem
from qtheory.solve.enumerate import DEFAULT_MAX_SECONDS, enumerate_exact
from qtheory.solve.solution import Solution


def solve_problem(
    problem: Problem,
    *,
    objective: str = "empirical",
    method: str = "auto",
    max_seconds: float | None = None,
    time_limit: float | None = None,
) -> Solution:
    """Global minimizer of ``objective`` over Q^p by ``method`` (``auto``: enumeration)."""
    if objective == "penalized" and problem.penalty is None:
        raise ValueError("objective 'penalized' needs a [penalty] table (a, lam) in the problem file")
    if objective == "population" and problem.population is None:
        raise ValueError("objective 'population' needs a finite population (data.kind 'teacher', or n with csv)")
    if method in ("auto", "enumerate"):
        exact = enumerate_exact(problem, max_seconds=max_seconds or DEFAULT_MAX_SECONDS)
        return exact.solution(objective)
    raise ValueError(f"method == {method!r} is not available for this problem; use 'enumerate'")
