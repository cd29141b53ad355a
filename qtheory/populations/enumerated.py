"""The population side of an enumeration of Q^p for a problem on the analytic population R(p, beta*, sigma, B).

``enumerate_exact`` tabulates L_n and F over Q^p from the training sample; the population risk of a
:class:`~qtheory.populations.sign_problem.SignProblem` has no finite support to score, so
:func:`with_population_risk` adds it from docs/theory.md section 5:

* the table of L over Q^p by E1: L(beta) depends on the codes m only through the counts
  c_k = #{j : |m_j - m*_j| = k}, k = 1..2K, so each distinct count vector is evaluated once
  (:meth:`RademacherFamily.risk_of_counts`) and looked up for every code vector that has it;
* L*_Q = L(beta*) = h(0) by E2 (Gaussian noise or sigma = 0; refused otherwise), attained at the teacher;
* min{L(beta) : ||beta||_0 = k} and its argmin for each k = 0..p (for beta*_eps and eps), from the table.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from qtheory.populations.sign_problem import SignProblem
from qtheory.solve.enumerate import ExactQuantities


def population_table(problem: SignProblem, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(codes (|Q|^p, p) in the canonical order of ``shape``, L of each by E1 as a table of ``shape``)."""
    index = np.indices(shape).reshape(len(shape), -1).T
    codes = problem.codes_from_indices(index)
    fam = problem.family
    counts = np.stack([fam.delta_counts(row) for row in codes])
    unique, inverse = np.unique(counts, axis=0, return_inverse=True)
    risks = np.array([fam.risk_of_counts(c) for c in unique])
    return codes, risks[np.asarray(inverse).ravel()].reshape(shape)


def with_population_risk(exact: ExactQuantities) -> ExactQuantities:
    """``exact`` (an enumeration of a :class:`SignProblem` with tables) with the population quantities added:
    ``tables["population"]`` (E1), ``L_star`` and ``L_argmin`` (E2: the teacher), ``min_L_by_k`` and
    ``argmin_L_by_k`` (from the table)."""
    pb = exact.problem
    if not isinstance(pb, SignProblem):
        raise TypeError(f"with_population_risk needs a problem on the analytic population, got {type(pb).__name__}")
    if "empirical" not in exact.tables:
        raise ValueError("with_population_risk needs an enumeration with tables (keep_tables=True)")
    shape = exact.tables["empirical"].shape
    codes, table = population_table(pb, shape)
    flat = table.ravel()
    k = np.count_nonzero(codes, axis=1)
    min_by_k = np.full(pb.p + 1, np.inf)
    argmin_by_k = np.zeros((pb.p + 1, pb.p), dtype=np.int64)
    for size in np.unique(k):
        rows = np.flatnonzero(k == size)
        best = rows[int(np.argmin(flat[rows]))]
        min_by_k[size], argmin_by_k[size] = flat[best], codes[best]
    tables = dict(exact.tables, population=table)
    return replace(exact, L_star=pb.L_star(), L_argmin=pb.family.teacher.copy(), min_L_by_k=min_by_k,
                   argmin_L_by_k=argmin_by_k, tables=tables)
