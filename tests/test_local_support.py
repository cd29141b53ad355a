"""Random toy problems for the local-solution tests (builders and hypothesis strategies; no tests here)."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import strategies as st

from qtheory.data import Dataset, teacher_population
from qtheory.grid import Grid
from qtheory.losses import Loss
from qtheory.models import Network
from qtheory.problem import Penalty, Problem, problem_from_config


def make_problem(
    seed: int,
    *,
    layers: tuple[int, ...],
    kind: str = "mlp",
    activation: str = "tanh",
    bias: bool = False,
    loss: str = "squared",
    n: int = 30,
    K: int = 2,
    step: float = 0.5,
    penalty: tuple[float, float] | None = None,
    B: float = 4.0,
) -> Problem:
    """A problem on Gaussian inputs with random targets of the right type for ``loss`` and ``layers[-1]``."""
    rng = np.random.default_rng(seed)
    net = Network(kind, tuple(layers), activation, bias)
    X = rng.standard_normal((n, layers[0]))
    C = layers[-1]
    if C > 1:
        y = rng.integers(0, C, n)
    elif loss == "squared":
        y = rng.standard_normal(n)
    else:
        y = rng.choice([-1.0, 1.0], n)
    grid = Grid.uniform(K, step)
    pen = Penalty(*penalty) if penalty else None
    return Problem(net, [grid] * len(net.layout), Loss(loss, 1.0 if loss == "zero_one" else B), Dataset(X, y), penalty=pen)


def random_codes(problem: Problem, rng: np.random.Generator) -> np.ndarray:
    idx = np.array([rng.integers(g.size) for g in problem.param_grids])
    return problem.codes_from_indices(idx).astype(np.int64)


@st.composite
def problems(draw, *, deep: bool = True, penalty: bool | None = None) -> Problem:
    """Random small problems (p <= 39): linear or MLP (1-2 hidden layers), 1 or 3 outputs, every loss and
    activation, with or without biases; ``penalty`` True/False forces an MCP penalty or none."""
    kind = draw(st.sampled_from(["linear", "mlp"]))
    d = draw(st.integers(1, 4))
    C = draw(st.sampled_from([1, 3]))
    if kind == "linear":
        layers: tuple[int, ...] = (d, C)
    else:
        hidden = draw(st.lists(st.integers(1, 3), min_size=1, max_size=2 if deep else 1))
        layers = (d, *hidden, C)
    bias = draw(st.booleans())
    pen = None
    if penalty is None or penalty:
        if penalty or draw(st.booleans()):
            pen = (draw(st.sampled_from([0.5, 1.0, 3.0])), draw(st.sampled_from([0.1, 0.3, 1.0])))
    return make_problem(
        draw(st.integers(0, 10**6)),
        layers=layers,
        kind=kind,
        activation=draw(st.sampled_from(["tanh", "relu", "sigmoid"])),
        bias=bias,
        loss=draw(st.sampled_from(["squared", "logistic", "hinge", "zero_one"])),
        n=draw(st.integers(5, 40)),
        K=draw(st.integers(1, 3)),
        step=draw(st.sampled_from([0.25, 0.5, 1.0])),
        penalty=pen,
        B=draw(st.sampled_from([1.0, 4.0])),
    )


def trial_problem(seed: int, *, n: int = 80, K: int = 4, step: float = 0.25) -> Problem:
    """docs/theory.md section 4's L2 trial: 2-2-1 tanh net, no biases, teacher population, squared loss."""
    cfg = {
        "name": f"trial_{seed}",
        "grid": {"K": K, "step": step},
        "model": {"kind": "mlp", "layers": [2, 2, 1], "activation": "tanh", "bias": False},
        "loss": {"kind": "squared", "B": 16.0},
        "data": {"kind": "teacher", "N": 300, "n": n, "noise": 0.1, "seed": seed},
    }
    return problem_from_config(cfg)


def with_penalty(problem: Problem, a: float, lam: float) -> Problem:
    return dataclasses.replace(problem, penalty=Penalty(a, lam))
