"""Q-CD (docs/theory.md, C): monotone descent by more than nu, the move bound, the certificate at the output,
global minimizers are 0-local, caps, orders and warm starts, and the qcd/certify commands."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_local_support import make_problem, problems, random_codes

from qtheory.cli import main
from qtheory.grid import Grid
from qtheory.losses import Loss
from qtheory.models import Network
from qtheory.problem import Penalty, Problem
from qtheory.solve.certify import certify_local, objective_F
from qtheory.solve.enumerate import enumerate_exact
from qtheory.solve.qcd import qcd


def replay(problem: Problem, res) -> np.ndarray:
    """Replay the trace from the start with the reference F; check C's claim (1) at every move."""
    codes = res.start_codes.copy()
    F_prev = objective_F(problem, codes)
    assert F_prev == res.F0
    for rec in res.trace:
        j, s = rec["j"], rec["direction"]
        idx = problem.param_grids[j].index_of(np.asarray(codes[j])) + s
        codes[j] = problem.param_grids[j].codes[idx]
        F_new = objective_F(problem, codes)
        assert F_new < F_prev - res.nu, (rec, F_prev, F_new)  # the decrease exceeds nu (reference F)
        assert abs(rec["F"] - F_new) <= 1e-10
        F_prev = F_new
    return codes


@given(problems(deep=True), st.sampled_from([0.0, 0.0, 1e-3, 0.02, 0.1]), st.integers(0, 2**31 - 1),
       st.sampled_from(["cyclic", "random"]))
@settings(max_examples=40)
def test_qcd_claims_of_C(problem, nu, seed, order):
    start = random_codes(problem, np.random.default_rng(seed))
    res = qcd(problem, nu, start=start, order=order, seed=seed % 1000)
    assert not res.hit_cap
    codes = replay(problem, res)
    assert np.array_equal(codes, res.codes)
    # (4) the output is certified nu-local, independently of the run, with F <= F0
    assert res.local
    cert = certify_local(problem, res.codes, nu, method="reference")
    assert cert.local and cert.violations == []
    assert res.F == cert.F <= res.F0
    # (2) at most (F0 - F)/nu <= F0/nu moves (each move drops F by more than nu)
    if nu > 0:
        assert res.moves <= res.F0 / nu
        if res.moves:
            assert res.moves * nu < res.F0 - res.F + 1e-12
    assert [t["move"] for t in res.trace] == list(range(1, res.moves + 1))


@given(st.integers(0, 10**6), st.sampled_from(["squared", "logistic", "hinge", "zero_one"]),
       st.sampled_from([(2, 2, 1), (3, 2), (2, 1, 2)]), st.booleans())
@settings(max_examples=15)
def test_global_minimizer_of_F_is_certified_0_local(seed, loss, layers, bias):
    kind = "linear" if len(layers) == 2 else "mlp"
    if bias and kind == "mlp":
        layers = (2, 1, 1)
    problem = make_problem(seed, layers=layers, kind=kind, bias=bias, loss=loss, n=25, K=2, step=0.5,
                           penalty=(2.0, 0.3))
    q = enumerate_exact(problem)
    cert = certify_local(problem, q.F_argmin, 0.0)
    assert cert.local, cert.violations
    assert abs(cert.F - q.F_min) <= 1e-12
    # Q-CD started at the global minimizer accepts nothing
    res = qcd(problem, 0.0, start=q.F_argmin)
    assert res.moves == 0 and res.local and np.array_equal(res.codes, q.F_argmin)
    # every Q-CD output is at least the global minimum
    for s in range(3):
        out = qcd(problem, 0.0, start="random", seed=s)
        assert out.F >= q.F_min - 1e-12


def test_certify_reports_every_violation_exactly():
    problem = make_problem(4, layers=(2, 2, 1), n=30, K=2, step=0.5, penalty=(2.0, 0.2))
    codes = random_codes(problem, np.random.default_rng(2))
    F = objective_F(problem, codes)
    expected = []
    for j, g in enumerate(problem.param_grids):
        idx = int(g.index_of(np.asarray(codes[j])))
        for s in (1, -1):
            if 0 <= idx + s < g.size:
                new = codes.copy()
                new[j] = g.codes[idx + s]
                Fn = objective_F(problem, new)
                if Fn < F - 0.01:
                    expected.append((j, s, F - Fn))
    assert expected, "the test point should have violations"
    for method in ("reference", "screened"):
        cert = certify_local(problem, codes, 0.01, method=method)
        assert not cert.local
        assert [(j, s) for j, s, _ in cert.violations] == [(j, s) for j, s, _ in expected]
        assert np.allclose([d for *_, d in cert.violations], [d for *_, d in expected], rtol=0, atol=0)
    with pytest.raises(ValueError, match="nu"):
        certify_local(problem, codes, -0.1)
    with pytest.raises(ValueError, match="codes"):
        certify_local(problem, np.zeros(5, dtype=np.int64), 0.0)


def test_cap_is_reported_and_order_is_seeded():
    problem = make_problem(5, layers=(3, 3, 1), bias=True, n=40, K=3, step=0.5, penalty=(3.0, 0.1))
    start = random_codes(problem, np.random.default_rng(0))
    full = qcd(problem, 0.0, start=start)
    assert full.moves >= 3 and full.local and not full.hit_cap
    sol = full.to_solution(problem)
    assert sol.method == "qcd" and not sol.certified and sol.status == "nu-local" and sol.objective == full.F
    capped = qcd(problem, 0.0, start=start, max_moves=2)
    assert capped.hit_cap and capped.moves == 2
    assert capped.trace == full.trace[:2]
    assert capped.local == certify_local(problem, capped.codes, 0.0).local
    none = qcd(problem, 0.0, start=start, max_moves=0)
    assert none.hit_cap and none.moves == 0 and not none.local and np.array_equal(none.codes, start)
    exact_cap = qcd(problem, 0.0, start=start, max_moves=full.moves)
    assert not exact_cap.hit_cap and exact_cap.local and exact_cap.trace == full.trace
    r1 = qcd(problem, 0.0, start=start, order="random", seed=11)
    r2 = qcd(problem, 0.0, start=start, order="random", seed=11)
    assert r1.trace == r2.trace and r1.local
    with pytest.raises(ValueError, match="order"):
        qcd(problem, 0.0, order="backwards")
    with pytest.raises(ValueError, match="nu"):
        qcd(problem, -1.0)
    with pytest.raises(ValueError, match="start"):
        qcd(problem, 0.0, start="best")


def test_grid_without_zero():
    # binary grid {-1, +1}: moves between the two levels; the zero start is refused
    net = Network.mlp([2, 2, 1])
    base = make_problem(1, layers=(2, 2, 1))
    problem = Problem(net, [Grid.binary(0.5)] * 2, Loss("squared", 4.0), base.train)
    res = qcd(problem, 0.0, start="random", seed=3)
    assert res.local and set(np.abs(res.codes).tolist()) == {1}
    replay(problem, res)
    with pytest.raises(ValueError, match="zero"):
        qcd(problem, 0.0, start="zero")


def test_warm_starts_round_and_ste():
    import torch  # noqa: F401  (the warm starts need torch)

    from qtheory.ste import round_to_grid, train_float, train_float_rounded, train_ste

    problem = make_problem(2, layers=(2, 3, 1), bias=True, n=40, K=3, step=0.25, penalty=(3.0, 0.05))
    w = train_float(problem, seed=1, epochs=60)
    codes = train_float_rounded(problem, seed=1, epochs=60)
    grid = problem.layer_grids[0]
    assert np.array_equal(codes, [int(grid.round(x)) for x in w])  # half-to-even rounding of each weight
    assert np.array_equal(round_to_grid(problem, np.full(problem.p, 0.125)), np.zeros(problem.p))  # tie -> even
    assert np.array_equal(train_ste(problem, seed=1, epochs=60), train_ste(problem, seed=1, epochs=60))
    # training lowers the (penalized) objective from the initial weights' rounding, on this problem
    assert objective_F(problem, codes) < objective_F(problem, round_to_grid(problem, train_float(problem, seed=1, epochs=1)))
    for start in ("round", "ste"):
        res = qcd(problem, 0.0, start=start, seed=1)
        assert res.start == start and res.local
        replay(problem, res)


def test_ste_penalty_on_rounded_or_latent_weights():
    """With the saturating MCP (a lam = d) the straight-through gradient of P(q(w)) vanishes, so the rounded
    form trains exactly as the unpenalized STE; the latent form P(w) pulls small weights to 0 (sparser)."""
    import dataclasses

    import torch  # noqa: F401  (the warm starts need torch)

    from qtheory.ste import train_ste

    base = make_problem(3, layers=(6, 1), kind="linear", bias=True, n=60, K=2, step=0.5, loss="logistic")
    problem = dataclasses.replace(base, penalty=Penalty(0.5 / 0.2, 0.2))  # a = d / lam
    plain = train_ste(base, seed=2, epochs=150)
    rounded = train_ste(problem, seed=2, epochs=150, penalty_on="rounded")
    latent = train_ste(problem, seed=2, epochs=150, penalty_on="latent")
    assert np.array_equal(rounded, plain)
    assert np.count_nonzero(latent) < np.count_nonzero(plain)
    with pytest.raises(ValueError, match="penalty_on"):
        train_ste(problem, seed=2, epochs=5, penalty_on="both")


# ------------------------------------------------------------------------------------------------ CLI
def test_qcd_and_certify_commands(capsys):
    path = "examples/local_tanh.toml"
    assert main(["qcd", path, "--nu", "0.001", "--start", "random", "--seed", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"codes", "F", "moves", "trace", "local"} <= set(out)
    assert out["local"] is True and len(out["trace"]) == out["moves"]
    codes = ",".join(str(c) for c in out["codes"])
    assert main(["certify", path, "--codes", codes, "--nu", "0.001", "--json"]) == 0
    cert = json.loads(capsys.readouterr().out)
    assert cert["local"] is True and cert["violations"] == [] and cert["F"] == out["F"]
    # U_Q and L2's hypotheses for the example (a = 0.42 < 1/U_Q, a lam = 0.63, d = 0.25, R = 1)
    assert main(["certify", path, "--codes", codes, "--nu", "0.001", "--smoothness", "--json"]) == 0
    sm = json.loads(capsys.readouterr().out)
    assert sm["smoothness"]["exact"] is True and sm["smoothness"]["n_points"] == 9**6
    assert sm["L2"]["holds"]["a*U < 1"] == (0.42 * sm["smoothness"]["U"] < 1)
    assert sm["L2"]["holds"]["d < a*lam"] and sm["L2"]["holds"]["a*lam <= R"]
    # a non-local point: text mode exits 1 and lists the violations
    start = ",".join(["4"] * 6)
    assert main(["certify", path, "--codes", start, "--nu", "0"]) == 1
    assert "violation: coordinate" in capsys.readouterr().out
    assert main(["qcd", path, "--nu", "0", "--start", start, "--max-moves", "1"]) == 1
    assert "stopped by --max-moves" in capsys.readouterr().out
    # bad input: one line naming the argument, exit 2
    assert main(["certify", path, "--codes", "1,2", "--nu", "0"]) == 2
    assert "--codes" in capsys.readouterr().err
    assert main(["certify", path, "--codes", "0,0,0,0,0,9", "--nu", "0"]) == 2
    assert "--codes[5]" in capsys.readouterr().err
    assert main(["qcd", path, "--nu", "-1"]) == 2
    assert "--nu" in capsys.readouterr().err
