"""One problem of a sweep with every exact quantity the cells need (docs/theory.md section 4).

For an enumerable toy problem (a finite population, Q^p small enough) :func:`build_instance` enumerates Q^p
twice: once without penalty, keeping the L_n and L tables (for L*_Q, beta*_eps, eps, U_Q and L1's event),
and once with the penalty for min F (exact, with the enumeration's round-off safeguard).  L1's event on the
sample is decided from the tables: for every k = 0..p, the largest deviation

    dev(k) = max { |L_n(beta) - L(beta)| : beta in Q^p, ||beta||_0 = k }

is compared with D(k); A0's dense event compares max_k dev(k) with D_dense.  Real data sets (no exact L) are
the business of data sweeps (:mod:`qtheory.certify_data`), not of instances.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from qtheory.experiments.penalty import ResolvedPenalty, resolve
from qtheory.problem import Problem, problem_from_config


@dataclass
class ExactBase:
    """Exact quantities of the unpenalized problem (all over Q^p)."""

    L_star: float
    Ln_min: float
    Ln_argmin: np.ndarray
    min_L_by_k: np.ndarray  # min{L : ||beta||_0 = k}, k = 0..p
    argmin_L_by_k: np.ndarray  # (p+1, p) codes
    U: float  # U_Q (exact)
    dev_by_k: np.ndarray  # max |L_n - L| over ||beta||_0 = k
    method: str
    n_codes: int


@dataclass
class Instance:
    """A problem (with its penalty, if any) and its exact quantities."""

    problem: Problem
    base: ExactBase
    resolved: ResolvedPenalty | None = None
    F_min: float | None = None
    F_argmin: np.ndarray | None = None
    step: float | None = None


# ================================================================================== problem
def problem_config(cell_problem: dict[str, Any]) -> dict[str, Any]:
    """The problem-file dict of a cell, with ``data.teacher_values`` turned into ``data.teacher_codes``."""
    cfg = copy.deepcopy(cell_problem)
    data = cfg.get("data", {})
    if "teacher_values" in data:
        from qtheory.grid import as_grid

        if "teacher_codes" in data:
            raise ValueError("give data.teacher_values or data.teacher_codes, not both")
        if "layer_grids" in cfg.get("model", {}):
            raise ValueError("data.teacher_values needs one grid for all layers (no model.layer_grids)")
        grid = as_grid(cfg["grid"])
        values = np.asarray(data.pop("teacher_values"), dtype=np.float64)
        data["teacher_codes"] = [int(c) for c in grid.codes_of_values(values, atol=1e-9)]
    return cfg


def uniform_step(problem: Problem) -> float | None:
    """d when every parameter shares one uniform grid containing 0, else None."""
    grids = {g for g in problem.param_grids}
    if len(grids) != 1:
        return None
    (g,) = grids
    return float(g.step) if g.is_uniform and g.has_zero else None


# ================================================================================== exact
def exact_base(problem: Problem, max_seconds: float) -> ExactBase:
    """Enumerate the unpenalized problem with tables; derive L*_Q, beta*_eps by k, U_Q and dev(k)."""
    from qtheory.empirical import max_deviation_by_sparsity
    from qtheory.solve.certify import grid_smoothness
    from qtheory.solve.enumerate import enumerate_exact

    plain = dataclasses.replace(problem, penalty=None)
    q = enumerate_exact(plain, keep_tables=True, max_seconds=max_seconds, progress=False)
    U = grid_smoothness(plain, quantities=q).U
    dev = max_deviation_by_sparsity(q)[0]
    q.tables.clear()
    return ExactBase(
        L_star=float(q.L_star), Ln_min=float(q.Ln_min), Ln_argmin=q.Ln_argmin.astype(np.int64),
        min_L_by_k=q.min_L_by_k, argmin_L_by_k=q.argmin_L_by_k, U=float(U), dev_by_k=dev,
        method=q.method, n_codes=int(q.n_codes),
    )


def penalized_minimum(problem: Problem, max_seconds: float) -> tuple[float, np.ndarray]:
    """min F and argmin F over Q^p (enumeration without the population: L is not needed here)."""
    from qtheory.solve.enumerate import enumerate_exact

    q = enumerate_exact(dataclasses.replace(problem, population=None), max_seconds=max_seconds, progress=False)
    return float(q.F_min), q.F_argmin.astype(np.int64)


# ================================================================================== build
class InstanceCache:
    """Instances of one task, by problem (the unpenalized exact quantities) and by penalty."""

    def __init__(self) -> None:
        self._base: dict[str, tuple[Problem, ExactBase]] = {}
        self._instances: dict[str, Instance] = {}

    def build(self, config: dict[str, Any]) -> Instance:
        from qtheory.experiments.spec import canonical_json

        full_key = canonical_json([config["problem"], config.get("penalty"), config["max_seconds"]])
        if full_key in self._instances:
            return self._instances[full_key]
        key = canonical_json(config["problem"])
        if key not in self._base:
            problem = problem_from_config(problem_config(config["problem"]))
            if problem.population is None:
                raise ValueError("a toy sweep needs a finite population (data.kind = 'teacher'); "
                                 "for real data use a data sweep (kind = 'data')")
            self._base[key] = (problem, exact_base(problem, config["max_seconds"]))
        problem, base = self._base[key]
        self._instances[full_key] = _with_penalty(problem, base, config)
        return self._instances[full_key]


def _with_penalty(problem: Problem, base: ExactBase, config: dict[str, Any]) -> Instance:
    step = uniform_step(problem)
    inst = Instance(problem=problem, base=base, step=step)
    rule = config.get("penalty")
    if rule is None:
        return inst
    resolved = resolve(rule, U=base.U, d=step)
    inst.problem = dataclasses.replace(problem, penalty=resolved.penalty)
    inst.resolved = resolved
    inst.F_min, inst.F_argmin = penalized_minimum(inst.problem, config["max_seconds"])
    return inst
