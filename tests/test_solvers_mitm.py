"""Meet-in-the-middle enumeration (CPU path): agreement with brute force and branch-and-bound, and the
float32 round-off bound Delta of the re-check."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from qtheory.grid import Grid  # noqa: E402
from qtheory.solve.bnb import solve_linear_bnb  # noqa: E402
from qtheory.solve.linear_exact import solve_linear_exact  # noqa: E402
from qtheory.solve.mitm import mitm_least_squares, score_factors, solve_linear_mitm  # noqa: E402
from test_solvers_common import as_list, brute_force, close, grids_for, linear_forward, random_data  # noqa: E402


@settings(max_examples=25)
@given(
    st.integers(0, 2**31 - 1),
    st.integers(1, 10),
    st.integers(1, 5),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["float64", "float32"]),
    st.data(),
)
def test_mitm_matches_brute_force_and_bnb(seed, n, d, bias, weighted, precision, data):
    grid = data.draw(grids_for(d + bias))
    X, y, w = random_data(seed, n, d, labels=False, scale=2.0, weighted=weighted)
    best, _, _ = brute_force(X, y, as_list(grid, d + bias), linear_forward(bias), "squared", weights=w)
    sol = solve_linear_mitm(X, y, grid, weights=w, bias=bias, device="cpu", precision=precision, chunk_elems=64)
    assert sol.certified and sol.status == "exhaustive"
    assert sol.method == f"mitm:cpu-{precision}"
    assert close(sol.objective, best, 1e-9)
    assert close(solve_linear_bnb(X, y, grid, weights=w, bias=bias).objective, sol.objective, 1e-9)


def test_float32_scores_stay_within_delta():
    """|s32 - s64| <= Delta for every pair, on problems with large scores (the bound the re-check rests on)."""
    rng = np.random.default_rng(0)
    for trial in range(3):
        p = 8
        A = rng.standard_normal((40, p)) * 10.0**trial
        b = rng.standard_normal(40) * 30.0
        levels = [np.array([-1.5, -0.25, 0.0, 0.75, 2.0])] * p
        fac = score_factors(A, b, levels)
        err = float((fac.float32_scores().double() - fac.float64_scores()).abs().max())
        delta = fac.float32_delta()
        assert err <= delta
        assert err > delta / 1e4  # float32 really rounds here: the bound is exercised, not vacuous


def test_float32_recheck_with_exact_ties_and_near_ties():
    """Duplicated columns make exact ties; tiny perturbations make near-ties below float32 resolution.
    The float32 path with re-check must return the float64 optimum value."""
    rng = np.random.default_rng(3)
    base = rng.standard_normal((30, 4))
    X = np.hstack([base, base[:, :2] * (1 + 1e-9), base[:, 2:]])
    y = 5.0 * rng.standard_normal(30)
    levels = [np.array([-1.0, 0.0, 1.0])] * 8
    A, b = X / np.sqrt(30), y / np.sqrt(30)
    r64 = mitm_least_squares(A, b, levels, device="cpu", precision="float64")
    r32 = mitm_least_squares(A, b, levels, device="cpu", precision="float32", chunk_elems=500)
    assert r32["candidates"] > 1
    assert r32["value"] == pytest.approx(r64["value"], rel=1e-12)


def test_mitm_through_the_dispatcher_and_cuda_request():
    X, y, _ = random_data(1, 12, 4, labels=False)
    sol = solve_linear_exact(X, y, Grid.ternary(), method="mitm")
    assert sol.method.startswith("mitm:")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="device == 'cuda'"):
            solve_linear_mitm(X, y, Grid.ternary(), device="cuda")
