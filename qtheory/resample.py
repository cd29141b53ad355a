"""Many training samples of one population, each judged exactly as a problem built from its file would be.

A probabilistic claim is tested on training samples Z_1..Z_n drawn i.i.d. from a fixed population P.
Everything that depends on P alone -- the population table L(beta) over Q^p, L*_Q, beta*_eps and
min{L : ||beta||_0 = k} -- is the same for every sample; only the training set, the L_n (and F = L_n + P)
tables, their minima and U_Q change.  :class:`PopulationResampler` keeps the first and recomputes the
second for each data seed, instead of parsing the problem file, generating the population and enumerating
Q^p again.

Exactness.  The training set of data seed s is the one ``qtheory.problem.problem_from_config`` draws from the
same population with ``default_rng([s, 1])`` (a finite population: ``Population.sample``; the analytic
population: ``RademacherFamily.sample``).  The L_n table is the reference evaluation
(``Problem.empirical_risk``) at every code vector of Q^p, so min L_n, min F and their argmins are read off
it exactly.  :meth:`PopulationResampler.self_check` compares the case it builds for the base's own seed with
the base (built from the file and enumerated) before it is used.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from qtheory.data import Dataset
from qtheory.strategies import Case, _smoothness

#: resampling is used when |Q^p| n is at most this (one reference evaluation of the whole table per sample)
MAX_TABLE_WORK = 4_000_000


class PopulationResampler:
    """Cases of one population for any data seed (module doc).  ``base`` is a case built from the problem
    file (``qtheory.strategies.build_case``); the penalty, nu and every knob are kept from it."""

    def __init__(self, base: Case) -> None:
        if not self.applies(base):
            raise ValueError("PopulationResampler needs a population sampled by data seed, an enumeration with "
                             f"tables and |Q^p| n <= {MAX_TABLE_WORK}")
        pb = base.problem
        self.base = base
        self.shape = tuple(int(r) for r in pb.radices)
        self.codes = pb.codes_from_indices(np.indices(self.shape).reshape(len(self.shape), -1).T)
        self.nonzeros = np.count_nonzero(self.codes, axis=1)
        self.penalty_table = pb.penalty_value(self.codes) if pb.penalty is not None else None

    @staticmethod
    def applies(case: Case) -> bool:
        """Whether the case's training set is a seeded draw from its population (the analytic population,
        or a finite one: teacher, sklearn ``as_population``, CSV with ``n``), its enumeration kept its tables
        and |Q^p| n <= :data:`MAX_TABLE_WORK`."""
        from qtheory.populations.sign_problem import is_sign_problem

        pb = case.problem
        if "empirical" not in case.exact.tables or pb.n_codes * pb.n > MAX_TABLE_WORK:
            return False
        if is_sign_problem(pb):
            return True
        data = case.config["data"]
        kind = data.get("kind")
        drawn = (kind == "teacher" or (kind == "sklearn" and bool(data.get("as_population")))
                 or (kind == "csv" and "n" in data))
        return bool(drawn) and pb.population is not None

    def sample_indices(self, seed: int) -> np.ndarray:
        """The support indices of the training set of data seed ``seed`` (a finite population)."""
        pb = self.base.problem
        return pb.population.sample_with_indices(pb.n, np.random.default_rng([int(seed), 1]))[2]

    def training_set(self, seed: int) -> Dataset:
        """The training set of data seed ``seed``, drawn as ``problem_from_config`` draws it."""
        from qtheory.populations.sign_problem import is_sign_problem

        pb = self.base.problem
        rng = np.random.default_rng([int(seed), 1])
        if is_sign_problem(pb):
            return Dataset(*pb.family.sample(pb.n, rng))
        return pb.population.sample(pb.n, rng)

    def case(self, seed: int) -> Case:
        """The case of data seed ``seed``: the base case with its training set, L_n (and F) tables, minima and
        U_Q replaced by those of that sample."""
        t0 = time.perf_counter()
        base = self.base
        problem = dataclasses.replace(base.problem, train=self.training_set(seed), info=dict(base.problem.info))
        Ln = np.asarray(problem.empirical_risk(self.codes), dtype=np.float64)
        tables = dict(base.exact.tables, empirical=Ln.reshape(self.shape))
        Ln_arg, Ln_min, near_Ln = self._minimum(Ln)
        near = dict(base.exact.near_minimizers, empirical=near_Ln)
        extra: dict = {}
        if self.penalty_table is not None:
            F = Ln + self.penalty_table  # the reference F = L_n + P, term by term
            tables["penalized"] = F.reshape(self.shape)
            F_arg, F_min, near["penalized"] = self._minimum(F)
            extra = {"F_min": F_min, "F_argmin": F_arg, "min_F_by_k": self._min_by_k(F)}
        exact = dataclasses.replace(
            base.exact, problem=problem, method="resample", Ln_min=Ln_min, Ln_argmin=Ln_arg,
            min_Ln_by_k=self._min_by_k(Ln), near_minimizers=near, tables=tables,
            seconds=time.perf_counter() - t0, **extra,
        )
        exact.sparse_memo = base.exact.sparse_memo  # beta*_eps and its L depend on the population only
        config = dict(base.config, data=dict(base.config["data"], seed=int(seed)))
        return Case(base.spec.with_seed(seed), config, problem, exact, _smoothness(problem, exact), base.params)

    def _minimum(self, table: np.ndarray) -> tuple[np.ndarray, float, int]:
        """(argmin, min, number of minimizers) of a reference table."""
        best = int(np.argmin(table))
        return self.codes[best].copy(), float(table[best]), int(np.count_nonzero(table == table[best]))

    def _min_by_k(self, table: np.ndarray) -> np.ndarray:
        """min of the table over code vectors with k non-zeros, k = 0..p (inf where there is none)."""
        out = np.full(self.codes.shape[1] + 1, np.inf)
        np.minimum.at(out, self.nonzeros, table)
        return out

    def self_check(self) -> bool:
        """Whether the case built here for the base's own data seed has the base's training set and, within
        round-off (1e-12 B), its L_n and F tables, min L_n and min F, and U_Q within 1e-6 relative."""
        base = self.base
        mine = self.case(int(base.config["data"]["seed"]))
        a, b = mine.problem.train, base.problem.train
        if not (np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)):
            return False
        tol = 1e-12 * max(1.0, float(base.problem.loss.B))
        names = ["empirical"] + (["penalized"] if "penalized" in base.exact.tables else [])
        if not all(np.allclose(mine.exact.tables[k], base.exact.tables[k], rtol=0, atol=tol) for k in names):
            return False
        if abs(mine.exact.Ln_min - base.exact.Ln_min) > tol:
            return False
        if base.exact.F_min is not None and abs(mine.exact.F_min - base.exact.F_min) > tol:
            return False
        return abs(mine.U - base.U) <= 1e-6 * max(1.0, abs(base.U))


__all__ = ["MAX_TABLE_WORK", "PopulationResampler"]
