"""The result objects L1, A0, A, L2, B, C, V1, V2, V3: evaluation, hypotheses, monotonicity, sample size
and tuning.

The ``ref_*`` functions are an independent numpy transcription of docs/theory.md, written on purpose without
qtheory.theory (plain numpy/scipy, docs/theory.md's compact logarithms), so that a transcription error in either
shows up as a mismatch.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import optimize, special

from qtheory.theory import A, A0, B, C, L1, L2, RESULTS, V1, V2, V3


# ---- independent transcription -------------------------------------------------------------------------
def ref_D(k, B, n, p, Qsize, delta, M=1):
    return B * np.sqrt((k * np.log(p * Qsize) + np.log(2 * (p + 1) * M / delta)) / (2 * n))


def ref_consts(B, n, p, Q, delta):
    return B**2 * np.log(p * Q) / (2 * n), B**2 * np.log(2 * (p + 1) / delta) / (2 * n)


def ref_A(B, n, p, Qsize, s, eps, Gamma, delta, a, lam, d):
    Ac, C0 = ref_consts(B, n, p, Qsize, delta)
    pi_min = lam * d - d**2 / (2 * a)
    return eps + Gamma + s * a * lam**2 / 2 + ref_D(s, B, n, p, Qsize, delta) + np.sqrt(C0) + Ac / (4 * pi_min)


def ref_B(B, n, p, Qsize, s, eps, Gamma, delta, a, lam, d):
    Ac, C0 = ref_consts(B, n, p, Qsize, delta)
    c_Q = a * lam**2 / 2 - d**2 / (2 * a)
    return eps + Gamma + s * a * lam**2 / 2 + ref_D(s, B, n, p, Qsize, delta) + np.sqrt(C0) + Ac / (4 * c_Q)


def ref_A0(B, n, p, Qsize, Gamma, delta):
    return Gamma + 2 * B * np.sqrt((p * np.log(Qsize) + np.log(2 / delta)) / (2 * n))


def ref_V1(Ln, k, n, p, Qsize, delta, M=1):
    c = (k * np.log(p * Qsize) + np.log(2 * (p + 1) * np.sqrt(n) * M / delta)) / n
    if Ln == 0:
        return -np.expm1(-c)

    def f(r):
        return special.rel_entr(Ln, r) + special.rel_entr(1 - Ln, 1 - r) - c

    return 1.0 if f(1 - 1e-15) <= 0 else optimize.brentq(f, Ln, 1 - 1e-15, xtol=1e-15, rtol=1e-15)


# ---- strategies ----------------------------------------------------------------------------------------
@st.composite
def common(draw):
    p = draw(st.integers(1, 5000))
    return dict(
        B=draw(st.floats(0.1, 5.0)), n=draw(st.integers(1, 10**7)), p=p, Qsize=draw(st.integers(2, 2**16)),
        delta=draw(st.floats(1e-12, 0.99)),
    )


@st.composite
def penalized(draw):
    """A point of A/B with every hypothesis of L2 met: d < a lam <= R, a U < 1, nu below its limit."""
    num = draw(common())
    num["Qsize"] = 2 * draw(st.integers(2, 200)) + 1
    K = (num["Qsize"] - 1) // 2
    d = draw(st.floats(1e-3, 1.0))
    a = draw(st.floats(0.05, 20.0))
    ratio = draw(st.floats(1.01, float(K)))  # a lam / d in (1, K]
    num.update(s=draw(st.integers(1, num["p"])), eps=draw(st.floats(0, 1)), Gamma=draw(st.floats(0, 1)),
               a=a, d=d, lam=ratio * d / a)
    return num


def fit(result, num):
    return {k: v for k, v in num.items() if k in result.value_symbols}


# ---- evaluate equals the transcription -----------------------------------------------------------------
@given(common(), st.data())
def test_L1_V2_match_transcription(num, data):
    k = data.draw(st.integers(0, num["p"]))
    M = data.draw(st.integers(1, 10**6))
    assert L1.evaluate(k=k, **num) == pytest.approx(ref_D(k, **num), rel=1e-10)
    assert V2.evaluate(k=k, M=M, **num) == pytest.approx(ref_D(k, M=M, **num), rel=1e-10)


@given(common(), st.floats(0, 3))
def test_A0_matches_transcription(num, Gamma):
    assert A0.evaluate(Gamma=Gamma, **num) == pytest.approx(ref_A0(Gamma=Gamma, **num), rel=1e-10)


@given(penalized())
def test_A_B_match_transcription(num):
    assert A.evaluate(**num) == pytest.approx(ref_A(**num), rel=1e-9)
    assert B.evaluate(**num) == pytest.approx(ref_B(**num), rel=1e-9)


@given(common(), st.data())
def test_V1_matches_transcription(num, data):
    num.pop("B")
    num["n"] = data.draw(st.integers(8, 10**6))
    k = data.draw(st.integers(0, min(num["p"], 20)))
    Ln = data.draw(st.sampled_from([0.0, 1.0]) | st.floats(0, 1))
    M = data.draw(st.integers(1, 1000))
    assert V1.evaluate(Ln=Ln, k=k, M=M, **num) == pytest.approx(ref_V1(Ln, k, M=M, **num), abs=1e-11)


def test_V3_C_L2_values():
    assert V3.evaluate(Linf=2.0, d=0.25) == 0.25
    assert C.evaluate(F0=1.0, nu=0.1) == pytest.approx(10.0)
    assert C.evaluate(F0=0.0, nu=0.0) == math.inf  # nu = 0: no move bound from F0/nu, never NaN
    assert L2.evaluate(a=2.0, lam=0.5, d=0.25) == 0.75
    assert L2.evaluate_extra("c_Q", a=2.0, lam=0.5, d=0.25) == pytest.approx(2 * 0.25 / 2 - 0.0625 / 4)


def test_vectorized_broadcast_never_nan():
    n = np.array([10, 100, 1000])[:, None]
    delta = np.array([1e-10, 0.5])[None, :]
    out = A0.evaluate(B=1, n=n, p=10, Qsize=3, Gamma=0.0, delta=delta)
    assert out.shape == (3, 2) and np.all(np.isfinite(out))
    v1 = V1.evaluate(Ln=np.linspace(0, 1, 7), k=3, n=50, p=10, Qsize=5, delta=0.05)
    assert v1.shape == (7,) and np.all(np.isfinite(v1)) and np.all(v1 >= np.linspace(0, 1, 7))


# ---- monotonicity: nondecreasing in Gamma, s, eps, 1/delta'; nonincreasing in n ------------------------
def _up(f, num, key, new):
    lo = f(**num)
    hi = f(**{**num, key: new})
    return lo, hi


@given(penalized(), st.data())
def test_A_B_monotone(num, data):
    for R in (A, B):
        f = R.evaluate
        g = num["Gamma"] + data.draw(st.floats(0, 2))
        lo, hi = _up(f, num, "Gamma", g)
        assert hi >= lo
        lo, hi = _up(f, num, "eps", num["eps"] + data.draw(st.floats(0, 2)))
        assert hi >= lo
        lo, hi = _up(f, num, "s", num["s"] + data.draw(st.integers(0, 50)))
        assert hi >= lo
        lo, hi = _up(f, num, "delta", num["delta"] * data.draw(st.floats(1e-6, 1)))
        assert hi >= lo * (1 - 1e-14)
        lo, hi = _up(f, num, "n", num["n"] + data.draw(st.integers(0, 10**6)))
        assert hi <= lo * (1 + 1e-14)


@given(common(), st.data())
def test_L1_A0_V1_V2_monotone(num, data):
    k = data.draw(st.integers(0, num["p"] - 1)) if num["p"] > 1 else 0
    base = {**num, "k": k}
    smaller_delta = num["delta"] * data.draw(st.floats(1e-6, 1))
    bigger_n = num["n"] + data.draw(st.integers(0, 10**6))
    for R, point in ((L1, base), (V2, {**base, "M": 7}), (A0, {**num, "Gamma": 0.1})):
        f = R.evaluate
        assert f(**{**point, "delta": smaller_delta}) >= f(**point) * (1 - 1e-14)
        assert f(**{**point, "n": bigger_n}) <= f(**point) * (1 + 1e-14)
    assert L1.evaluate(**{**base, "k": k + 1}) >= L1.evaluate(**base) or k + 1 > num["p"]
    assert A0.evaluate(**{**num, "Gamma": 0.5}) >= A0.evaluate(**{**num, "Gamma": 0.1})
    v1 = {k_: v for k_, v in base.items() if k_ != "B"}
    v1.update(Ln=data.draw(st.floats(0, 1)), n=max(8, num["n"]))
    assert V1.evaluate(**{**v1, "delta": smaller_delta}) >= V1.evaluate(**v1) - 1e-12
    assert V1.evaluate(**{**v1, "n": v1["n"] + data.draw(st.integers(0, 10**6))}) <= V1.evaluate(**v1) + 1e-12
    if k + 1 <= num["p"]:
        assert V1.evaluate(**{**v1, "k": k + 1}) >= V1.evaluate(**v1) - 1e-12


# ---- hypotheses ------------------------------------------------------------------------------------------
@given(penalized())
def test_generated_points_meet_every_hypothesis(num):
    a = num["a"]
    extra = dict(U=0.5 / a, nu=0.0)
    assert all(B.check(**num, **extra).values())
    assert all(A.check(**num).values())
    assert all(L2.check(**{k: v for k, v in {**num, **extra}.items() if k in L2.symbols}).values())


def test_check_reports_each_broken_hypothesis():
    base = dict(Qsize=9, a=2.0, lam=0.5, d=0.25, U=0.1, nu=0.0)  # K = 4, R = 1, a lam = 1
    assert L2.check(**base) == {k: True for k in L2.hypotheses}
    assert L2.check(**{**base, "U": 0.5})["a*U < 1"] is False
    assert L2.check(**{**base, "d": 1.0})["d < a*lam"] is False
    assert L2.check(**{**base, "Qsize": 5})["a*lam <= R"] is False
    limit = (1 / 2.0 - 0.1) * 0.25**2 / 2
    assert L2.check(**{**base, "nu": limit})["nu < (1/a - U)*d^2/2"] is False
    assert L2.check(**{**base, "nu": 0.99 * limit})["nu < (1/a - U)*d^2/2"] is True
    assert L1.check(B=1, n=10, p=3, Qsize=3, k=4, delta=0.1) == {"k <= p": False}
    assert V1.check(Ln=0.1, k=1, n=7, p=3, Qsize=3, delta=0.1)["n >= 8"] is False
    assert C.check(F0=1.0, nu=0.0) == {"nu > 0": False}


def test_unknown_or_missing_symbol_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown symbol s for L1; it uses B n p Qsize k delta"):
        L1.evaluate(B=1, n=10, p=3, Qsize=3, k=1, delta=0.1, s=2)
    with pytest.raises(ValueError, match=r"L1 needs a value for delta"):
        L1.evaluate(B=1, n=10, p=3, Qsize=3, k=1)
    with pytest.raises(ValueError, match=r"^Ln == 1.5, must be a real in \[0, 1\]"):
        V1.evaluate(Ln=1.5, k=1, n=10, p=3, Qsize=3, delta=0.1)


# ---- sample size -----------------------------------------------------------------------------------------
@given(common(), st.floats(0.01, 2.0))
def test_A0_sample_size_is_theorys_formula(num, eps):
    num.pop("n")
    n_theory = 2 * num["B"] ** 2 * (num["p"] * math.log(num["Qsize"]) + math.log(2 / num["delta"])) / eps**2
    assume(n_theory < 2**60)
    n = A0.sample_size(eps, Gamma=0.0, **num)
    assert abs(n - math.ceil(n_theory)) <= 1
    assert A0.evaluate(n=n, Gamma=0.0, **num) <= eps
    if n > 1:
        assert A0.evaluate(n=n - 1, Gamma=0.0, **num) > eps


@given(penalized(), st.floats(1.001, 3.0))
def test_B_sample_size_is_smallest_n(num, factor):
    num.pop("n")
    floor = B.evaluate(n=2**62, **num)
    target = floor * factor
    n = B.sample_size(target, **num)
    assert B.evaluate(n=n, **num) <= target
    assert n == 1 or B.evaluate(n=n - 1, **num) > target


def test_V1_sample_size_numeric_root():
    num = dict(Ln=0.02, k=5, p=100, Qsize=15, delta=0.05)
    n = V1.sample_size(0.1, **num)
    assert V1.evaluate(n=n, **num) <= 0.1 < V1.evaluate(n=n - 1, **num)
    assert V1.sample_size_expr() is None
    with pytest.raises(ValueError, match="stays above the target"):
        V1.sample_size(0.01, **num)  # below L_n: never reached


def test_sample_size_errors():
    with pytest.raises(ValueError, match="must exceed"):
        A.sample_size(0.01, B=1, p=10, Qsize=5, s=2, eps=0.05, Gamma=0, delta=0.05, a=3, lam=0.1, d=0.05)
    with pytest.raises(ValueError, match="does not depend on n"):
        V3.sample_size(0.1, Linf=1, d=0.1)


# ---- tuning ----------------------------------------------------------------------------------------------
@given(penalized())
def test_B_tuning(num):
    tuned = B.tune(**num)
    Ac, _ = ref_consts(num["B"], num["n"], num["p"], num["Qsize"], num["delta"])
    assert tuned["t"] == pytest.approx(math.sqrt(4 * Ac / (3 * num["s"])), rel=1e-10)
    # t* minimizes s t/2 + 2A/(3t)
    obj = lambda t: num["s"] * t / 2 + 2 * Ac / (3 * t)  # noqa: E731
    assert all(obj(tuned["t"]) <= obj(tuned["t"] * f) * (1 + 1e-12) for f in (0.5, 0.9, 1.1, 2.0))
    if tuned["a*lam >= 2d"]:
        exact = B.evaluate(**{**num, "lam": tuned["lam"]})
        assert exact <= tuned["bound"] * (1 + 1e-12)


@given(penalized())
def test_A_tuning_minimizes_over_lambda(num):
    best = A.tune_lambda(**num)
    lo = num["d"] / num["a"]
    assert best["lam"] >= lo * (1 - 1e-12)
    for f in (1.001, 1.1, 2.0, 10.0):
        assert best["bound"] <= A.evaluate(**{**num, "lam": best["lam"] * f}) * (1 + 1e-12)
        if best["lam"] / f >= lo:
            assert best["bound"] <= A.evaluate(**{**num, "lam": best["lam"] / f}) * (1 + 1e-12)


# ---- text ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(RESULTS))
def test_latex_and_symbols(name):
    R = RESULTS[name]
    tex = R.latex()
    assert "=" in tex and "Qsize" not in tex and "lambda" not in tex.replace("\\lambda", "")
    assert set(R.value_symbols) <= set(R.symbols)
