"""``qtheory solve --method``: every exact method agrees with enumeration on problems small enough to enumerate."""

import pytest

from qtheory.problem import problem_from_config
from qtheory.solve.dispatch import solve_problem, solver_unsupported


def _linear(loss="squared", B=100.0, bias=True, levels=None, seed=0):
    grid = {"levels": levels} if levels else {"kind": "ternary", "step": 0.5}
    return problem_from_config({
        "grid": grid,
        "model": {"kind": "linear", "layers": [3, 1], "bias": bias},
        "loss": {"kind": loss, "B": B} if loss != "zero_one" else {"kind": loss},
        "data": {"kind": "teacher", "N": 40, "n": 25, "noise": 0.2, "seed": seed},
    })


@pytest.mark.parametrize("objective", ["empirical", "population"])
@pytest.mark.parametrize("seed", [0, 1])
def test_bnb_and_mip_agree_with_enumeration_on_least_squares(objective, seed):
    pb = _linear(seed=seed, levels=[-1.0, -0.25, 0.0, 0.5])
    ref = solve_problem(pb, objective=objective, method="enumerate")
    for method in ("bnb", "mip"):
        sol = solve_problem(pb, objective=objective, method=method)
        assert sol.certified
        assert sol.objective == pytest.approx(ref.objective, abs=1e-9)


@pytest.mark.parametrize("loss", ["hinge", "zero_one"])
def test_mip_agrees_with_enumeration_on_classification(loss):
    pb = _linear(loss=loss, B=1.5)
    ref = solve_problem(pb, method="enumerate")
    sol = solve_problem(pb, method="mip")
    assert sol.certified and sol.objective == pytest.approx(ref.objective, abs=1e-9)


def test_relu_mip_agrees_with_enumeration():
    pb = problem_from_config({
        "grid": {"kind": "ternary", "step": 1.0},
        "model": {"kind": "mlp", "layers": [2, 2, 1], "activation": "relu", "bias": False},
        "loss": {"kind": "squared", "B": 100.0},
        "data": {"kind": "teacher", "N": 30, "n": 20, "noise": 0.1, "seed": 3},
    })
    ref = solve_problem(pb, method="enumerate")
    sol = solve_problem(pb, method="mip")
    assert sol.certified and sol.objective == pytest.approx(ref.objective, abs=1e-9)


def test_unsupported_combinations_are_refused_with_the_reason():
    pb = _linear(loss="logistic", B=2.0)
    assert "logistic" in solver_unsupported(pb, "empirical", "mip")
    with pytest.raises(ValueError, match="method 'bnb' cannot solve this problem: branch-and-bound handles least squares"):
        solve_problem(pb, method="bnb")
    pen = problem_from_config({
        "grid": {"K": 1, "step": 0.5}, "model": {"kind": "linear", "layers": [2, 1]},
        "loss": {"kind": "squared", "B": 10.0}, "data": {"kind": "teacher", "N": 10, "n": 5},
        "penalty": {"a": 2.0, "lam": 0.1},
    })
    with pytest.raises(ValueError, match="MCP penalty is only handled by enumeration"):
        solve_problem(pen, objective="penalized", method="mip")
    with pytest.raises(ValueError, match="objective == 'best'"):
        solve_problem(pen, objective="best")


def test_auto_falls_back_to_an_exact_solver_beyond_enumeration():
    pb = _linear(levels=[-1.0, 0.0, 1.0])
    sol = solve_problem(pb, method="auto", max_seconds=1e-9)  # enumeration "too slow": bnb is used
    assert sol.method.startswith("bnb") and sol.certified
    assert sol.objective == pytest.approx(solve_problem(pb, method="enumerate").objective, abs=1e-9)
