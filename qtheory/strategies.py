"""Hypothesis strategies for toy quantized-training problems, with every exact quantity attached.

Small strategies, each drawing one ingredient (the value a problem file holds for it):

* :func:`grid_tables` / :func:`grids` -- uniform grids Q = {m d : |m| <= K};
* :func:`network_tables` / :func:`networks` -- linear models and one-hidden-layer MLPs;
* :func:`loss_tables` -- bounded losses 0 <= l <= B;
* :func:`sample_sizes` -- n;
* :func:`teacher_tables` / :func:`populations` -- finite populations labelled by a quantized teacher (the
  teacher's codes are drawn by hypothesis, so they shrink towards zero);
* :func:`rademacher_tables` -- the analytic population R(p, beta*, sigma, B) of docs/theory.md section 5
  (+-1 inputs, teacher codes drawn by hypothesis, Gaussian noise sigma): its L is exact by E1 and
  L*_Q = L(beta*) by E2 (``qtheory.populations.enumerated``);
* :func:`penalty_tables` / :func:`penalties` -- MCP penalties with d <= a lam <= R.

Whole problems:

* :func:`problem_configs` / :func:`problems` -- a complete problem file (a dict that
  :func:`qtheory.problem.problem_from_config` reads and :func:`to_toml` writes) and its :class:`Problem`;
* :func:`case_specs` -- a problem file plus the knobs a claim needs (s, delta', nu, Q-CD starts), some of them
  relative to the problem (a = a_frac / U_Q, nu as a fraction of L2's limit), all cheap to draw and shrink;
* :func:`cases` -- a spec built by :func:`build_case` into a :class:`Case`: the problem, its exact quantities
  by enumeration of Q^p (``enumerate_exact`` with tables), U_Q, and every knob resolved to a number.

The space drawn from is a :class:`ProblemSpace`; its ``max_codes`` keeps |Q|^p small so that an example is
enumerated in well under a second.  Every population is a teacher population (finite, or the analytic
family with ``populations`` including ``"rademacher"``), so a drawn problem is exactly reproduced by its
problem file (teacher_seed, N, noise, teacher_codes or sigma, teacher_codes, and seed for the training sample).
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from hypothesis import strategies as st

from qtheory.data import Population, teacher_population
from qtheory.grid import Grid, as_grid
from qtheory.losses import LOSS_KINDS
from qtheory.models import ACTIVATIONS, Network
from qtheory.problem import Penalty, Problem, problem_from_config
from qtheory.validation import check_choice, check_positive_int, check_scalar

#: default limit on |Q|^p for a drawn problem (enumeration of Q^p per example)
DEFAULT_MAX_CODES = 5000
#: grid steps d drawn (i/20 for i = 1..20: decimal floats that round-trip through TOML)
STEPS = tuple(i / 20 for i in range(1, 21))
PENALTY_MODES = ("none", "free", "smooth")
NU_MODES = ("zero", "l2", "free", "f0")
START_KINDS = ("zero", "random")
#: "teacher": a finite teacher population; "rademacher": the analytic population R(p, beta*, sigma, B)
POPULATION_KINDS = ("teacher", "rademacher")
_SEED_MAX = 2**16 - 1


# ===================================================================================== ingredients
@functools.lru_cache(maxsize=None)
def grid_tables(*, min_K: int = 1, max_K: int = 4, steps: tuple[float, ...] = STEPS) -> st.SearchStrategy[dict]:
    """``[grid]`` tables {K, step} of the uniform grid Q = {m d : m integer, |m| <= K}, |Q| = 2K + 1."""
    min_K = check_positive_int(min_K, "min_K")
    max_K = check_positive_int(max_K, "max_K", min_val=min_K)
    return st.fixed_dictionaries({"K": st.integers(min_K, max_K), "step": st.sampled_from(steps)})


def grids(**kwargs: Any) -> st.SearchStrategy[Grid]:
    """Uniform grids (keyword arguments of :func:`grid_tables`)."""
    return grid_tables(**kwargs).map(as_grid)


def _n_params(table: dict) -> int:
    return Network(table["kind"], tuple(table["layers"]), table["activation"], table["bias"]).n_params


@functools.lru_cache(maxsize=None)
def network_tables(
    *,
    kinds: tuple[str, ...] = ("linear", "mlp"),
    max_inputs: int = 3,
    max_hidden: int = 3,
    activations: tuple[str, ...] = ACTIVATIONS,
    bias: tuple[bool, ...] = (False, True),
    max_params: int | None = None,
) -> st.SearchStrategy[dict]:
    """``[model]`` tables: a linear model [inputs, 1] or an MLP [inputs, hidden, 1], one output.

    ``max_params`` bounds p (weights and biases).  Shrinks towards a one-input linear model without bias.
    """
    for kind in kinds:
        check_choice(kind, "kinds", ("linear", "mlp"))
    for act in activations:
        check_choice(act, "activations", ACTIVATIONS)

    @st.composite
    def tables(draw: Any) -> dict:
        kind = draw(st.sampled_from(kinds))
        inputs = draw(st.integers(1, max_inputs))
        layers = [inputs, 1] if kind == "linear" else [inputs, draw(st.integers(1, max_hidden)), 1]
        return {
            "kind": kind,
            "layers": layers,
            "activation": draw(st.sampled_from(activations)),
            "bias": draw(st.sampled_from(bias)),
        }

    strategy = tables()
    if max_params is not None:
        strategy = strategy.filter(functools.partial(_fits, max_params))
    return strategy


def _fits(max_params: int, table: dict) -> bool:
    return _n_params(table) <= max_params


def networks(**kwargs: Any) -> st.SearchStrategy[Network]:
    """Networks (keyword arguments of :func:`network_tables`)."""
    return network_tables(**kwargs).map(
        lambda t: Network(t["kind"], tuple(t["layers"]), t["activation"], t["bias"])
    )


@functools.lru_cache(maxsize=None)
def loss_tables(kinds: tuple[str, ...] = LOSS_KINDS, Bs: tuple[float, ...] = (1.0, 2.0, 4.0)) -> st.SearchStrategy[dict]:
    """``[loss]`` tables for one-output models: squared, logistic, hinge (clipped at B) or zero_one (B = 1)."""
    for kind in kinds:
        check_choice(kind, "kinds", LOSS_KINDS)

    options = [st.just({"kind": "zero_one"}) if kind == "zero_one" else
               st.builds(dict, kind=st.just(kind), B=st.sampled_from(tuple(float(B) for B in Bs)))
               for kind in kinds]
    return st.one_of(options)


@functools.lru_cache(maxsize=None)
def sample_sizes(min_n: int = 1, max_n: int = 120) -> st.SearchStrategy[int]:
    """Training-sample sizes n in [min_n, max_n] (shrinking towards min_n)."""
    min_n = check_positive_int(min_n, "min_n")
    max_n = check_positive_int(max_n, "max_n", min_val=min_n)
    return st.integers(min_n, max_n)


@functools.lru_cache(maxsize=None)
def teacher_tables(
    p: int,
    K: int,
    loss_kind: str,
    *,
    n: tuple[int, int] = (2, 120),
    N: tuple[int, int] = (10, 150),
    noise: tuple[float, float] = (0.0, 0.5),
) -> st.SearchStrategy[dict]:
    """``[data]`` tables of a teacher population: N support points x ~ N(0, I) with uniform weights, labels
    from a teacher with hypothesis-drawn codes in [-K, K]^p plus noise (a noise standard deviation for the
    squared loss, a label-flip probability, capped at 0.5, otherwise), and a training sample of size n drawn
    i.i.d. from it with ``seed``."""
    hi_noise = noise[1] if loss_kind == "squared" else min(noise[1], 0.5)
    return st.fixed_dictionaries(
        {
            "kind": st.just("teacher"),
            "N": st.integers(*N),
            "n": sample_sizes(*n),
            "noise": st.floats(noise[0], hi_noise),
            "seed": st.integers(0, _SEED_MAX),
            "teacher_seed": st.integers(0, _SEED_MAX),
            "teacher_codes": st.lists(st.integers(-K, K), min_size=p, max_size=p),
        }
    )


@functools.lru_cache(maxsize=None)
def rademacher_tables(
    p: int, K: int, *, n: tuple[int, int] = (2, 120), sigma: tuple[float, float] = (0.0, 0.5)
) -> st.SearchStrategy[dict]:
    """``[data]`` tables of the analytic population R(p, beta*, sigma, B): x uniform on {-1, +1}^p,
    y = x.beta* + e with e ~ N(0, sigma^2), the teacher's codes m* drawn in [-K, K]^p by hypothesis (so they
    shrink towards zero), and a training sample of size n drawn i.i.d. with ``seed``."""
    return st.fixed_dictionaries(
        {
            "kind": st.just("rademacher"),
            "n": sample_sizes(*n),
            "sigma": st.floats(*sigma),
            "seed": st.integers(0, _SEED_MAX),
            "teacher_codes": st.lists(st.integers(-K, K), min_size=p, max_size=p),
        }
    )


def populations(
    network: Network, grid: Grid, loss_kind: str = "squared", **kwargs: Any
) -> st.SearchStrategy[Population]:
    """Finite teacher populations for ``network`` on ``grid`` (keyword arguments of :func:`teacher_tables`)."""
    grids_ = [grid] * network.n_params

    def build(t: dict) -> Population:
        pop, _ = teacher_population(
            network, grids_, N=t["N"], loss_kind=loss_kind, noise=t["noise"], seed=t["teacher_seed"],
            teacher_codes=np.asarray(t["teacher_codes"]),
        )
        return pop

    return teacher_tables(network.n_params, grid.K, loss_kind, **kwargs).map(build)


@functools.lru_cache(maxsize=None)
def penalty_tables(
    d: float, K: int, *, a: tuple[float, float] = (0.25, 8.0), ratio: tuple[float, float] | None = None
) -> st.SearchStrategy[dict]:
    """``[penalty]`` tables {a, lam}: a drawn in ``a``, and a lam = r d with r in ``ratio`` (default [1, K]),
    so that d <= a lam <= R = K d (theorem A's d <= a lam, L2's a lam <= R)."""
    lo, hi = ratio if ratio is not None else (1.0, float(K))
    return st.tuples(st.floats(*a), st.floats(lo, hi)).map(functools.partial(_penalty_table, d))


def _penalty_table(d: float, a_ratio: tuple[float, float]) -> dict:
    a, ratio = a_ratio
    return {"a": a, "lam": ratio * d / a}


def penalties(d: float, K: int, **kwargs: Any) -> st.SearchStrategy[Penalty]:
    """MCP penalties (keyword arguments of :func:`penalty_tables`)."""
    return penalty_tables(d, K, **kwargs).map(lambda t: Penalty(t["a"], t["lam"]))


# ===================================================================================== the space
@dataclass(frozen=True)
class ProblemSpace:
    """The toy problems (and claim knobs) a search draws from.

    Problem: ``models`` (linear, mlp), ``max_inputs``, ``max_hidden``, ``activations``, ``bias``, grid
    ``min_K``..``max_K`` with |Q|^p <= ``max_codes``, ``losses`` and their ``Bs``, population size ``N``,
    label ``noise`` and sample size ``n`` (ranges, inclusive).  ``populations``: the kinds drawn from,
    ``"teacher"`` (finite, default) and/or ``"rademacher"`` (the analytic population of docs/theory.md
    section 5: a linear model on 1..``max_inputs`` +-1 inputs without bias, the squared loss clipped at B in
    ``Bs``, Gaussian noise sigma in ``noise``; ``models``, ``activations``, ``bias``, ``losses`` and ``N`` do
    not apply to it).

    Penalty: ``penalty`` = ``"none"`` (F = L_n), ``"free"`` (a in ``a``, a lam = r d, r in ``ratio``) or
    ``"smooth"`` (a = f / U_Q with f in ``a_frac``, U_Q the exact grid-smoothness constant of the training
    sample; when U_Q <= 0 every a > 0 has a U_Q < 1 and a is drawn in ``a``).  ``ratio`` defaults to [1, K].

    Knobs: reference sparsity s in [1, p]; confidence delta' in ``delta``; tolerance ``nu``: ``"zero"``,
    ``"l2"`` (nu = f (1/a - U_Q) d^2/2, f in ``nu_frac``, 0 where the limit is not positive), ``"free"``
    (nu = f B) or ``"f0"`` (nu = f F(0), F at the zero codes); Q-CD starts: 1..``max_starts`` of ``starts``
    (``"zero"``, ``"random"`` = hypothesis-drawn codes), order cyclic or random (seeded).

    Probabilistic claims: every population drawn gets ``screen_resamples`` training samples, and after each
    example the most suspicious population (the smallest P(Binomial(t, delta') >= c) for c violations in t
    samples, if at most ``screen_level``) gets up to ``resamples`` more; every sample feeds the population's
    anytime-valid test (``qtheory.sequential``), so these only decide where samples go.
    """

    models: tuple[str, ...] = ("linear", "mlp")
    max_inputs: int = 3
    max_hidden: int = 3
    activations: tuple[str, ...] = ACTIVATIONS
    bias: tuple[bool, ...] = (False, True)
    min_K: int = 1
    max_K: int = 4
    max_codes: int = DEFAULT_MAX_CODES
    losses: tuple[str, ...] = LOSS_KINDS
    Bs: tuple[float, ...] = (1.0, 2.0, 4.0)
    N: tuple[int, int] = (10, 150)
    noise: tuple[float, float] = (0.0, 0.5)
    n: tuple[int, int] = (2, 120)
    penalty: str = "free"
    a: tuple[float, float] = (0.25, 8.0)
    a_frac: tuple[float, float] = (0.05, 0.95)
    ratio: tuple[float, float] | None = None
    delta: tuple[float, float] = (0.01, 0.3)
    nu: str = "zero"
    nu_frac: tuple[float, float] = (0.0, 0.99)
    starts: tuple[str, ...] = START_KINDS
    max_starts: int = 2
    screen_resamples: int = 20
    screen_level: float = 0.25
    resamples: int = 60
    populations: tuple[str, ...] = ("teacher",)

    def __post_init__(self) -> None:
        for name, choices in (("models", ("linear", "mlp")), ("activations", ACTIVATIONS), ("losses", LOSS_KINDS),
                              ("starts", START_KINDS), ("bias", (False, True)), ("Bs", None),
                              ("populations", POPULATION_KINDS)):
            self._as_tuple(name, choices)
        for name in ("N", "noise", "n", "a", "a_frac", "delta", "nu_frac") + (("ratio",) if self.ratio is not None else ()):
            self._as_tuple(name, None, length=2)
        check_choice(self.penalty, "penalty", PENALTY_MODES)
        check_choice(self.nu, "nu", NU_MODES)
        for s in self.starts:
            check_choice(s, "starts", START_KINDS)
        check_positive_int(self.max_codes, "max_codes", min_val=3)
        check_positive_int(self.resamples, "resamples")
        check_positive_int(self.screen_resamples, "screen_resamples")
        if not 0 < self.screen_level < 1:
            raise ValueError(f"screen_level == {self.screen_level!r}, must be in (0, 1)")
        check_positive_int(self.max_starts, "max_starts")
        if self.min_K > self.max_K:
            raise ValueError(f"min_K == {self.min_K}, must be <= max_K == {self.max_K}")
        for name in ("N", "noise", "n", "a", "a_frac", "delta", "nu_frac"):
            lo, hi = getattr(self, name)
            if lo > hi:
                raise ValueError(f"{name} == {(lo, hi)!r}, must be an interval (low, high) with low <= high")
        if not 0 < self.delta[0] <= self.delta[1] < 1:
            raise ValueError(f"delta == {self.delta!r}, must lie in (0, 1)")
        if self.max_codes < (2 * self.min_K + 1):
            raise ValueError(f"max_codes == {self.max_codes} leaves no grid with K >= {self.min_K}")

    def _as_tuple(self, name: str, choices: tuple | None, length: int | None = None) -> None:
        """Field ``name`` as a tuple (a list is accepted), each entry among ``choices`` (or a number)."""
        value = getattr(self, name)
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise TypeError(f"{name} must be a tuple or list, got {type(value).__name__} ({value!r})")
        value = tuple(value)
        if not value or (length is not None and len(value) != length):
            raise ValueError(f"{name} must list {length or 'at least 1'} entr{'ies' if length != 1 else 'y'}, got {value!r}")
        for i, v in enumerate(value):
            if choices is None:
                check_scalar(v, f"{name}[{i}]", (int, float))
            elif v not in choices or type(v) is not type(choices[0]):
                raise ValueError(f"{name}[{i}] == {v!r}, must be one of {', '.join(map(repr, choices))}")
        object.__setattr__(self, name, value)

    @property
    def max_params(self) -> int:
        """Largest p with (2 min_K + 1)^p <= max_codes."""
        return int(math.floor(math.log(self.max_codes) / math.log(2 * self.min_K + 1) + 1e-9))

    def strategy(self) -> st.SearchStrategy["CaseSpec"]:
        """:func:`case_specs` of this space."""
        return case_specs(self)

    def with_(self, **changes: Any) -> "ProblemSpace":
        """A copy with some fields changed."""
        return replace(self, **changes)


@dataclass(frozen=True)
class CaseSpec:
    """A drawn problem file (``config``, without ``[penalty]`` in ``"smooth"`` mode) and the knobs of the claim.

    knobs: ``s``, ``delta``, ``penalty_mode``, and per mode ``a_frac`` / ``ratio`` (smooth) ; ``nu_mode``,
    ``nu_frac``; ``starts`` (each "zero" or a list of codes), ``order``, ``qcd_seed``.
    """

    config: dict
    knobs: dict
    space: ProblemSpace = field(default_factory=ProblemSpace, compare=False)

    def with_seed(self, seed: int) -> "CaseSpec":
        """The same population and knobs with the training sample drawn from ``seed``."""
        config = copy.deepcopy(self.config)
        config["data"]["seed"] = int(seed)
        return CaseSpec(config, dict(self.knobs), self.space)


@st.composite
def problem_configs(draw: Any, space: ProblemSpace = ProblemSpace()) -> dict:
    """A complete problem file (dict) from ``space``; the penalty follows ``space.penalty`` (``"smooth"``
    leaves it out: it is set by :func:`build_case` once U_Q is known)."""
    kind = space.populations[0] if len(space.populations) == 1 else draw(st.sampled_from(space.populations))
    analytic = kind == "rademacher"  # a linear model on +-1 inputs without bias, the squared loss
    if analytic:
        p = draw(st.integers(1, min(space.max_inputs, space.max_params)))
        model = {"kind": "linear", "layers": [p, 1], "activation": ACTIVATIONS[0], "bias": False}
    else:
        model = draw(
            network_tables(
                kinds=space.models, max_inputs=space.max_inputs, max_hidden=space.max_hidden,
                activations=space.activations, bias=space.bias, max_params=space.max_params,
            )
        )
        p = _n_params(model)
    K_max = min(space.max_K, int((space.max_codes ** (1.0 / p) - 1) / 2 + 1e-9))
    grid = draw(grid_tables(min_K=space.min_K, max_K=max(space.min_K, K_max)))
    if analytic:
        loss = {"kind": "squared", "B": float(draw(st.sampled_from(space.Bs)))}
        data = draw(rademacher_tables(p, grid["K"], n=space.n, sigma=space.noise))
    else:
        loss = draw(loss_tables(space.losses, space.Bs))
        data = draw(teacher_tables(p, grid["K"], loss["kind"], n=space.n, N=space.N, noise=space.noise))
    config = {"name": "variant-case", "grid": grid, "model": model, "loss": loss, "data": data}
    if space.penalty == "free":
        config["penalty"] = draw(penalty_tables(grid["step"], grid["K"], a=space.a, ratio=space.ratio))
    return config


def problems(space: ProblemSpace = ProblemSpace()) -> st.SearchStrategy[Problem]:
    """Problems built from :func:`problem_configs` (``"smooth"`` penalties are not resolved here)."""
    return problem_configs(space).map(problem_from_config)


@st.composite
def case_specs(draw: Any, space: ProblemSpace = ProblemSpace()) -> CaseSpec:
    """A problem file and the claim's knobs (see :class:`CaseSpec`)."""
    config = draw(problem_configs(space))
    p = _n_params(config["model"])
    K = config["grid"]["K"]
    knobs: dict[str, Any] = {
        "s": draw(st.integers(1, p)),
        "delta": draw(st.floats(*space.delta)),
        "penalty_mode": space.penalty,
        "nu_mode": space.nu,
    }
    if space.penalty == "smooth":
        lo, hi = space.ratio if space.ratio is not None else (1.0, float(K))
        knobs["a_frac"] = draw(st.floats(*space.a_frac))
        knobs["a_free"] = draw(st.floats(*space.a))
        knobs["ratio"] = draw(st.floats(lo, hi))
    if space.nu != "zero":
        knobs["nu_frac"] = draw(st.floats(*space.nu_frac))
    knobs["starts"] = draw(_starts(space.starts, K, p, space.max_starts))
    knobs["order"] = draw(st.sampled_from(("cyclic", "random")))
    knobs["qcd_seed"] = draw(st.integers(0, _SEED_MAX))
    return CaseSpec(config, knobs, space)


@functools.lru_cache(maxsize=None)
def _starts(kinds: tuple[str, ...], K: int, p: int, max_starts: int) -> st.SearchStrategy[list]:
    """1..max_starts Q-CD starts: "zero", or codes drawn in [-K, K]^p ("random")."""
    options = [st.just("zero") if kind == "zero" else st.lists(st.integers(-K, K), min_size=p, max_size=p)
               for kind in kinds]
    return st.lists(st.one_of(options), min_size=1, max_size=max_starts)


# ===================================================================================== built cases
@dataclass
class Case:
    """A built problem with its exact quantities.

    ``config`` is the problem file as built (penalty resolved); ``exact`` the enumeration of Q^p with tables;
    ``U`` the exact U_Q of the training sample; ``params`` the resolved knobs: s, delta, nu, starts (code
    lists), order, qcd_seed.
    """

    spec: CaseSpec
    config: dict
    problem: Problem
    exact: Any
    U: float
    params: dict

    @property
    def d(self) -> float:
        return float(self.config["grid"]["step"])

    @property
    def K(self) -> int:
        return int(self.config["grid"]["K"])


def _enumerate(problem: Problem) -> Any:
    """Exact quantities over Q^p with tables; on the analytic population, L by E1 and L*_Q by E2."""
    from qtheory.populations.sign_problem import is_sign_problem
    from qtheory.solve.enumerate import enumerate_exact

    exact = enumerate_exact(problem, keep_tables=True, progress=False)
    if is_sign_problem(problem):
        from qtheory.populations.enumerated import with_population_risk

        exact = with_population_risk(exact)
    return exact


def _smoothness(problem: Problem, exact: Any) -> float:
    from qtheory.solve.certify import grid_smoothness

    return float(grid_smoothness(problem, quantities=exact).U)


class DegenerateCase(ValueError):
    """A drawn problem that tests nothing: U_Q is round-off (0 < |U_Q| below :func:`roundoff_U`), or the
    penalty's a or lam leaves [1e-8, 1e8]."""


#: a and lam must lie in [1 / PENALTY_RANGE, PENALTY_RANGE]
PENALTY_RANGE = 1e8


def roundoff_U(B: float, d: float) -> float:
    """The smallest |U_Q| told apart from round-off: second differences of L_n in [0, B], computed in
    floating point, carry errors of order 1e-15 B; divided by d^2, anything below 1e-10 B / d^2 is noise."""
    return 1e-10 * B / d**2


def _check_degenerate(config: dict, U: float, smooth: bool) -> None:
    d, B = float(config["grid"]["step"]), float(config["loss"].get("B", 1.0))
    if smooth and 0 < abs(U) < roundoff_U(B, d):
        raise DegenerateCase(f"U_Q == {U!r} is round-off (|U_Q| < {roundoff_U(B, d):.3g}): a = a_frac / U_Q tests nothing")
    pen = config.get("penalty")
    if pen is not None:
        for key in ("a", "lam"):
            if not 1 / PENALTY_RANGE <= pen[key] <= PENALTY_RANGE:
                raise DegenerateCase(f"penalty.{key} == {pen[key]!r} is outside [{1 / PENALTY_RANGE:g}, {PENALTY_RANGE:g}]")


def resolve_penalty(spec: CaseSpec, U: float) -> dict | None:
    """The ``[penalty]`` table of a spec: as drawn (``"free"``), none, or a = a_frac / U_Q (``"smooth"``)."""
    mode = spec.knobs["penalty_mode"]
    if mode != "smooth":
        return copy.deepcopy(spec.config.get("penalty"))
    a = spec.knobs["a_frac"] / U if U > 0 else spec.knobs["a_free"]
    d = float(spec.config["grid"]["step"])
    return {"a": float(a), "lam": float(spec.knobs["ratio"] * d / a)}


def resolve_nu(spec: CaseSpec, problem: Problem, U: float) -> float:
    """nu from the spec's mode (see :class:`ProblemSpace`; ``"fixed"`` takes the knob ``nu`` as it is); the
    L2 limit comes from ``qtheory.theory``."""
    mode, f = spec.knobs["nu_mode"], spec.knobs.get("nu_frac", 0.0)
    if mode == "fixed":
        return float(spec.knobs["nu"])
    if mode == "zero":
        return 0.0
    if mode == "free":
        return float(f * problem.loss.B)
    if mode == "f0":
        from qtheory.solve.certify import objective_F

        return float(f * objective_F(problem, np.zeros(problem.p, dtype=np.int64)))
    if problem.penalty is None:
        return 0.0
    from qtheory.theory import L2

    limit_rel = L2.hypotheses["nu < (1/a - U)*d^2/2"]
    d = float(spec.config["grid"]["step"])
    limit = float(L2.evaluate_expr(limit_rel.rhs, a=problem.penalty.a, U=U, d=d))
    return float(f * limit) if limit > 0 else 0.0


def build_case(spec: CaseSpec, *, like: Case | None = None) -> Case:
    """Build the problem of ``spec``, enumerate Q^p exactly (tables kept) and resolve every knob.

    With ``like`` (a case of the same population), the penalty and nu are taken from it rather than
    resolved again: a resampled training set changes U_Q, but the penalty and nu stay those of ``like``.
    Raises :class:`DegenerateCase` for a draw that tests nothing.
    """
    config = copy.deepcopy(spec.config)
    if like is not None:
        if like.config.get("penalty") is not None:
            config["penalty"] = copy.deepcopy(like.config["penalty"])
        problem = problem_from_config(config)
        exact = _enumerate(problem)
        U = _smoothness(problem, exact)
        nu = like.params["nu"]
    else:
        if spec.knobs["penalty_mode"] == "smooth":
            bare = problem_from_config(config)
            U = _smoothness(bare, _enumerate(bare))
            _check_degenerate(config, U, smooth=True)
            config["penalty"] = resolve_penalty(spec, U)
            _check_degenerate(config, U, smooth=False)
            problem = problem_from_config(config)
            exact = _enumerate(problem)
        else:
            _check_degenerate(config, 0.0, smooth=False)
            problem = problem_from_config(config)
            exact = _enumerate(problem)
            U = _smoothness(problem, exact)
        nu = resolve_nu(spec, problem, U)
    starts = [
        [0] * problem.p if s == "zero" else [int(c) for c in s] for s in spec.knobs["starts"]
    ]
    params = {
        "s": int(spec.knobs["s"]),
        "delta": float(spec.knobs["delta"]),
        "nu": float(nu),
        "starts": starts,
        "order": spec.knobs["order"],
        "qcd_seed": int(spec.knobs["qcd_seed"]),
    }
    return Case(spec, config, problem, exact, U, params)


def cases(space: ProblemSpace = ProblemSpace()) -> st.SearchStrategy[Case]:
    """Whole problems with every exact quantity attached (:func:`build_case` of :func:`case_specs`)."""
    return case_specs(space).map(build_case)


# ===================================================================================== TOML
def to_toml(config: dict) -> str:
    """A problem file (nested dict of strings, numbers, booleans and lists of them) as TOML text that
    :func:`qtheory.problem.load_problem` reads back to the same dict.  Floats are written with ``repr``, so
    they round-trip exactly."""
    lines: list[str] = []
    tables = [(k, v) for k, v in config.items() if isinstance(v, dict)]
    for key, value in config.items():
        if not isinstance(value, dict):
            lines.append(f"{key} = {_toml_value(value)}")
    for name, table in tables:
        lines.append("")
        lines.append(f"[{name}]")
        for key, value in table.items():
            if isinstance(value, dict):
                raise ValueError(f"to_toml: nested table {name}.{key} is not supported")
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        x = float(v)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"to_toml: cannot write a value of type {type(v).__name__} ({v!r})")


__all__ = [
    "DEFAULT_MAX_CODES", "POPULATION_KINDS", "Case", "CaseSpec", "DegenerateCase", "roundoff_U", "ProblemSpace", "build_case", "case_specs", "cases", "grid_tables",
    "grids", "loss_tables", "network_tables", "networks", "penalties", "penalty_tables", "populations",
    "problem_configs", "problems", "rademacher_tables", "resolve_nu", "resolve_penalty", "sample_sizes", "teacher_tables", "to_toml",
]
