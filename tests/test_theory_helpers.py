"""The numeric helpers of qtheory.theory: MCP penalty, D(k), D_dense and kl^{-1}.

The reference formulas below are an independent transcription of docs/theory.md, written on purpose without
using qtheory.theory, so that an error in either shows up as a mismatch.
"""

from __future__ import annotations

import math
import subprocess
import sys

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qtheory.theory import dense_radius, deviation_radius, kl_divergence, kl_inverse, mcp_penalty

pos = st.floats(0.01, 20.0)
prob = st.floats(1e-9, 0.999)


# ---- independent transcriptions (docs/theory.md section 1) ----------------------------------------------
def ref_mcp(t: float, a: float, lam: float) -> float:
    return lam * abs(t) - t * t / (2 * a) if abs(t) <= a * lam else a * lam * lam / 2


def ref_radius(k, B, n, p, Q, delta):
    return B * math.sqrt((k * math.log(p * Q) + math.log(2 * (p + 1) / delta)) / (2 * n))


def ref_dense(B, n, p, Q, delta):
    return B * math.sqrt((p * math.log(Q) + math.log(2 / delta)) / (2 * n))


def ref_kl_inverse(q: float, c: float) -> float:
    """kl^{-1} by 60-digit bisection in mpmath."""
    with mpmath.workdps(60):
        q_, c_ = mpmath.mpf(q), mpmath.mpf(c)

        def kl(r):
            first = q_ * mpmath.log(q_ / r) if q_ > 0 else 0
            second = (1 - q_) * mpmath.log((1 - q_) / (1 - r)) if q_ < 1 else 0
            return first + second

        lo, hi = q_, mpmath.mpf(1)
        for _ in range(200):
            mid = (lo + hi) / 2
            if kl(mid) <= c_:
                lo = mid
            else:
                hi = mid
        return float(lo)


# ---- MCP -----------------------------------------------------------------------------------------
@given(st.floats(-50, 50), pos, pos)
def test_mcp_matches_transcription(t, a, lam):
    assert mcp_penalty(t, a, lam) == pytest.approx(ref_mcp(t, a, lam), rel=1e-12, abs=1e-12)


@given(st.lists(st.floats(-50, 50), min_size=1, max_size=20), pos, pos)
def test_mcp_vectorized_bounds_and_even(ts, a, lam):
    t = np.array(ts)
    out = mcp_penalty(t, a, lam)
    assert out.shape == t.shape
    assert np.all(out >= -1e-12) and np.all(out <= a * lam**2 / 2 * (1 + 1e-12))
    np.testing.assert_allclose(mcp_penalty(-t, a, lam), out, rtol=0, atol=0)
    assert not np.any(np.isnan(out))


@given(pos, pos, st.integers(1, 40))
def test_mcp_second_difference_on_grid(a, lam, steps):
    """On [0, a lam], P(t+d) + P(t-d) - 2P(t) = -d^2/a for grid points t = m d."""
    d = a * lam / (steps + 1)
    m = np.arange(1, steps + 1)
    second = mcp_penalty((m + 1) * d, a, lam) + mcp_penalty((m - 1) * d, a, lam) - 2 * mcp_penalty(m * d, a, lam)
    np.testing.assert_allclose(second, -(d**2) / a, rtol=1e-6, atol=1e-9 * a * lam**2)


def test_mcp_known_values_and_errors():
    assert mcp_penalty(0.0, 1.0, 1.0) == 0.0
    assert mcp_penalty(2.0, 1.0, 1.0) == 0.5  # beyond a lam: the cap a lam^2/2
    assert mcp_penalty(0.5, 1.0, 1.0) == 0.375
    with pytest.raises(ValueError, match=r"^a == 0\.0, must be a real in \(0, inf\)"):
        mcp_penalty(1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="lam"):
        mcp_penalty(1.0, 1.0, -2.0)
    with pytest.raises(ValueError, match="^t == "):
        mcp_penalty(np.array([0.0, np.nan]), 1.0, 1.0)


# ---- D(k), D_dense ---------------------------------------------------------------------------------
radius_args = st.tuples(st.floats(0.1, 10), st.integers(1, 10**6), st.integers(1, 10**4), st.integers(2, 2**16),
                        prob)


@given(radius_args, st.data())
def test_radius_matches_transcription(args, data):
    B, n, p, Q, delta = args
    k = data.draw(st.integers(0, p))
    assert deviation_radius(k, B=B, n=n, p=p, Qsize=Q, delta=delta) == pytest.approx(
        ref_radius(k, B, n, p, Q, delta), rel=1e-12)
    assert dense_radius(B=B, n=n, p=p, Qsize=Q, delta=delta) == pytest.approx(ref_dense(B, n, p, Q, delta), rel=1e-12)


@given(radius_args)
def test_radius_vectorized_in_k_and_split_bound(args):
    B, n, p, Q, delta = args
    k = np.arange(min(p, 50) + 1)
    D = deviation_radius(k, B=B, n=n, p=p, Qsize=Q, delta=delta)
    assert D.shape == k.shape and np.all(np.diff(D) >= 0)
    A = B**2 * math.log(p * Q) / (2 * n)
    C0 = B**2 * math.log(2 * (p + 1) / delta) / (2 * n)
    assert np.all(D <= np.sqrt(A * k) + np.sqrt(C0) + 1e-12)


def test_radius_tiny_delta_and_huge_grid_stay_finite():
    D = deviation_radius(10**6, B=1.0, n=10, p=10**6, Qsize=2**31, delta=1e-300)
    assert np.isfinite(D) and D > 0


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (dict(k=4, B=1, n=10, p=3, Qsize=5, delta=0.1), r"^k == 4, must be an integer in \[0, p\] = \[0, 3\]"),
        (dict(k=1, B=1, n=10, p=3, Qsize=5, delta=1.0), r"^delta == 1.0, must be a real in \(0, 1\)"),
        (dict(k=1, B=1, n=0, p=3, Qsize=5, delta=0.1), r"^n == 0, must be an integer in \[1, inf\)"),
        (dict(k=1, B=1, n=10.5, p=3, Qsize=5, delta=0.1), r"^n == 10.5, must be an integer"),
        (dict(k=1, B=1, n=10, p=3, Qsize=1, delta=0.1), r"^Qsize == 1, must be an integer in \[2, inf\)"),
        (dict(k=1, B=-1, n=10, p=3, Qsize=5, delta=0.1), r"^B == -1, must be a real in \(0, inf\)"),
    ],
)
def test_radius_bad_input_names_argument_and_range(kwargs, pattern):
    k = kwargs.pop("k")
    with pytest.raises(ValueError, match=pattern):
        deviation_radius(k, **kwargs)


def test_numpy_integers_accepted():
    assert deviation_radius(np.int64(2), B=np.float32(1), n=np.int64(100), p=np.int32(5), Qsize=np.uint8(3),
                            delta=np.float64(0.05)) > 0


# ---- kl^{-1} -----------------------------------------------------------------------------------------
@given(st.floats(0.0, 1.0), st.floats(0.0, 30.0))
def test_kl_inverse_exact_to_1e12(q, c):
    assert abs(float(kl_inverse(q, c)) - ref_kl_inverse(q, c)) <= 1e-12


@given(st.floats(0.0, 1.0), st.floats(0.0, 50.0), st.floats(0.0, 50.0))
def test_kl_inverse_range_monotone_pinsker(q, c1, c2):
    lo, hi = sorted((c1, c2))
    r_lo, r_hi = float(kl_inverse(q, lo)), float(kl_inverse(q, hi))
    assert q <= r_lo <= 1 and q <= r_hi <= 1
    assert r_lo <= r_hi
    assert r_hi <= q + math.sqrt(hi / 2) + 1e-12  # Pinsker


@given(st.floats(0.0, 1.0), st.floats(1e-6, 5.0))
def test_kl_inverse_strictly_increasing_below_one(q, c):
    r1, r2 = float(kl_inverse(q, c)), float(kl_inverse(q, 1.5 * c))
    if q < 1 and r2 < 1 - 1e-9:
        assert r2 > r1


@given(st.floats(0.0, 700.0))
def test_kl_inverse_at_q0_is_one_minus_exp(c):
    assert abs(float(kl_inverse(0.0, c)) - (1 - math.exp(-c))) <= 1e-12


def test_kl_inverse_edges_and_vectorization():
    assert kl_inverse(1.0, 3.0) == 1.0
    assert kl_inverse(0.3, 0.0) == 0.3
    assert kl_inverse(0.3, np.inf) == 1.0
    q = np.linspace(0, 1, 11)
    out = kl_inverse(q[:, None], np.array([0.0, 0.1, 1.0])[None, :])
    assert out.shape == (11, 3) and not np.any(np.isnan(out))
    assert np.all(kl_divergence(q[1:-1], out[1:-1, 1]) == pytest.approx(0.1, abs=1e-9))
    with pytest.raises(ValueError, match=r"^q == 1.5, must be a real in \[0, 1\]"):
        kl_inverse(1.5, 0.1)
    with pytest.raises(ValueError, match=r"^c == -0.1"):
        kl_inverse(0.5, -0.1)


def test_import_pulls_no_heavy_library():
    code = (
        "import sys, qtheory.theory\n"
        "heavy = {'torch', 'cvxpy', 'matplotlib'} & {m.split('.')[0] for m in sys.modules}\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---- named quantities ------------------------------------------------------------------------------------
@given(radius_args, pos, pos, pos)
def test_named_quantities_match_transcription(args, a, lam, d):
    from qtheory.theory import quantity

    B, n, p, Q, delta = args
    assert quantity("A", B=B, n=n, p=p, Qsize=Q) == pytest.approx(B**2 * math.log(p * Q) / (2 * n), rel=1e-12)
    assert quantity("C0", B=B, n=n, p=p, delta=delta) == pytest.approx(
        B**2 * math.log(2 * (p + 1) / delta) / (2 * n), rel=1e-12)
    assert quantity("pi_min", a=a, lam=lam, d=d) == pytest.approx(lam * d - d**2 / (2 * a), rel=1e-9, abs=1e-12)
    assert quantity("c_Q", a=a, lam=lam, d=d) == pytest.approx(a * lam**2 / 2 - d**2 / (2 * a), rel=1e-9, abs=1e-12)
    assert quantity("R", Qsize=Q, d=d) == pytest.approx((Q - 1) * d / 2, rel=1e-12)


def test_named_quantity_errors():
    from qtheory.theory import quantity

    with pytest.raises(ValueError, match="name == 'x', must be one of 'D', 'D_dense', 'A'"):
        quantity("x")
    with pytest.raises(ValueError, match="A needs a value for Qsize, n, p"):
        quantity("A", B=1)
    with pytest.raises(ValueError, match="unknown symbol s for c_Q"):
        quantity("c_Q", a=1, lam=1, d=0.5, s=2)
