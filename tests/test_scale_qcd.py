"""Q-CD at scale on +-1 inputs: the block-scored sweep accepts exactly the moves of the sequential rule, the
one-pass certificate agrees with the reference certificate, U_Q <= 2, and L1's event on the points Q-CD
visits holds with frequency >= 1 - delta' (binomial margin) at p = 1000."""

import numpy as np
import pytest
from scipy.stats import binom

from qtheory.experiments.scale_cells import l1_on_points, visited_points
from qtheory.problem import problem_from_config
from qtheory.solve.certify import certify_local, grid_smoothness
from qtheory.solve.qcd import qcd
from qtheory.solve.sign_smoothness import U_UPPER, second_difference


def _problem(p=40, n=60, K=3, d=0.3, B=1.0, sigma=0.5, nonzeros=5, seed=0, a=0.45, lam=None):
    lam = 1.5 * d / a if lam is None else lam
    cfg = {"grid": {"K": K, "step": d}, "model": {"kind": "linear"}, "loss": {"kind": "squared", "B": B},
           "data": {"kind": "rademacher", "p": p, "n": n, "teacher_nonzeros": nonzeros, "teacher_seed": 7,
                    "sigma": sigma, "seed": seed},
           "penalty": {"a": a, "lam": lam}}
    return problem_from_config(cfg)


def _sequential(pb, nu, codes, order, seed):
    """docs/theory.md's rule C, one candidate at a time, every F by the reference evaluation."""
    rng = np.random.default_rng(0 if seed is None else seed)
    codes = codes.copy()
    F = float(pb.objective(codes, "penalized"))
    moves = []
    while True:
        moved = False
        for j in (np.arange(pb.p) if order == "cyclic" else rng.permutation(pb.p)):
            for s in (1, -1):
                if abs(codes[j] + s) > pb.family.K:
                    continue
                nb = codes.copy()
                nb[j] += s
                Fn = float(pb.objective(nb, "penalized"))
                if Fn < F - nu:
                    codes, F, moved = nb, Fn, True
                    moves.append((int(j), s))
        if not moved:
            return codes, moves


@pytest.mark.parametrize("order,seed,nu,B,lam,start", [("cyclic", None, 0.0, 1.0, 0.1, "zero"),
                                                        ("random", 3, 1e-3, 2.0, 0.2, "zero"),
                                                        ("cyclic", None, 1e-3, 50.0, 0.5, "random"),
                                                        ("random", 1, 0.0, 0.6, 0.1, "random")])
def test_block_sweep_accepts_exactly_the_sequential_moves(order, seed, nu, B, lam, start):
    """The clip binds on many samples (B = 0.6, 1, 2) or never (B = 50)."""
    pb = _problem(B=B, lam=lam)
    res = qcd(pb, nu, start=start, order=order, seed=seed)
    codes, moves = _sequential(pb, nu, res.start_codes, order, seed)
    assert len(moves) >= 5  # the instance moves: the comparison is not vacuous
    assert [(t["j"], t["direction"]) for t in res.trace] == moves
    assert np.array_equal(res.codes, codes) and res.local
    Fs = [res.F0] + [t["F"] for t in res.trace]
    assert all(b < a - nu for a, b in zip(Fs, Fs[1:]))


def test_one_pass_certificate_agrees_with_the_reference():
    pb = _problem(B=0.8)
    rng = np.random.default_rng(5)
    for _ in range(6):
        codes = rng.integers(-3, 4, pb.p) * (rng.random(pb.p) < 0.3)
        fast = certify_local(pb, codes, 1e-3)
        ref = certify_local(pb, codes, 1e-3, method="reference")
        assert fast.method == "screened-signs" and ref.method == "reference"
        assert [(j, s) for j, s, _ in fast.violations] == [(j, s) for j, s, _ in ref.violations]
        assert fast.F == ref.F
        assert np.allclose([v[2] for v in fast.violations], [v[2] for v in ref.violations], rtol=0, atol=1e-15)
    assert ref.violations  # random points are not local: the comparison covers violations


def test_sparse_ste_start_then_certified_qcd():
    pb = _problem(p=2000, n=300, K=4, d=0.25, B=4.0, nonzeros=8)
    res = qcd(pb, 1e-3, start="ste")
    assert res.local and res.start == "ste"
    assert 0 < np.count_nonzero(res.start_codes) <= 100  # sparse, and not the zero start
    assert res.F <= res.F0


def test_smoothness_bound_two_is_valid_and_not_exact_under_the_clip():
    pb = _problem(p=4, n=30, K=2, d=0.5, B=0.5, nonzeros=2)
    exact = grid_smoothness(pb, exact=True)
    assert exact.exact and exact.U <= U_UPPER + 1e-12
    assert exact.U < U_UPPER - 0.1  # the clip lowers U_Q here: assuming U_Q = 2 would be wrong
    sampled = grid_smoothness(pb, exact=False, samples=50)
    assert sampled.U == U_UPPER and sampled.lower <= exact.U + 1e-12
    unclipped = _problem(p=4, n=30, K=2, d=0.5, B=1e6, nonzeros=2)
    assert second_difference(unclipped, np.zeros(4, dtype=np.int64)) == pytest.approx(2.0, abs=1e-9)


def _l1_failures(scale: float, samples: int = 200, delta: float = 0.05) -> tuple[int, int]:
    failures, moved = 0, 0
    for seed in range(samples):
        pb = _problem(p=1000, n=200, K=4, d=0.25, B=4.0, nonzeros=4, seed=seed)
        res = qcd(pb, 1e-3)
        pts = visited_points(res)
        moved += len(pts) > 1
        dev, D = l1_on_points(pb, pts, delta)
        failures += bool(np.any(dev > scale * D))
    return failures, moved


def test_l1_event_on_visited_points_holds_with_frequency_at_least_1_minus_delta():
    delta, m = 0.05, 200
    limit = int(binom.isf(1e-3, m, delta))  # P(Bin(m, delta') > limit) <= 1e-3
    failures, moved = _l1_failures(1.0, m, delta)
    assert moved >= m // 2  # Q-CD leaves the start on most samples: more than one point is checked
    assert failures <= limit
    # negative control: a radius ten times smaller than L1's fails far more often than delta' allows
    planted, _ = _l1_failures(0.1, 60, delta)
    assert planted > int(binom.isf(1e-3, 60, delta))


def test_round_off_margin_covers_the_scored_changes():
    """|scored change - reference change| <= margin at every neighbour (float32 products included)."""
    from qtheory.solve.sign_moves import SignState

    pb = _problem(p=300, n=2000, B=1.5, lam=0.2)
    rng = np.random.default_rng(9)
    worst = 0.0
    for _ in range(2):
        state = SignState(pb, rng.integers(-3, 4, pb.p) * (rng.random(pb.p) < 0.2))
        sc = state.scores(slice(0, pb.p))
        for j in range(0, pb.p, 20):
            for col, s in ((0, 1), (1, -1)):
                if np.isfinite(sc[j, col]):
                    worst = max(worst, abs(sc[j, col] - (state.neighbour_F(j, s) - state.F)) / state.margin())
    assert 0 < worst <= 1.0


def test_reference_certificate_refuses_a_batch_that_would_not_fit():
    pb = _problem(p=100_000, n=10, K=1, d=0.5, nonzeros=2)
    with pytest.raises(ValueError, match=r"method: a batch of 200000 neighbour code vectors would need about 149 GiB"):
        certify_local(pb, np.zeros(pb.p, dtype=np.int64), 0.0, method="reference")
    assert certify_local(pb, np.zeros(pb.p, dtype=np.int64), 0.0).n_checked == 200_000
