"""Unit tests of qtheory.empirical on problems small enough to check against brute force."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math

import numpy as np
import pytest

from qtheory.data import Dataset
from qtheory.empirical import (
    PointCheck,
    SampleCheck,
    as_problem,
    bound_checks,
    check_sample,
    event_test,
    frequency_test,
    iter_resample,
    l1_radii,
    max_deviation_by_sparsity,
    nonzero_counts,
    resample_l1,
    single_point_radius,
    tightness_summary,
    toy_config,
    with_training_sample,
)
from qtheory.problem import Penalty, problem_from_config
from qtheory.solve.enumerate import enumerate_exact

DELTA = 0.1


def tiny_config(**data) -> dict:
    """A linear classifier, 3 inputs and a bias, ternary grid: 3^4 = 81 code vectors."""
    cfg = {
        "name": "tiny",
        "grid": {"K": 1, "step": 1.0},
        "model": {"kind": "linear", "layers": [3, 1], "bias": True},
        "loss": {"kind": "zero_one"},
        "data": {"kind": "teacher", "N": 40, "n": 15, "noise": 0.2, "seed": 3},
        "penalty": {"a": 2.0, "lam": 0.5},
    }
    cfg["data"].update(data)
    return cfg


def small_tanh_config() -> dict:
    """A 2-2-1 tanh network without biases, ternary grid: 3^6 = 729 code vectors, squared loss."""
    return {
        "name": "small_tanh",
        "grid": {"K": 1, "step": 0.5},
        "model": {"kind": "mlp", "layers": [2, 2, 1], "activation": "tanh", "bias": False},
        "loss": {"kind": "squared", "B": 1.0},
        "data": {"kind": "teacher", "N": 60, "n": 12, "noise": 0.3, "seed": 5},
        "penalty": {"a": 3.0, "lam": 0.2},
    }


def all_codes(problem) -> np.ndarray:
    return np.array(list(itertools.product(*[g.codes for g in problem.param_grids])), dtype=np.int64)


@pytest.fixture(scope="module", params=["tiny", "small_tanh"])
def exact(request):
    cfg = tiny_config() if request.param == "tiny" else small_tanh_config()
    return enumerate_exact(problem_from_config(cfg), keep_tables=True)


# ------------------------------------------------------------------------------ tables and deviations
def test_nonzero_counts_match_codes(exact):
    pb = exact.problem
    codes = all_codes(pb)  # itertools.product order = C order of the canonical tables
    assert np.array_equal(nonzero_counts(pb).ravel(), pb.nonzeros(codes))


def test_deviation_by_sparsity_matches_brute_force(exact):
    """dev(k) against the reference evaluation of every code vector (no tables involved)."""
    pb = exact.problem
    codes = all_codes(pb)
    dev = np.abs(np.asarray(pb.empirical_risk(codes)) - np.asarray(pb.population_risk(codes)))
    k = pb.nonzeros(codes)
    expected = np.array([dev[k == kk].max() for kk in range(pb.p + 1)])
    got, where = max_deviation_by_sparsity(exact)
    assert np.allclose(got, expected, rtol=0, atol=1e-12)
    assert np.array_equal(pb.nonzeros(where), np.arange(pb.p + 1))


def test_radii_come_from_theory(exact):
    from qtheory.theory import L1

    pb = exact.problem
    D = l1_radii(pb, DELTA)
    for kk in range(pb.p + 1):
        expected = L1.evaluate(k=kk, B=pb.loss.B, n=pb.n, p=pb.p, Qsize=pb.Qsize, delta=DELTA)
        assert D[kk] == pytest.approx(float(expected))
    # independent transcription of B sqrt(ln(2/delta')/(2n)), on purpose
    assert single_point_radius(B=2.0, n=30, delta=0.05) == pytest.approx(2.0 * math.sqrt(math.log(2 / 0.05) / 60))


# ------------------------------------------------------------------------------ one sample
def _independent_A0(Gamma, B, n, p, Qsize, delta):
    """Independent numpy transcription of A0 (docs/theory.md), on purpose: Gamma + 2 D_dense."""
    return Gamma + 2 * B * np.sqrt((p * np.log(Qsize) + np.log(2 / delta)) / (2 * n))


def _independent_A(eps, Gamma, s, a, lam, d, B, n, p, Qsize, delta):
    """Independent numpy transcription of A (docs/theory.md), on purpose."""
    Acst = B**2 * np.log(p * Qsize) / (2 * n)
    C0 = B**2 * np.log(2 * (p + 1) / delta) / (2 * n)
    D_s = B * np.sqrt((s * np.log(p * Qsize) + np.log(2 * (p + 1) / delta)) / (2 * n))
    pi_min = lam * d - d**2 / (2 * a)
    return eps + Gamma + s * a * lam**2 / 2 + D_s + np.sqrt(C0) + Acst / (4 * pi_min)


def test_check_sample_points_and_bounds(exact):
    pb = exact.problem
    rec = check_sample(exact, delta=DELTA, gammas=[0.1, 0.3], n_points=6, seed=1)
    num = dict(B=pb.loss.B, n=pb.n, p=pb.p, Qsize=pb.Qsize, delta=DELTA)
    assert rec.l1_holds == bool(np.all(rec.dev_by_k <= rec.radius_by_k))
    assert rec.dense_holds == bool(rec.dev_by_k.max() <= rec.dense_radius)
    codes = all_codes(pb)
    Ln_all = np.asarray(pb.empirical_risk(codes))
    F_all = np.asarray(pb.objective(codes, "penalized"))
    L_all = np.asarray(pb.population_risk(codes))
    assert rec.L_star == pytest.approx(L_all.min(), abs=1e-12)
    assert rec.max_excess == pytest.approx(L_all.max() - L_all.min(), abs=1e-12)

    a0, aa = rec.of("A0"), rec.of("A")
    assert any(pt.origin == "global" for pt in a0) and any(pt.origin == "global" for pt in aa)
    for pt in a0:
        assert pt.Ln <= Ln_all.min() + pt.level + 1e-9
        assert pt.gamma == pytest.approx(pt.Ln - Ln_all.min(), abs=1e-12)
        if pt.origin == "global":
            assert pt.gamma <= 1e-12
        assert pt.value == pytest.approx(_independent_A0(pt.gamma, **num), rel=1e-12)
        assert pt.excess == pytest.approx(pb.population_risk(np.array(pt.codes)) - L_all.min(), abs=1e-12)

    # A: the smallest bound over s = 1..p, each at beta*_eps = argmin{L : ||beta||_0 <= s} (brute force)
    k_all = pb.nonzeros(codes)
    d = 1.0 if pb.name == "tiny" else 0.5
    for pt in aa:
        assert pt.F <= F_all.min() + pt.level + 1e-9
        if pt.origin == "global":
            assert pt.F == pytest.approx(F_all.min(), abs=1e-12)
        values = []
        for s in range(1, pb.p + 1):
            # argmin{L : ||beta||_0 <= s}; among ties (round-off apart) the one with the largest F
            low = L_all[k_all <= s].min()
            tied = np.flatnonzero((k_all <= s) & (L_all <= low + 1e-9))
            ref = int(tied[np.argmax(F_all[tied])])
            gamma = max(0.0, pt.F - F_all[ref])
            values.append(_independent_A(L_all[ref] - L_all.min(), gamma, s, pb.penalty.a, pb.penalty.lam, d, **num))
        assert pt.value == pytest.approx(min(values), rel=1e-9, abs=1e-12)
        assert pt.s in range(1, pb.p + 1)


def test_check_sample_fixed_s_and_hypothesis(exact):
    pb = exact.problem
    best = check_sample(exact, delta=DELTA, n_points=4, seed=2)
    fixed = check_sample(exact, delta=DELTA, n_points=4, seed=2, s=2)
    for b, f in zip(best.of("A"), fixed.of("A")):
        assert b.codes == f.codes and f.s == 2 and b.value <= f.value + 1e-15
    # d > a lam: A's hypothesis fails, no A point is checked
    bad = dataclasses.replace(pb, penalty=Penalty(0.5, 0.1))
    rec = check_sample(enumerate_exact(bad, keep_tables=True), delta=DELTA, seed=2)
    assert rec.A_hypotheses == {"s <= p": True, "d <= a*lam": False}
    assert rec.of("A") == [] and rec.of("A0")


def test_check_sample_without_penalty_checks_A0_only():
    pb = dataclasses.replace(problem_from_config(tiny_config()), penalty=None)
    rec = check_sample(enumerate_exact(pb, keep_tables=True), delta=DELTA, seed=0)
    assert rec.A_hypotheses is None and rec.of("A") == [] and rec.of("A0")
    assert all(pt.F is None for pt in rec.points)


def test_records_are_json():
    recs = resample_l1(tiny_config(), 2, 0, DELTA, n_points=3)
    text = json.dumps([r.to_dict() for r in recs])
    back = json.loads(text)
    assert back[1]["index"] == 1 and back[0]["l1_holds"] == recs[0].l1_holds
    assert len(back[0]["points"]) == len(recs[0].points)


# ------------------------------------------------------------------------------ resampling
def test_resampling_reuses_the_population_and_is_reproducible():
    cfg = tiny_config()
    recs = resample_l1(cfg, 4, 11, DELTA, n_points=3)
    again = list(iter_resample(cfg, 2, 11, DELTA, n_points=3))
    assert [r.to_dict() for r in recs[:2]] == [r.to_dict() for r in again]  # sample r depends on (seed, r) only
    assert len({r.L_star for r in recs}) == 1 and len({r.max_excess for r in recs}) == 1
    assert len({tuple(r.train_index) for r in recs}) == 4
    assert [r.seed for r in recs] == [(11, r) for r in range(4)]
    other = resample_l1(cfg, 1, 12, DELTA, n_points=3)
    assert not np.array_equal(other[0].train_index, recs[0].train_index)
    # each sample's empirical table is that of a fresh enumeration of the problem on that sample
    pb = problem_from_config(cfg)
    train_X = pb.population.X[recs[2].train_index]
    train_y = pb.population.y[recs[2].train_index]
    direct = enumerate_exact(dataclasses.replace(pb, train=Dataset(train_X, train_y)), keep_tables=True)
    assert np.allclose(max_deviation_by_sparsity(direct)[0], recs[2].dev_by_k, atol=1e-12, rtol=0)


def test_with_training_sample_keeps_population_quantities():
    pb = problem_from_config(tiny_config())
    base = enumerate_exact(pb, keep_tables=True)
    other = pb.population.sample(9, np.random.default_rng(0))
    q = with_training_sample(base, other)
    assert q.problem.n == 9 and q.L_star == base.L_star
    assert q.tables["population"] is base.tables["population"]
    assert np.array_equal(q.problem.population.X, pb.population.X)


def test_problem_sources(tmp_path):
    cfg = tiny_config()
    pb = problem_from_config(cfg)
    path = tmp_path / "tiny.toml"
    path.write_text(
        'name = "tiny"\n[grid]\nK = 1\nstep = 1.0\n[model]\nkind = "linear"\nlayers = [3, 1]\nbias = true\n'
        '[loss]\nkind = "zero_one"\n[data]\nkind = "teacher"\nN = 40\nn = 15\nnoise = 0.2\nseed = 3\n'
    )
    for src in (pb, cfg, path, str(path), lambda: problem_from_config(cfg)):
        assert as_problem(src).p == 4
    with pytest.raises(TypeError, match="problem must be"):
        as_problem(3)
    with pytest.raises(TypeError, match="factory must return a Problem"):
        as_problem(lambda: 3)
    assert toy_config("linear01", n=20)["data"]["n"] == 20
    with pytest.raises(ValueError, match="name"):
        toy_config("nope")


def test_bad_inputs_name_the_argument():
    cfg = tiny_config()
    with pytest.raises(ValueError, match="R"):
        resample_l1(cfg, 0, 0, DELTA)
    with pytest.raises(ValueError, match="delta"):
        resample_l1(cfg, 1, 0, 1.5)
    with pytest.raises(ValueError, match="seed"):
        resample_l1(cfg, 1, -1, DELTA)
    pb = problem_from_config(cfg)
    with pytest.raises(ValueError, match="no finite population"):
        resample_l1(dataclasses.replace(pb, population=None), 1, 0, DELTA)
    exact = enumerate_exact(pb)  # no tables kept
    with pytest.raises(ValueError, match="keep_tables=True"):
        check_sample(exact, delta=DELTA)
    binary = dict(cfg, grid={"kind": "binary", "scale": 1.0})
    binary.pop("penalty")
    with pytest.raises(ValueError, match="no zero level"):
        resample_l1(binary, 1, 0, DELTA)
    full = enumerate_exact(pb, keep_tables=True)
    with pytest.raises(ValueError, match="s"):
        check_sample(full, delta=DELTA, s=5)
    with pytest.raises(ValueError, match="gammas"):
        check_sample(full, delta=DELTA, gammas=[-0.1])


# ------------------------------------------------------------------------------ statistics
def test_frequency_test_is_the_exact_binomial_test():
    from scipy.stats import binom

    for failures, R in [(0, 200), (20, 200), (31, 200), (200, 200)]:
        t = frequency_test(failures, R, 0.1, alpha=0.01)
        # independent computation of P(Binomial(R, 0.1) >= failures), on purpose
        assert t.p_value == pytest.approx(binom.sf(failures - 1, R, 0.1), rel=1e-9, abs=1e-300)
        assert t.rejected == (t.p_value <= 0.01)
        assert t.low <= t.frequency <= t.high
    assert not frequency_test(0, 200, 0.1).rejected and frequency_test(200, 200, 0.1).rejected
    with pytest.raises(ValueError, match="failures"):
        frequency_test(5, 4, 0.1)
    with pytest.raises(ValueError, match="alpha"):
        frequency_test(1, 4, 0.1, alpha=0.0)


def _point(excess: float, value: float, bound: str = "A") -> PointCheck:
    return PointCheck(bound, "random", 0.1, (0, 1), 1, 0.2, 0.3, 0.4, 0.05, 1, 0.0, excess, value)


def _record(index: int, dev: float, points: list[PointCheck]) -> SampleCheck:
    return SampleCheck(
        index=index, seed=(0, index), n=10, p=1, Qsize=3, B=1.0, delta=0.1, dev_by_k=np.array([dev, dev]),
        radius_by_k=np.array([0.5, 0.6]), dense_radius=0.55, L_star=0.1, max_excess=0.5, Ln_min=0.0, F_min=0.0,
        A_hypotheses={"s <= p": True, "d <= a*lam": True}, points=points,
    )


def test_checkers_report_planted_failures():
    """The bookkeeping can fail: a point above its bound and a sample outside the event are reported."""
    recs = [
        _record(0, 0.1, [_point(0.3, 0.2), _point(0.1, 0.2), _point(0.0, 0.2)]),
        _record(1, 0.7, [_point(0.4, 0.1)]),
    ]
    chk = bound_checks(recs, "A", "l1")
    assert (chk.samples, chk.checked, chk.informative) == (1, 3, 3)
    assert [(i, pt.excess) for i, pt in chk.violations] == [(0, 0.3)]
    assert len(bound_checks(recs, "A", "any").violations) == 2
    assert bound_checks(recs, "A0", "any").checked == 0
    assert event_test(recs).failures == 1 and event_test(recs, lambda r: 0.05).failures == 2
    summary = tightness_summary(recs)["A"]
    assert summary["points"] == 4 and summary["zero_excess"] == 1
    assert summary["min"] == pytest.approx(0.25) and summary["max"] == pytest.approx(2.0)
    with pytest.raises(ValueError, match="event"):
        bound_checks(recs, "A", "sometimes")
