"""A claim judged on many training samples of one population at once: the screen of the sequential test.

For R data seeds of one population (:class:`qtheory.resample.PopulationResampler`) the L_n tables of all R
samples are computed together -- on a finite population as M[beta, idx_r].mean over the sample's support
indices idx_r, with the loss matrix M[beta, j] = l(beta, x_j, y_j) computed once over Q^p x support; on the
analytic population from the exact integer products Z = X m -- and every quantity
``qtheory.variants.evaluate_case`` would compute from them is computed as an array over the samples:
U_Q (second differences of each table), min L_n, min F, F(beta*_eps), the solutions (every point, or the
points with F - min F <= tol) and their quantities.  The claim's slack is then one vectorized evaluation
over all (sample, solution) pairs.

What it is used for.  The screen says, per sample, whether an assumption on the problem held, how many
solutions were checked or undefined, and the smallest slack, all up to round-off (the summation order of
the tables and the vectorized transcendental functions differ from the per-sample evaluation in the last
bits).  It never decides a verdict: :meth:`BatchScreen.needs_exact` names the samples whose smallest slack
lies within a round-off margin of a threshold that matters (below ``-tol``, or a record to improve), or
whose problem assumptions are within round-off of failing, and those are judged by ``evaluate_case`` on
the exactly built case.  Claims with other solution kinds (local, qcd), per-point locality, the continuous
quantities or tightness are not screened (:func:`screenable`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qtheory.resample import PopulationResampler
from qtheory.variants import (
    CONTINUOUS_QUANTITIES, QCD_QUANTITIES, ROUND_OFF, Variant, holds, names_in, point_quantities, problem_quantities,
    slack_and_scale,
)

#: relative round-off margin around a decision threshold (of the largest side of a relation)
MARGIN = 1e-9
#: samples screened per call at most (bounds the memory of the (R, |Q^p|) tables)
MAX_BATCH_ENTRIES = 2_000_000
#: the loss matrix over Q^p x support is built when it has at most this many entries
MAX_LOSS_ENTRIES = 4_000_000


def screenable(variant: Variant) -> bool:
    """Whether ``variant`` can be screened in batch: global or every-point solutions, and no quantity that
    needs locality certificates, Q-CD runs or the continuous minimum."""
    if variant.solutions not in ("global", "any"):
        return False
    q = variant.quantities
    return not q & (set(CONTINUOUS_QUANTITIES) | set(QCD_QUANTITIES) | {"is_local"})


@dataclass
class BatchScreen:
    """The screen of R samples (arrays of shape (R,)): applicable, checks, undefined, min_slack, ``margin``
    (the round-off margin of the smallest slack) and ``near_assumption`` (a problem assumption, or the cut
    F - min F <= tol of a global claim, within round-off of deciding otherwise)."""

    applicable: np.ndarray
    checks: np.ndarray
    undefined: np.ndarray
    min_slack: np.ndarray
    margin: np.ndarray
    near_assumption: np.ndarray

    def needs_exact(self, r: int, violation: float, record: float) -> bool:
        """Whether sample r must be judged exactly: a problem assumption is within round-off of failing, its
        smallest slack is below ``violation`` or within round-off of it (a violation is possible), or below
        ``record`` by more than round-off (it improves a nearest-miss record; a tie within round-off does not
        replace the record it ties with)."""
        if self.near_assumption[r]:
            return True
        low = self.min_slack[r]
        return bool(self.applicable[r]) and bool(low < violation + self.margin[r] or low < record - self.margin[r])


class SampleBatch:
    """Screens of ``variant`` on samples of the population of ``resampler`` (module doc)."""

    @staticmethod
    def fits(resampler: PopulationResampler) -> bool:
        """Whether the loss matrix of a finite population has at most :data:`MAX_LOSS_ENTRIES` entries (the
        analytic population needs none)."""
        pop = resampler.base.problem.population
        return pop is None or resampler.codes.shape[0] * pop.N <= MAX_LOSS_ENTRIES

    def __init__(self, variant: Variant, resampler: PopulationResampler) -> None:
        from qtheory.populations.sign_problem import is_sign_problem
        from qtheory.solve.certify import _steps

        if not screenable(variant):
            raise ValueError(f"variant {variant.name!r} cannot be screened in batch (solutions and quantities)")
        self.variant, self.rs = variant, resampler
        base = resampler.base
        pb = base.problem
        self.sign = is_sign_problem(pb)
        self.C = resampler.codes.shape[0]
        self.scalars = problem_quantities(base, variant.quantities)
        self.steps = _steps(pb)
        self.pen = resampler.penalty_table if resampler.penalty_table is not None else np.zeros(self.C)
        self.risk = base.exact.tables["population"].ravel()
        s_val = int(self.scalars["s"])
        ref_codes, _ = base.exact.best_sparse(s_val)
        self.ref_flat = int(np.ravel_multi_index(tuple(pb.indices_from_codes(ref_codes)), resampler.shape))
        if self.sign:
            self.codes_f = resampler.codes.astype(np.float64)
        else:
            pop = pb.population
            self.loss_matrix = pb.loss.per_sample(pb.network.forward_batch(pb.values(resampler.codes), pop.X), pop.y)
        self.problem_only = [r for r in variant.assumptions.values() if names_in(r) <= set(self.scalars)]
        self.point_assumptions = [r for r in variant.assumptions.values() if r not in self.problem_only]

    @property
    def batch_size(self) -> int:
        """Samples per screen that keep the (R, |Q^p|, n) work within :data:`MAX_BATCH_ENTRIES`."""
        return max(1, MAX_BATCH_ENTRIES // max(1, self.C * self.rs.base.problem.n))

    def tables(self, seeds: list[int]) -> np.ndarray:
        """The L_n tables of the samples of ``seeds``: shape (R, |Q^p|) (codes in canonical order)."""
        from qtheory.populations.sign_problem import clipped_square_losses

        pb = self.rs.base.problem
        if self.sign:
            out = np.empty((len(seeds), self.C))
            for r, seed in enumerate(seeds):
                train = self.rs.training_set(seed)
                Z = self.codes_f @ train.X.T.astype(np.float64)  # exact integers, as SignProblem.sign_products
                out[r] = clipped_square_losses(pb.step, Z, train.y, pb.loss.B).mean(axis=-1)
            return out
        idx = np.stack([self.rs.sample_indices(seed) for seed in seeds])  # (R, n)
        return self.loss_matrix[:, idx].mean(axis=2).T

    def screen(self, seeds: list[int]) -> BatchScreen:
        """The screen of the samples of ``seeds`` (class doc)."""
        v, R, C = self.variant, len(seeds), self.C
        pb = self.rs.base.problem
        Ln = self.tables(seeds)
        F = Ln + self.pen[None, :]
        scalars = dict(self.scalars)
        scalars["Lnmin"] = Ln.min(axis=1)
        scalars["Fmin"] = F.min(axis=1) if pb.penalty is not None else scalars["Lnmin"]
        scalars["Fref"] = F[:, self.ref_flat]
        scalars["U"] = self._smoothness(Ln)
        applicable = np.ones(R, dtype=bool)
        near_assumption = np.zeros(R, dtype=bool)
        for rel in self.problem_only:
            applicable &= np.broadcast_to(holds(rel, scalars), (R,))
            near_assumption |= np.broadcast_to(self._near_zero(rel, scalars), (R,))
        if v.solutions == "any":
            rows, cols = np.divmod(np.arange(R * C), C)
        else:
            rows, cols = np.nonzero(F - scalars["Fmin"][:, None] <= v.tol)
        keep = applicable[rows]
        rows, cols = rows[keep], cols[keep]
        values = {x: (val[rows] if isinstance(val, np.ndarray) else val) for x, val in scalars.items()}
        values.update(point_quantities(self.rs.base, values, self.rs.codes[cols], Ln[rows, cols], self.risk[cols],
                                       F[rows, cols]))
        m = rows.size
        ok = np.ones(m, dtype=bool)
        for rel in self.point_assumptions:
            ok &= np.broadcast_to(holds(rel, values), (m,))
        sl, scale = (np.broadcast_to(x, (m,)).astype(float) for x in slack_and_scale(v.claim, values))
        undefined = np.zeros(R, dtype=np.int64)
        np.add.at(undefined, rows, np.isnan(sl) & ok)
        sl[~ok | np.isnan(sl)] = np.inf
        checks = np.zeros(R, dtype=np.int64)
        np.add.at(checks, rows, np.isfinite(sl))
        min_slack = np.full(R, np.inf)
        np.minimum.at(min_slack, rows, sl)
        margin = np.full(R, MARGIN)
        np.maximum.at(margin, rows, MARGIN * (1.0 + scale))
        if v.solutions == "global":  # a point within round-off of min F + tol may or may not be a global minimizer
            gap = F - scalars["Fmin"][:, None]
            near_assumption |= applicable & np.any((gap > v.tol - ROUND_OFF) & (gap <= v.tol + ROUND_OFF), axis=1)
        return BatchScreen(applicable, checks, undefined, min_slack, margin, near_assumption)

    def _smoothness(self, Ln: np.ndarray) -> np.ndarray:
        """U_Q of each table: the largest second difference along any coordinate / d_j^2 (-inf without one)."""
        from qtheory.solve.certify import second_differences

        R = Ln.shape[0]
        T = Ln.reshape((R,) + self.rs.shape)
        best = np.full(R, -np.inf)
        for j, m in enumerate(self.rs.shape):
            if m >= 3:
                best = np.maximum(best, second_differences(T, j, self.steps[j], lead=1).reshape(R, -1).max(axis=1))
        return best

    @staticmethod
    def _near_zero(rel: Any, values: dict) -> np.ndarray:
        """Whether the slack of an assumption is within round-off of 0 (its truth may differ exactly)."""
        s, scale = slack_and_scale(rel, values)
        return np.abs(s) <= MARGIN * (1.0 + scale)


__all__ = ["BatchScreen", "MARGIN", "MAX_BATCH_ENTRIES", "MAX_LOSS_ENTRIES", "SampleBatch", "screenable"]
