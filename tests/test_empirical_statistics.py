"""Statistical checks of L1, and checks of A0 and A on L1's event, over many training samples of a fixed
finite population (docs/theory.md section 4).  Fixed seeds: the outcome is reproducible.

False-alarm rate.  Each frequency test is the one-sided exact binomial test of H0: "the event fails with
probability <= delta'", rejecting when P(Binomial(R, delta') >= failures) <= ALPHA = 0.01; a true H0 fails
a test with probability at most 1% (over the draw of the seeds).
"""

from __future__ import annotations

import numpy as np
import pytest

from qtheory.empirical import (
    bound_checks,
    event_test,
    resample_l1,
    single_point_radius,
    toy_config,
)

ALPHA = 0.01
DELTA = 0.1
R_LINEAR = 300
R_TANH = 200
# adequacy: at least this many (sample, point) pairs whose bound was below the largest possible excess
# max L - L*_Q (pairs where a violation was possible at all)
MIN_INFORMATIVE = 200

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def linear_records():
    """The 0-1 linear classifier (p = 7, 3^7 code vectors, n = 60), R = 300 samples, seed 2024."""
    return resample_l1(toy_config("linear01"), R_LINEAR, 2024, DELTA, n_points=8)


@pytest.fixture(scope="module")
def tanh_records():
    """The 2-2-1 tanh net with the clipped squared loss (p = 6, 5^6 code vectors, n = 60), R = 200, seed 7."""
    return resample_l1(toy_config("tanh_squared"), R_TANH, 7, DELTA, n_points=8)


def _planted_radius(record):
    """The planted false L1: Hoeffding's radius for one fixed beta used for all of Q^p (no complexity term)."""
    return single_point_radius(B=record.B, n=record.n, delta=record.delta)


@pytest.mark.parametrize("which", ["linear", "tanh"])
def test_l1_failure_frequency_at_most_delta(which, request):
    """L1's event {|L_n - L| <= D(||beta||_0) for all beta} fails with frequency <= delta' (binomial test at
    alpha = 0.01: a true L1 fails this test with probability <= 1%).  The same for A0's dense event."""
    records = request.getfixturevalue(f"{which}_records")
    assert len(records) >= 200
    l1 = event_test(records, alpha=ALPHA)
    dense = event_test(records, lambda r: r.dense_radius, alpha=ALPHA)
    assert not l1.rejected, l1.describe()
    assert not dense.rejected, dense.describe()


def test_negative_control_planted_radius_is_rejected(linear_records):
    """Negative control on the same samples and the same test: the radius B sqrt(ln(2/delta')/(2n)) of a
    single beta, used uniformly over Q^p, fails far more often than delta' and the test rejects it."""
    planted = event_test(linear_records, _planted_radius, alpha=ALPHA)
    assert planted.rejected, planted.describe()
    # the realized deviations are not negligible: a sizeable share of D(k) on the typical sample
    assert np.median([r.l1_ratio for r in linear_records]) > 0.25


@pytest.mark.parametrize("which", ["linear", "tanh"])
def test_A_and_A0_hold_on_their_events(which, request):
    """On every sample where L1's event holds, A holds at the exact global minimizers of F and at points
    drawn from {F <= min F + Gamma}; on every sample where the dense event (the event of A0's proof) holds,
    A0 holds at the global minimizers of L_n and at points drawn from {L_n <= min L_n + Gamma}.  Zero
    violations, and enough pairs checked, including pairs where a violation was possible."""
    records = request.getfixturevalue(f"{which}_records")
    R = len(records)
    for bound, event in (("A", "l1"), ("A0", "dense"), ("A0", "both")):
        chk = bound_checks(records, bound, event)
        assert chk.violations == [], (bound, event, [(i, pt.to_dict()) for i, pt in chk.violations[:3]])
        assert chk.samples >= 0.8 * R
        assert chk.checked >= 5 * chk.samples
        globals_checked = sum(
            1 for r in records if (r.l1_holds if event == "l1" else r.dense_holds) for pt in r.of(bound)
            if pt.origin == "global"
        )
        assert globals_checked >= chk.samples
        assert chk.informative >= MIN_INFORMATIVE, (bound, event, chk.informative)


def test_planted_bound_without_statistical_term_fails(linear_records):
    """The bound checks can fail: the planted false variant "excess <= Gamma" (A0 or A with no statistical
    term) is violated at many (sample, point) pairs on samples where L1's event holds."""
    pairs = [pt for r in linear_records if r.l1_holds for pt in r.points]
    violated = sum(pt.excess > pt.gamma + 1e-12 for pt in pairs)
    assert violated >= 0.1 * len(pairs), (violated, len(pairs))
