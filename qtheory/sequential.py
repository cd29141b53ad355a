"""An anytime-valid test of "the violation rate is at most delta'" on one population.

A probabilistic claim asserts that on a training sample drawn from a population the claim fails with
probability q <= delta'.  Samples X_1, X_2, ... (X_t = 1 when the claim fails on the t-th sample, drawn
independently) are tested against H0: q <= delta' = q0 by the mixture of likelihood ratios

    E_t = (1/m) sum_i prod_{u <= t} (q_i/q0)^{X_u} ((1 - q_i)/(1 - q0))^{1 - X_u},

over m alternatives q0 < q_i < 1 (:data:`RATIOS` times q0).  Under H0 each factor has mean
q q_i/q0 + (1 - q)(1 - q_i)/(1 - q0) <= 1 (it is linear in q and equals 1 at q = q0), so E_t is a
nonnegative supermartingale with E_0 = 1, and Ville's inequality gives P(sup_t E_t >= 1/alpha) <= alpha:
the test may look after every sample, continue or stop on any rule, and run as long as it likes.  E_t
depends on the count c = sum X_u and t only (:func:`log_e_value`).

Many populations: the j-th population tested (in the order they are first sampled) gets
alpha_j = alpha ln 2 (1/ln(j + 1) - 1/ln(j + 2)) (:func:`alpha_of_test`); these sum to alpha, so a true
claim is refuted anywhere in a search with probability at most alpha however many populations it samples
and for how long.

Power: :func:`detectable_rate` is the smallest violation rate that the test at level alpha would have
detected, with probability at least ``power``, after t samples (judging only the count at t, which makes
it conservative).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp

from qtheory.validation import check_positive_int, check_probability

#: the alternatives q_i = r q0 of the mixture (those below 1)
RATIOS = (1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 100.0)


def alternatives(q0: float) -> np.ndarray:
    """The alternatives q_i = r q0 for r in :data:`RATIOS` with q_i < 1, and (1 + q0)/2 when none is left."""
    q0 = check_probability(q0, "delta")
    qs = [r * q0 for r in RATIOS if r * q0 < 1.0]
    return np.asarray(qs or [(1.0 + q0) / 2.0])


def log_e_value(count: int, samples: int, q0: float) -> float:
    """ln E_t for ``count`` violations in ``samples`` samples (module doc)."""
    qs = alternatives(q0)
    terms = count * np.log(qs / q0) + (samples - count) * np.log((1.0 - qs) / (1.0 - q0))
    return float(logsumexp(terms) - math.log(qs.size))


def alpha_of_test(i: int, false_alarm: float) -> float:
    """alpha_i = alpha ln 2 (1/ln(i + 1) - 1/ln(i + 2)) for the i-th population (i >= 1).

    The sum over i telescopes to alpha ln 2 / ln 2 = alpha.  alpha_i is about alpha ln 2 / ((i + 1) ln^2(i + 1)),
    so the threshold ln(1/alpha_i) grows like ln i + 2 ln ln i: a population reached late in a long search
    needs fewer samples than with alpha / (i (i + 1)) (2.2 nats less at i = 500)."""
    i = check_positive_int(i, "i")
    return false_alarm * math.log(2.0) * (1.0 / math.log(i + 1.0) - 1.0 / math.log(i + 2.0))


def critical_count(samples: int, q0: float, alpha: float) -> int | None:
    """Smallest c with ln E(c, samples) >= ln(1/alpha), or None when even c = samples is not enough."""
    c = np.arange(samples + 1)
    qs = alternatives(q0)
    terms = c[:, None] * np.log(qs / q0) + (samples - c[:, None]) * np.log((1.0 - qs) / (1.0 - q0))
    log_e = logsumexp(terms, axis=1) - math.log(qs.size)
    ok = np.flatnonzero(log_e >= -math.log(alpha))
    return int(ok[0]) if ok.size else None


def detectable_rate(samples: int, q0: float, alpha: float, power: float = 0.5) -> float | None:
    """Smallest rate q with P(Binomial(samples, q) >= critical_count) >= ``power``: a population violated at
    rate q would have been refuted with probability at least ``power`` by ``samples`` samples.  None when
    no count of ``samples`` samples reaches the level."""
    from scipy.stats import binom

    samples = check_positive_int(samples, "samples")
    c = critical_count(samples, q0, alpha)
    if c is None:
        return None
    lo, hi = q0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if binom.sf(c - 1, samples, mid) >= power:
            hi = mid
        else:
            lo = mid
    return hi


@dataclass
class RateTest:
    """The test of one population: H0 violation rate <= ``delta`` at level ``alpha`` (module doc)."""

    delta: float
    alpha: float
    index: int
    count: int = 0
    samples: int = 0
    rejected_at: int | None = field(default=None)
    _suspicion: tuple | None = field(default=None, repr=False, compare=False)
    _log_e: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def log_e(self) -> float:
        key = (self.count, self.samples)
        if self._log_e is None or self._log_e[0] != key:
            self._log_e = (key, log_e_value(self.count, self.samples, self.delta))
        return self._log_e[1]

    @property
    def threshold(self) -> float:
        """ln(1/alpha): the test refutes when ln E_t reaches it."""
        return -math.log(self.alpha)

    @property
    def rejected(self) -> bool:
        return self.rejected_at is not None

    def add(self, violated: bool) -> bool:
        """Record one sample; True when the test refutes (at this sample or before)."""
        self.samples += 1
        self.count += bool(violated)
        if self.rejected_at is None and violated and self.log_e >= self.threshold:
            self.rejected_at = self.samples
        return self.rejected

    def suspicion(self) -> float:
        """P(Binomial(t, delta') >= c): small when the count is high for delta' (steers sampling only)."""
        from scipy.stats import binom

        key = (self.count, self.samples)
        if self._suspicion is None or self._suspicion[0] != key:
            value = 1.0 if self.samples == 0 else float(binom.sf(self.count - 1, self.samples, self.delta))
            self._suspicion = (key, value)
        return self._suspicion[1]

    def summary(self) -> dict:
        return {
            "index": self.index, "alpha": self.alpha, "samples": self.samples, "violations": self.count,
            "log_e_value": self.log_e, "log_threshold": self.threshold, "refuted_at_sample": self.rejected_at,
        }


__all__ = [
    "RATIOS", "RateTest", "alpha_of_test", "alternatives", "critical_count", "detectable_rate", "log_e_value",
]
