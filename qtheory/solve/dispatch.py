"""Pick and run an exact method for a problem: enumeration, branch-and-bound or MIP.

* ``enumerate`` — exhaustive, any model and loss, any objective (``qtheory.solve.enumerate``).
* ``bnb`` — branch-and-bound for a one-output linear model with the squared loss (``qtheory.solve.bnb``).
* ``mip`` — MIP through cvxpy for one-output linear models (squared, hinge, 0-1 losses) and one-hidden-layer
  ReLU networks (``qtheory.solve.mip``).
* ``auto`` — enumeration when its up-front estimate is within ``AUTO_ENUMERATION_SECONDS``, otherwise the
  fastest applicable exact solver (bnb for linear least squares, else mip).

Branch-and-bound and MIP minimize L_n or L (the MCP penalty is only handled by enumeration).  Whatever the
method, the returned codes are re-evaluated by ``Problem.objective`` in float64 and compared with the solver's
own objective; a mismatch is an error, never a silent answer.
"""

from __future__ import annotations

import numpy as np

from qtheory.problem import OBJECTIVES, Problem
from qtheory.solve.enumerate import DEFAULT_MAX_SECONDS, enumerate_exact, estimate_enumeration
from qtheory.solve.solution import Solution
from qtheory.validation import check_choice, check_positive_real

METHODS = ("auto", "enumerate", "bnb", "mip")
AUTO_ENUMERATION_SECONDS = 60.0


def solve_problem(
    problem: Problem,
    *,
    objective: str = "empirical",
    method: str = "auto",
    max_seconds: float | None = None,
    time_limit: float | None = None,
) -> Solution:
    """Global minimizer of ``objective`` over Q^p by ``method``."""
    check_choice(objective, "objective", OBJECTIVES)
    check_choice(method, "method", METHODS)
    if max_seconds is not None:
        max_seconds = check_positive_real(max_seconds, "max_seconds")
    if time_limit is not None:
        time_limit = check_positive_real(time_limit, "time_limit")
    if objective == "penalized" and problem.penalty is None:
        raise ValueError("objective 'penalized' needs a [penalty] table (a, lam) in the problem file")
    from qtheory.populations.sign_problem import is_sign_problem

    if objective == "population" and is_sign_problem(problem):  # E2: the teacher minimizes L over Q^p
        return _teacher_solution(problem)
    if objective == "population" and problem.population is None:
        raise ValueError("objective 'population' needs a finite population (data.kind 'teacher', or n with csv)")
    if method == "auto":
        method = _auto_method(problem, objective, max_seconds)
    if method == "enumerate":
        exact = enumerate_exact(problem, max_seconds=DEFAULT_MAX_SECONDS if max_seconds is None else max_seconds)
        return exact.solution(objective)
    reason = solver_unsupported(problem, objective, method)
    if reason:
        raise ValueError(f"method {method!r} cannot solve this problem: {reason}")
    sol = _run_solver(problem, objective, method, time_limit)
    reference = float(problem.objective(sol.codes, objective))
    scale = max(1.0, problem.loss.B)
    if abs(reference - sol.objective) > 1e-9 * scale:
        raise RuntimeError(
            f"{sol.method} returned objective {sol.objective!r} but the problem evaluates its codes to {reference!r}"
        )
    sol.objective = reference
    sol.weights = problem.values(sol.codes)
    return sol


def enumeration_is_quick(problem: Problem, method: str) -> str | None:
    """For ``method`` 'bnb' or 'mip': the up-front enumeration estimate (``Estimate.describe``) when it is within
    ``AUTO_ENUMERATION_SECONDS`` -- enumeration would then certify the optimum at that cost, while a solver
    forced on the problem may take far longer -- else None.  None for the other methods."""
    if method not in ("bnb", "mip"):
        return None
    est = estimate_enumeration(problem)
    return est.describe() if est.seconds <= AUTO_ENUMERATION_SECONDS else None


def solver_unsupported(problem: Problem, objective: str, method: str) -> str | None:
    """Why ``method`` ('bnb' or 'mip') cannot solve ``problem``, or None when it can."""
    net, loss = problem.network, problem.loss
    if objective == "penalized":
        return "the MCP penalty is only handled by enumeration (use --method enumerate)"
    if net.n_outputs != 1:
        return "only one-output models are supported"
    if net.kind == "linear":
        if method == "bnb" and not _least_squares(problem, objective):
            return "branch-and-bound handles least squares only (the squared loss with a clip B no grid point reaches)"
        if loss.kind == "logistic":
            return "the logistic loss has no exact MIP formulation here (squared, hinge, zero_one only)"
        return None
    if method == "bnb":
        return "branch-and-bound handles linear models only"
    if len(net.layout) != 2 or net.activation != "relu":
        return "MIP handles linear models and one-hidden-layer ReLU networks only"
    if loss.kind == "logistic":
        return "the logistic loss has no exact MIP formulation here"
    return None


def _least_squares(problem: Problem, objective: str) -> bool:
    """Whether min(r^2, B) = r^2 on the whole grid box (exact output bounds of the linear model)."""
    if problem.loss.kind != "squared":
        return False
    from qtheory.solve.linear_exact import linear_output_bounds, squared_clip_inactive

    data = problem.population if objective == "population" else problem.train
    bounds = linear_output_bounds(data.X, problem.param_grids, problem.network.bias)
    return bool(np.all(squared_clip_inactive(*bounds, data.y, problem.loss.B)))


def _auto_method(problem: Problem, objective: str, max_seconds: float | None) -> str:
    est = estimate_enumeration(problem)
    if est.seconds <= (AUTO_ENUMERATION_SECONDS if max_seconds is None else max_seconds):
        return "enumerate"
    for candidate in ("bnb", "mip"):
        if solver_unsupported(problem, objective, candidate) is None:
            return candidate
    raise ValueError(
        f"no exact method fits: enumeration would take {est.describe()}, and "
        f"bnb/mip cannot solve it ({solver_unsupported(problem, objective, 'mip')}); "
        "pass --max-seconds to enumerate anyway"
    )


def _run_solver(problem: Problem, objective: str, method: str, time_limit: float | None) -> Solution:
    data = problem.population if objective == "population" else problem.train
    weights = problem.population.weights if objective == "population" else None
    B = None if problem.loss.kind == "zero_one" else problem.loss.B
    net = problem.network
    if net.kind == "linear":
        from qtheory.solve.linear_exact import solve_linear_exact

        return solve_linear_exact(
            data.X, data.y, problem.param_grids, loss=problem.loss.kind, B=B, weights=weights,
            bias=net.bias, method=method, time_limit=time_limit, objective_name=objective,
        )
    from qtheory.solve.mip import solve_relu_mip

    return solve_relu_mip(
        data.X, data.y, problem.param_grids, hidden=net.layers[1], loss=problem.loss.kind, B=B,
        weights=weights, bias=net.bias, time_limit=time_limit, objective_name=objective,
    )


def _teacher_solution(problem: Problem) -> Solution:
    """argmin L over Q^p for the analytic population: beta* by E2 (refused where E2's hypothesis fails)."""
    L_star = problem.L_star()
    codes = problem.family.teacher.copy()
    return Solution(codes=codes, weights=problem.values(codes), objective=L_star, objective_name="population",
                    method="E2", certified=True, status="proof (docs/theory.md E2)",
                    info={"L_of_codes_by_E1": float(problem.population_risk(codes))})
