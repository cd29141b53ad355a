import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qtheory.grid import Grid, as_grid


def test_uniform_grid_codes_and_values():
    g = Grid.uniform(3, 0.25)
    assert g.size == 7 and g.K == 3 and g.R == 0.75 and g.has_zero
    assert g.codes.tolist() == [-3, -2, -1, 0, 1, 2, 3]
    assert np.allclose(g.values([-3, 0, 2]), [-0.75, 0.0, 0.5])
    assert g.log_size == pytest.approx(np.log(7))


def test_bits_ternary_binary_and_custom():
    assert Grid.bits(4, 0.1).size == 15  # 2^4 - 1 levels, narrow range
    assert Grid.ternary(0.5).levels.tolist() == [-0.5, 0.0, 0.5]
    b = Grid.binary(2.0)
    assert b.codes.tolist() == [-1, 1] and not b.has_zero and b.levels.tolist() == [-2.0, 2.0]
    c = Grid.from_levels([-0.5, 0.1, 0.7])
    assert c.codes.tolist() == [-1, 1, 2]  # signed rank from zero, 0 absent
    assert c.neighbours(1) == [-1, 2]


@given(st.integers(1, 20), st.floats(1e-3, 10), st.data())
def test_round_trip_codes_values(K, step, data):
    g = Grid.uniform(K, step)
    codes = np.array(data.draw(st.lists(st.integers(-K, K), min_size=1, max_size=20)))
    assert np.array_equal(g.codes_of_values(g.values(codes)), codes)
    assert np.array_equal(g.round(g.values(codes)), codes)


@given(st.lists(st.floats(-100, 100, allow_nan=False), min_size=2, max_size=12, unique=True), st.data())
def test_custom_levels_round_trip(levels, data):
    levels = sorted(levels)
    if np.min(np.diff(levels)) < 1e-6:
        return
    g = Grid.from_levels(levels)
    codes = np.array(data.draw(st.lists(st.sampled_from(g.codes.tolist()), min_size=1, max_size=10)))
    assert np.array_equal(g.round(g.values(codes)), codes)
    # non-zero code <=> non-zero value
    assert np.array_equal(codes != 0, g.values(codes) != 0)


def test_rounding_ties_go_to_even_code():
    g = Grid.uniform(3, 1.0)
    assert g.round([0.5, 1.5, 2.5, -0.5, -1.5]).tolist() == [0, 2, 2, 0, -2]
    assert g.round([10.0, -10.0]).tolist() == [3, -3]  # clipped to the range
    assert g.round([0.49, 0.51]).tolist() == [0, 1]


def test_stochastic_rounding_is_unbiased():
    g = Grid.uniform(2, 1.0)
    x = np.full(20000, 0.3)
    vals = g.values(g.round(x, mode="stochastic", rng=0))
    # mean of Bernoulli(0.3): standard error 0.0032, so 5 sigma is 0.016
    assert abs(vals.mean() - 0.3) < 0.016
    assert set(np.unique(vals)) <= {0.0, 1.0}


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: Grid.uniform(0, 1.0), r"K == 0, must be in \[1, 1048576\]"),
        (lambda: Grid.uniform(2, -1.0), r"step == -1.0"),
        (lambda: Grid.uniform(2.5, 1.0), r"K must be a number of type int"),
        (lambda: Grid.bits(1), r"bits == 1"),
        (lambda: Grid.bits(17), r"bits == 17, must be in \[2, 16\]"),
        (lambda: Grid.from_levels([0.0, 1.0, 0.5]), r"levels must be strictly increasing"),
        (lambda: Grid.from_levels([1.0, 1.0]), r"strictly increasing"),
        (lambda: Grid.from_levels([1.0]), r"at least 2"),
        (lambda: Grid.uniform(2, 1.0).values([3]), r"codes contains 3, not a code of this grid"),
        (lambda: Grid.binary().values([0]), r"codes contains 0"),
        (lambda: Grid.uniform(2, 1.0).codes_of_values([0.3]), r"0.3, which is not a level"),
        (lambda: Grid.uniform(2, 1.0).round([0.3], mode="up"), r"mode == 'up', must be one of"),
        (lambda: as_grid({"K": 2}), r"missing key grid.step"),
        (lambda: as_grid({"K": 2, "step": 1.0, "bitz": 3}), r"unknown key grid.bitz"),
        (lambda: as_grid({}), r"missing key in \[grid\]"),
    ],
)
def test_bad_grid_input_names_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_numpy_integers_are_accepted():
    g = Grid.uniform(np.int64(2), np.float64(0.5))
    assert g.size == 5
    assert as_grid({"bits": 3, "step": 0.5}).size == 7
    assert as_grid({"levels": [-1.0, 0.0, 2.0]}).codes.tolist() == [-1, 0, 1]
