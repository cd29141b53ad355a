"""V4 (V1 with the exact count C(p,k)(|Q|-1)^k): an independent transcription, V4 <= V1, accuracy of ln C(p,k)
at p = 10^5, the need for 0 in Q, the command line, and kl^{-1} when its root is within an ulp of 1."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize, special

from qtheory.cli import main
from qtheory.theory import RESULTS, V1, V4, kl_inverse, log_binomial


def ref_V4(Ln, k, n, p, Qsize, delta, M=1):
    """docs/theory.md's V4 with exact integers for the count and brentq for kl^{-1} (no qtheory.theory)."""
    c = (math.log(math.comb(p, k) * (Qsize - 1) ** k) + math.log(2 * (p + 1) * math.sqrt(n) * M / delta)) / n
    if Ln == 0:
        return -math.expm1(-c)

    def f(r):
        return special.rel_entr(Ln, r) + special.rel_entr(1 - Ln, 1 - r) - c

    return 1.0 if f(1 - 1e-15) <= 0 else optimize.brentq(f, Ln, 1 - 1e-15, xtol=1e-15, rtol=1e-15)


@given(st.data())
def test_V4_matches_transcription_and_is_below_V1(data):
    p = data.draw(st.integers(1, 3000))
    num = dict(k=data.draw(st.integers(0, p)), n=data.draw(st.integers(8, 10**5)), p=p,
               Qsize=data.draw(st.integers(2, 257)), delta=data.draw(st.floats(1e-6, 0.5)),
               M=data.draw(st.integers(1, 500)))
    Ln = data.draw(st.sampled_from([0.0, 0.01, 0.1, 0.4, 1.0]))
    got = float(V4.evaluate(Ln=Ln, **num))
    assert got == pytest.approx(ref_V4(Ln, **num), abs=1e-9)
    assert Ln <= got <= float(V1.evaluate(Ln=Ln, **num)) + 1e-12
    if num["k"] == 0:  # no non-zero: one network, the same count for both
        assert got == pytest.approx(float(V1.evaluate(Ln=Ln, **num)), abs=1e-12)


def test_V4_is_strictly_smaller_for_a_sparse_digits_model():
    num = dict(Ln=0.05, k=100, n=1437, p=650, Qsize=3, delta=0.05, M=12)
    assert float(V4.evaluate(**num)) == pytest.approx(ref_V4(**num), abs=1e-9)
    assert float(V4.evaluate(**num)) < float(V1.evaluate(**num)) - 0.1


@pytest.mark.parametrize("p", [10**5, 10**4 + 7])
def test_log_binomial_is_accurate_at_large_p(p):
    for k in (0, 1, 2, 5, 100, 257, p // 3, p // 2, p - 3, p):
        exact = math.log(math.comb(p, k)) if 0 < k < p else 0.0
        assert float(log_binomial(p, k)) == pytest.approx(exact, rel=1e-14, abs=1e-14)
    # vectorized, k up to p, symmetric in k <-> p - k
    k = np.arange(0, p + 1, 997)
    assert np.array_equal(log_binomial(p, k), log_binomial(p, p - k))
    for bad in (6, 2.5, -1):
        with pytest.raises(ValueError, match=r"k == .*, must be an integer in \[0, p\] = \[0, 5\]"):
            log_binomial(5, bad)


def test_V4_at_p_1e5_k_up_to_p():
    """Finite everywhere and equal to the transcription; unlike V1 not monotone in k: C(p,k)(|Q|-1)^k grows
    while (p-k)(|Q|-1) > k+1, i.e. up to k ~ p(|Q|-1)/|Q|, and shrinks after (at k = p it is (|Q|-1)^p)."""
    k = np.arange(0, 10**5 + 1, 5000)
    v = np.asarray(V4.evaluate(Ln=0.01, k=k, n=10**6, p=10**5, Qsize=3, delta=0.05))
    assert np.all(np.isfinite(v)) and v[0] < 0.02
    rising = k <= 2 * 10**5 // 3
    assert np.all(np.diff(v[rising]) > 0) and np.all(np.diff(v[~rising]) < 0)
    for i in (1, 10, len(k) - 1):
        assert v[i] == pytest.approx(ref_V4(0.01, int(k[i]), 10**6, 10**5, 3, 0.05), abs=1e-9)


def test_the_exact_count_needs_zero_in_the_grid():
    """With Q = {-1, +1} (no 0) every point has k = p non-zeros and there are 2^p of them, not the
    C(p,p)(|Q|-1)^p = 1 V4 would charge for: V4 is stated (and used) for grids that contain 0."""
    for p in range(1, 6):
        points = np.array(list(itertools.product((-1, 1), repeat=p)))
        with_p_nonzeros = int(np.sum((points != 0).sum(axis=1) == p))
        assert with_p_nonzeros == 2**p > math.comb(p, p) * (2 - 1) ** p
        # with 0 in Q (Q = {-1, 0, 1}) the count is exact
        points = np.array(list(itertools.product((-1, 0, 1), repeat=p)))
        for k in range(p + 1):
            assert int(np.sum((points != 0).sum(axis=1) == k)) == math.comb(p, k) * 2**k


def test_kl_inverse_when_the_root_is_within_an_ulp_of_one():
    """kl(q||r) formed from r - q rounded to +inf for r one ulp below 1, and Newton's step then went to -inf
    and the result was clipped to q: kl^{-1}(0.3, 25) came out as 0.3.  The root is 1 - O(1e-16)."""
    c = np.array([20.0, 24.0, 25.0, 25.4, 26.0, 40.0])
    r = kl_inverse(0.3, c)
    assert np.all(r > 1 - 1e-12) and np.all(np.diff(r) >= 0)
    # V1 of a dense network on few rows is (near) vacuous, never the training error
    assert float(V1.evaluate(Ln=0.3, k=354, n=100, p=650, Qsize=2, delta=0.05, M=12)) > 0.999


def test_cli_rejects_more_non_zeros_than_weights(capsys):
    code = main(["theory", "V4", "--eval", "Ln=0.1", "k=700", "n=100", "p=650", "Qsize=3", "delta=0.05"])
    _, err = capsys.readouterr()
    assert code == 2 and err.strip() == "qtheory theory: error: k == 700, must be an integer in [0, p] = [0, 650]"


def test_cli_evaluates_V4(capsys):
    code = main(["theory", "V4", "--eval", "Ln=0.05", "k=100", "n=1437", "p=650", "Qsize=3", "delta=0.05", "M=12"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert float(out) == pytest.approx(ref_V4(0.05, 100, 1437, 650, 3, 0.05, 12), abs=1e-9)
    assert "V4" in RESULTS and RESULTS["V4"] is V4
    code = main(["theory", "V4", "--latex"])
    out, _ = capsys.readouterr()
    assert code == 0 and r"\binom{p}{k}" in out and "logbinomial" not in out
