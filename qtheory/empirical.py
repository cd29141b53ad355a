"""Empirical checks of L1, A0 and A on toy problems with a finite population (docs/theory.md section 4).

For one training sample Z_1..Z_n drawn i.i.d. from a finite population P (so L is exact), and the full
tables of L_n, L and F = L_n + P over Q^p (``enumerate_exact(problem, keep_tables=True)``):

* **L1's event.**  dev(k) = max{|L_n(beta) - L(beta)| : beta in Q^p, ||beta||_0 = k} for k = 0..p, and the
  event  E_L1 = {dev(k) <= D(k) for every k},  D(k) = ``qtheory.theory.deviation_radius``.  A0's proof uses
  the dense event  E_dense = {max_k dev(k) <= D_dense}  instead (``qtheory.theory.dense_radius``): D(p) >
  D_dense, so E_L1 alone does not imply A0.  Both events fail with probability at most delta'.
* **A0** at points beta~ of {L_n <= min L_n + Gamma}: the exact global minimizers of L_n and points drawn
  uniformly from that set for each level Gamma; the bound is evaluated at the point's own gap
  Gamma = L_n(beta~) - min L_n.
* **A** at points beta^ of {F <= min F + Gamma}: the exact global minimizers of F and uniformly drawn points;
  the bound is evaluated, for each s, at beta*_eps = argmin{L : ||beta||_0 <= s} (docs/theory.md's choice on toy
  problems; among tied minimizers the one with the largest F), eps = L(beta*_eps) - L*_Q and the smallest
  valid Gamma = max(0, F(beta^) - F(beta*_eps)); the smallest value over the candidate s is kept (valid:
  A's proof uses only E_L1, which covers every s at once).  A needs d <= a lam, with d the smallest
  non-zero |level| (the step of a uniform grid), since the proof uses P(beta^) >= P_lam(d) ||beta^||_0.
* realized excess risk L(beta) - L*_Q, the bound's value, and tightness = bound / realized excess.

Every bound comes from ``qtheory.theory`` (``RESULTS["A0"]``, ``RESULTS["A"]``, ``deviation_radius``,
``dense_radius``).  Values that enter a bound or a verdict are re-evaluated by the reference evaluation
(``Problem.objective``): the tables only select points.

:func:`iter_resample` / :func:`resample_l1` draw R independent training samples of one fixed population
(sample r from ``numpy.random.default_rng([seed, r])``) and return one :class:`SampleCheck` each;
:func:`frequency_test` is the one-sided exact binomial test of "an event fails with frequency <= delta'".
"""

from __future__ import annotations

import copy
import dataclasses
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from qtheory.data import Dataset
from qtheory.problem import Problem, load_problem, problem_from_config
from qtheory.solve.enumerate import DEFAULT_MAX_SECONDS, ExactQuantities, enumerate_exact
from qtheory.validation import (
    check_choice,
    check_positive_int,
    check_positive_real,
    check_probability,
    check_scalar,
)

#: default false-alarm rate of :func:`frequency_test`
DEFAULT_ALPHA = 0.01
#: default Gamma levels for drawn points, as fractions of the loss bound B
DEFAULT_GAMMA_FRACTIONS = (0.05, 0.25)
#: table cells within this margin (times max(1, B)) of a minimum are taken as minimizers; it covers the
#: enumeration's round-off (at most about 1e-9 B), and each point's Gamma is then measured exactly
MINIMIZER_MARGIN = 1e-9
#: a realized excess at most this (times max(1, B)) is round-off of a population minimizer (two sums of the
#: same weights in another order), counted as zero excess by ``tightness``
EXCESS_ROUNDOFF = 1e-12

ProblemSource = Problem | Mapping[str, Any] | str | Path | Callable[[], Problem]

#: Toy problems (problem-file dicts) small enough to enumerate per training sample in milliseconds.
#: ``linear01``: a linear classifier, 6 inputs and a bias on the ternary grid {-1, 0, 1} (p = 7, 3^7 = 2187
#: code vectors), 0-1 loss (B = 1, the loss whose deviations are largest relative to B), a dense teacher
#: with 15% label noise, N = 300 support points, n = 60, MCP a = 10, lam = 0.1 (a lam = d = 1: A's
#: hypothesis at equality).  ``tanh_squared``: a 2-2-1 tanh network without biases on {-1, -0.5, 0, 0.5, 1}
#: (p = 6, 5^6 = 15625 code vectors), squared loss clipped at B = 1, teacher with noise 0.3, N = 300, n = 60,
#: MCP a = 4, lam = 0.15 (a lam = 0.6 >= d = 0.5).
TOY_PROBLEMS: dict[str, dict[str, Any]] = {
    "linear01": {
        "name": "linear01",
        "grid": {"K": 1, "step": 1.0},
        "model": {"kind": "linear", "layers": [6, 1], "bias": True},
        "loss": {"kind": "zero_one"},
        "data": {"kind": "teacher", "N": 300, "n": 60, "noise": 0.15, "density": 1.0, "seed": 0},
        "penalty": {"a": 10.0, "lam": 0.1},
    },
    "tanh_squared": {
        "name": "tanh_squared",
        "grid": {"K": 2, "step": 0.5},
        "model": {"kind": "mlp", "layers": [2, 2, 1], "activation": "tanh", "bias": False},
        "loss": {"kind": "squared", "B": 1.0},
        "data": {"kind": "teacher", "N": 300, "n": 60, "noise": 0.3, "seed": 1},
        "penalty": {"a": 4.0, "lam": 0.15},
    },
}


def toy_config(name: str, **data: Any) -> dict[str, Any]:
    """A copy of ``TOY_PROBLEMS[name]`` with the ``data`` keys given here replaced (e.g. ``n=20``)."""
    cfg = copy.deepcopy(TOY_PROBLEMS[check_choice(name, "name", tuple(TOY_PROBLEMS))])
    cfg["data"].update(data)
    return cfg


# ===================================================================================== tables
def nonzero_counts(problem: Problem) -> np.ndarray:
    """||beta||_0 of every code vector, in the tables' canonical shape (the radices, parameter order).

    Axis j indexes the levels of parameter j's grid in increasing order; a cell is non-zero on axis j unless
    its index is the grid's zero index.
    """
    shape = tuple(int(r) for r in problem.radices)
    counts = np.zeros(shape, dtype=np.int16)
    for j, grid in enumerate(problem.param_grids):
        zero = grid.zero_index if grid.zero_index is not None else -1
        view = [1] * len(shape)
        view[j] = shape[j]
        counts += (np.arange(grid.size) != zero).reshape(view).astype(np.int16)
    return counts


def _codes_of_cells(problem: Problem, flat: np.ndarray) -> np.ndarray:
    """Integer codes (m, p) of flat indices into the canonical tables."""
    shape = tuple(int(r) for r in problem.radices)
    index = np.stack(np.unravel_index(np.asarray(flat, dtype=np.int64), shape), axis=-1)
    return problem.codes_from_indices(index).astype(np.int64)


def _tables(exact: ExactQuantities, *names: str) -> list[np.ndarray]:
    missing = [nm for nm in names if nm not in exact.tables]
    if missing:
        raise ValueError(
            f"the exact quantities lack the table(s) {', '.join(missing)}: enumerate with keep_tables=True"
            + (" and a finite population" if "population" in missing else "")
            + (" and a [penalty]" if "penalized" in missing else "")
        )
    return [exact.tables[nm] for nm in names]


def max_deviation_by_sparsity(
    exact: ExactQuantities, counts: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """dev(k) = max{|L_n(beta) - L(beta)| : ||beta||_0 = k}, k = 0..p, and a maximizer's codes (p+1, p).

    The maximizer is located on the tables and its deviation re-evaluated by the reference evaluation.
    Levels k that no code vector has get dev(k) = -inf and codes of -1.
    """
    pb = exact.problem
    emp, pop = _tables(exact, "empirical", "population")
    counts = nonzero_counts(pb) if counts is None else counts
    dev = np.abs(emp - pop).ravel()
    k = counts.ravel()
    out = np.full(pb.p + 1, -np.inf)
    where = np.full((pb.p + 1, pb.p), -1, dtype=np.int64)
    order = np.argsort(k, kind="stable")
    edges = np.searchsorted(k[order], np.arange(pb.p + 2))
    arg = [int(order[lo + np.argmax(dev[order[lo:hi]])]) for lo, hi in zip(edges[:-1], edges[1:]) if hi > lo]
    present = [kk for kk, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])) if hi > lo]
    if arg:
        codes = _codes_of_cells(pb, np.array(arg))
        ref = np.abs(np.asarray(pb.empirical_risk(codes)) - np.asarray(pb.population_risk(codes)))
        out[present] = ref
        where[present] = codes
    return out, where


# ===================================================================================== radii
def _numbers(problem: Problem, delta: float) -> dict[str, Any]:
    return {"B": float(problem.loss.B), "n": int(problem.n), "p": int(problem.p), "Qsize": int(problem.Qsize),
            "delta": float(delta)}


def l1_radii(problem: Problem, delta: float) -> np.ndarray:
    """D(k) for k = 0..p (``qtheory.theory.deviation_radius``)."""
    from qtheory.theory import deviation_radius

    delta = check_probability(delta, "delta")
    return np.asarray(deviation_radius(np.arange(problem.p + 1), **_numbers(problem, delta)), dtype=float)


def single_point_radius(*, B: float, n: int, delta: float) -> float:
    """B sqrt(ln(2/delta')/(2n)): Hoeffding's radius for ONE fixed beta, i.e. D_dense with its complexity
    term p ln|Q| removed (``qtheory.theory.DENSE_RADIUS`` at p = 0).

    Not a uniform radius over Q^p: used as a uniform radius it is the planted false L1 of the negative
    control ("no complexity term"), which fails far more often than delta' at small n.
    """
    from qtheory.theory import DENSE_RADIUS
    from qtheory.theory.numeric import call
    from qtheory.theory.symbols import p as p_symbol

    values = {"B": check_positive_real(B, "B"), "n": check_positive_int(n, "n"), "delta": check_probability(delta)}
    return float(call(DENSE_RADIUS.subs(p_symbol, 0), {k: np.asarray(v) for k, v in values.items()}))


def min_nonzero_level(problem: Problem) -> float:
    """d = the smallest non-zero |level| over every parameter's grid (the step of a uniform grid)."""
    levels = np.concatenate([np.abs(g.levels) for g in problem.param_grids])
    return float(levels[levels > 0].min())


def _require_zero(problem: Problem) -> None:
    lacking = [j for j, g in enumerate(problem.param_grids) if not g.has_zero]
    if lacking:
        raise ValueError(
            f"parameter {lacking[0]}'s grid has no zero level: L1 and A need 0 in Q (||beta||_0 counts codes != 0)"
        )


# ===================================================================================== records
@dataclass(frozen=True)
class PointCheck:
    """One bound at one point of one sample.

    ``bound`` is ``"A0"`` or ``"A"``; ``origin`` ``"global"`` (an exact global minimizer of L_n for A0, of F
    for A) or ``"random"`` (drawn uniformly from the level set at ``level``); ``gamma`` is the Gamma the
    bound was evaluated at; ``s`` and ``eps`` are A's reference (None for A0); ``value`` the bound.
    """

    bound: str
    origin: str
    level: float
    codes: tuple[int, ...]
    nonzeros: int
    Ln: float
    L: float
    F: float | None
    gamma: float
    s: int | None
    eps: float | None
    excess: float
    value: float
    B: float = 1.0

    @property
    def positive_excess(self) -> bool:
        """Whether the realized excess is above round-off (:data:`EXCESS_ROUNDOFF`)."""
        return bool(self.excess > EXCESS_ROUNDOFF * max(1.0, self.B))

    @property
    def holds(self) -> bool:
        """L(beta) - L*_Q <= bound."""
        return bool(self.excess <= self.value)

    @property
    def slack(self) -> float:
        return float(self.value - self.excess)

    @property
    def tightness(self) -> float:
        """bound / realized excess (inf when the excess is 0 up to round-off: a population minimizer)."""
        return float(self.value / self.excess) if self.positive_excess else math.inf

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["codes"] = list(self.codes)
        out.update(holds=self.holds, tightness=self.tightness if self.positive_excess else None)
        return out


@dataclass
class SampleCheck:
    """L1's event, the dense event and the A0 / A checks on one training sample (module docstring)."""

    index: int
    seed: tuple[int, ...] | None
    n: int
    p: int
    Qsize: int
    B: float
    delta: float
    dev_by_k: np.ndarray
    radius_by_k: np.ndarray
    dense_radius: float
    L_star: float
    max_excess: float
    Ln_min: float
    F_min: float | None
    A_hypotheses: dict[str, bool] | None
    points: list[PointCheck] = field(default_factory=list)
    train_index: np.ndarray | None = None

    def event_holds(self, radius: float | np.ndarray) -> bool:
        """Whether dev(k) <= radius(k) for every k (a scalar radius: the same for every k)."""
        radius = np.broadcast_to(np.asarray(radius, dtype=float), self.dev_by_k.shape)
        return bool(np.all(self.dev_by_k <= radius))

    @property
    def l1_holds(self) -> bool:
        """E_L1: dev(k) <= D(k) for every k."""
        return self.event_holds(self.radius_by_k)

    @property
    def dense_holds(self) -> bool:
        """E_dense: max_k dev(k) <= D_dense (the event A0's proof uses)."""
        return self.event_holds(self.dense_radius)

    @property
    def l1_ratio(self) -> float:
        """max_k dev(k) / D(k): at most 1 exactly when L1's event holds."""
        ok = np.isfinite(self.dev_by_k)
        return float(np.max(self.dev_by_k[ok] / self.radius_by_k[ok]))

    def of(self, bound: str) -> list[PointCheck]:
        return [pt for pt in self.points if pt.bound == bound]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record (-inf deviations, for sparsity levels no code vector has, become None)."""
        return {
            "index": self.index, "seed": list(self.seed) if self.seed is not None else None, "n": self.n,
            "p": self.p, "Qsize": self.Qsize, "B": self.B, "delta": self.delta,
            "dev_by_k": [float(x) if np.isfinite(x) else None for x in self.dev_by_k],
            "radius_by_k": self.radius_by_k.tolist(), "dense_radius": self.dense_radius,
            "l1_holds": self.l1_holds, "dense_holds": self.dense_holds, "l1_ratio": self.l1_ratio,
            "L_star": self.L_star, "max_excess": self.max_excess, "Ln_min": self.Ln_min, "F_min": self.F_min,
            "A_hypotheses": self.A_hypotheses,
            "points": [pt.to_dict() for pt in self.points],
            "train_index": self.train_index.tolist() if self.train_index is not None else None,
        }


# ===================================================================================== one sample
def _level_set_points(
    table: np.ndarray, levels: Sequence[float], n_points: int, max_minimizers: int, margin: float,
    rng: np.random.Generator,
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(origin per point, level per point, flat cells): the minimizers (cells within ``margin`` of the
    minimum; at most ``max_minimizers``, drawn uniformly if more) with level 0, then for each level up to
    ``n_points`` cells drawn uniformly without replacement from {table <= min + level}."""
    flat = table.ravel()
    low = float(flat.min())
    mins = np.flatnonzero(flat <= low + margin)
    if mins.size > max_minimizers:
        mins = rng.choice(mins, size=max_minimizers, replace=False)
    origins, lev, cells = ["global"] * mins.size, [np.zeros(mins.size)], [mins]
    for level in levels:
        pool = np.flatnonzero(flat <= low + level)
        pick = rng.choice(pool, size=min(n_points, pool.size), replace=False)
        origins += ["random"] * pick.size
        lev.append(np.full(pick.size, float(level)))
        cells.append(pick)
    return origins, np.concatenate(lev), np.concatenate(cells).astype(np.int64)


def _reference(problem: Problem, codes: np.ndarray, penalized: bool) -> dict[str, np.ndarray]:
    out = {
        "Ln": np.atleast_1d(np.asarray(problem.empirical_risk(codes), dtype=float)),
        "L": np.atleast_1d(np.asarray(problem.population_risk(codes), dtype=float)),
        "nnz": np.atleast_1d(np.asarray(problem.nonzeros(codes))),
    }
    if penalized:
        out["F"] = out["Ln"] + np.atleast_1d(np.asarray(problem.penalty_value(codes), dtype=float))
    return out


def _s_values(s: int | Sequence[int] | None, p: int) -> np.ndarray:
    if s is None:
        return np.arange(1, p + 1)
    vals = [s] if isinstance(s, numbers.Integral) else list(s)
    if not vals:
        raise ValueError("s must be an integer in [1, p] or a non-empty list of them")
    return np.array([check_scalar(v, "s", numbers.Integral, min_val=1, max_val=p) for v in vals], dtype=np.int64)


def check_sample(
    exact: ExactQuantities,
    *,
    delta: float,
    gammas: Sequence[float] | None = None,
    n_points: int = 10,
    s: int | Sequence[int] | None = None,
    max_minimizers: int = 32,
    seed: int | Sequence[int] | np.random.Generator | None = None,
    index: int = 0,
    sample_seed: tuple[int, ...] | None = None,
    train_index: np.ndarray | None = None,
) -> SampleCheck:
    """L1's event, the dense event, A0 and (with a penalty) A on the training sample of ``exact.problem``.

    ``exact`` must hold the tables ``empirical``, ``population`` (and ``penalized`` for A), as from
    ``enumerate_exact(problem, keep_tables=True)``.  ``gammas``: the Gamma levels of the drawn points
    (default 0.05 B and 0.25 B); ``n_points`` drawn per level and bound; ``s``: A's candidate sparsity levels
    (default 1..p; the smallest bound is kept); ``seed`` drives the draws.  A is skipped (no A points) when
    its hypothesis d <= a lam fails; ``A_hypotheses`` records it.
    """
    from qtheory.theory import RESULTS, dense_radius

    pb = exact.problem
    delta = check_probability(delta, "delta")
    n_points = check_positive_int(n_points, "n_points", min_val=0)
    max_minimizers = check_positive_int(max_minimizers, "max_minimizers")
    if pb.population is None or exact.L_star is None:
        raise ValueError(f"problem {pb.name!r} has no finite population: L1, A0 and A need the exact L")
    _require_zero(pb)
    B = float(pb.loss.B)
    levels = [B * f for f in DEFAULT_GAMMA_FRACTIONS] if gammas is None else [
        check_positive_real(g, "gammas[]", allow_zero=True) for g in gammas
    ]
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    margin = MINIMIZER_MARGIN * max(1.0, B)
    num = _numbers(pb, delta)
    counts = nonzero_counts(pb)
    dev, _ = max_deviation_by_sparsity(exact, counts)
    rec = SampleCheck(
        index=int(index), seed=tuple(int(x) for x in sample_seed) if sample_seed is not None else None,
        n=num["n"], p=num["p"], Qsize=num["Qsize"], B=B, delta=delta, dev_by_k=dev,
        radius_by_k=l1_radii(pb, delta), dense_radius=float(dense_radius(**num)), L_star=float(exact.L_star),
        max_excess=float(exact.tables["population"].max() - exact.L_star),
        Ln_min=float(exact.Ln_min), F_min=None if exact.F_min is None else float(exact.F_min), A_hypotheses=None,
        train_index=None if train_index is None else np.asarray(train_index, dtype=np.int64),
    )
    penalized = pb.penalty is not None

    # ---- A0 on level sets of L_n
    (emp,) = _tables(exact, "empirical")
    origins, lev, cells = _level_set_points(emp, levels, n_points, max_minimizers, margin, rng)
    codes = _codes_of_cells(pb, cells)
    ref = _reference(pb, codes, penalized)
    gamma = np.maximum(0.0, ref["Ln"] - rec.Ln_min)
    value = np.atleast_1d(RESULTS["A0"].evaluate(Gamma=gamma, **num))
    rec.points += _points("A0", origins, lev, codes, ref, gamma, value, rec.L_star, B)

    # ---- A on level sets of F
    if penalized:
        pen = {"a": float(pb.penalty.a), "lam": float(pb.penalty.lam), "d": min_nonzero_level(pb)}
        rec.A_hypotheses = RESULTS["A"].check(s=1, p=num["p"], **pen)
        if rec.A_hypotheses["d <= a*lam"]:
            svals = _s_values(s, pb.p)
            (Ftab,) = _tables(exact, "penalized")
            origins, lev, cells = _level_set_points(Ftab, levels, n_points, max_minimizers, margin, rng)
            m = cells.size
            # the points, then beta*_eps for every candidate s, in one reference evaluation
            refs = _codes_of_cells(pb, _sparse_references(exact, svals, counts, margin))
            both = _reference(pb, np.concatenate([_codes_of_cells(pb, cells), refs]), True)
            ref = {key: v[:m] for key, v in both.items()}
            eps = np.maximum(0.0, both["L"][m:] - rec.L_star)
            gam = np.maximum(0.0, ref["F"][None, :] - both["F"][m:, None])  # (S, m)
            vals = np.asarray(
                RESULTS["A"].evaluate(s=svals[:, None], eps=eps[:, None], Gamma=gam, **num, **pen), dtype=float
            ).reshape(gam.shape)
            best = np.argmin(vals, axis=0)
            cols = np.arange(m)
            rec.points += _points(
                "A", origins, lev, _codes_of_cells(pb, cells), ref, gam[best, cols], vals[best, cols], rec.L_star,
                B, s=svals[best], eps=eps[best],
            )
    return rec


def _sparse_references(exact: ExactQuantities, svals: np.ndarray, counts: np.ndarray, margin: float) -> np.ndarray:
    """Flat cells of beta*_eps = argmin{L : ||beta||_0 <= s} for each s; among minimizers tied within
    ``margin`` (a network with a zero output weight ignores that unit's input weights) the one with the
    largest F, which gives every point the smallest Gamma = max(0, F(beta^) - F(beta*_eps))."""
    pop, Ftab = (t.ravel() for t in _tables(exact, "population", "penalized"))
    k = counts.ravel()
    out = []
    for s in svals:
        allowed = np.flatnonzero(k <= s)
        low = pop[allowed].min()
        ties = allowed[pop[allowed] <= low + margin]
        out.append(int(ties[np.argmax(Ftab[ties])]))
    return np.array(out, dtype=np.int64)


def _points(
    bound: str, origins: list[str], levels: np.ndarray, codes: np.ndarray, ref: dict[str, np.ndarray],
    gamma: np.ndarray,
    value: np.ndarray, L_star: float, B: float, s: np.ndarray | None = None, eps: np.ndarray | None = None,
) -> list[PointCheck]:
    out = []
    for i in range(codes.shape[0]):
        out.append(PointCheck(
            bound=bound, origin=origins[i], level=float(levels[i]), codes=tuple(int(c) for c in codes[i]),
            nonzeros=int(ref["nnz"][i]), Ln=float(ref["Ln"][i]), L=float(ref["L"][i]),
            F=float(ref["F"][i]) if "F" in ref else None, gamma=float(gamma[i]),
            s=None if s is None else int(s[i]), eps=None if eps is None else float(eps[i]),
            excess=float(ref["L"][i] - L_star), value=float(value[i]), B=B,
        ))
    return out


# ===================================================================================== resampling
def as_problem(source: ProblemSource) -> Problem:
    """A :class:`Problem` from a Problem, a problem-file dict, a TOML path, or a zero-argument factory."""
    if isinstance(source, Problem):
        return source
    if isinstance(source, Mapping):
        return problem_from_config(dict(source))
    if isinstance(source, (str, Path)):
        return load_problem(source)
    if callable(source):
        pb = source()
        if not isinstance(pb, Problem):
            raise TypeError(f"the problem factory must return a Problem, got {type(pb).__name__}")
        return pb
    raise TypeError(
        f"problem must be a Problem, a problem-file dict, a path or a factory, got {type(source).__name__}"
    )


def with_training_sample(
    base: ExactQuantities, train: Dataset, *, max_seconds: float = DEFAULT_MAX_SECONDS
) -> ExactQuantities:
    """The exact quantities of ``base.problem`` with its training sample replaced by ``train``.

    Enumerates only L_n (and F) for the new sample; L, L*_Q, the per-sparsity minima of L and the population
    table are those of ``base`` (the population does not change).
    """
    (pop_table,) = _tables(base, "population")
    pb = dataclasses.replace(base.problem, train=train)
    fresh = enumerate_exact(
        dataclasses.replace(pb, population=None), keep_tables=True, max_seconds=max_seconds, progress=False
    )
    return dataclasses.replace(
        fresh, problem=pb, L_star=base.L_star, L_argmin=base.L_argmin, min_L_by_k=base.min_L_by_k,
        argmin_L_by_k=base.argmin_L_by_k, tables={**fresh.tables, "population": pop_table},
    )


def iter_resample(
    problem: ProblemSource,
    R: int,
    seed: int,
    delta: float,
    *,
    n: int | None = None,
    progress: bool = False,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    **check: Any,
) -> Iterator[SampleCheck]:
    """Yield :func:`check_sample` for R independent training samples of the problem's fixed population.

    The population (and so L, L*_Q, beta*_eps) is enumerated once; sample r = 0..R-1 is n i.i.d. draws
    from it with ``numpy.random.default_rng([seed, r])`` (n defaults to the problem's), and its points are
    drawn with ``default_rng([seed, r, 1])``.  The problem's own training sample is not one of the R.
    ``check`` is passed to :func:`check_sample` (gammas, n_points, s, max_minimizers).  Records come one by
    one, so a caller can store each as it arrives.
    """
    R = check_positive_int(R, "R")
    seed = check_positive_int(seed, "seed", min_val=0)
    delta = check_probability(delta, "delta")
    pb = as_problem(problem)
    if pb.population is None:
        raise ValueError(f"problem {pb.name!r} has no finite population to resample from (data.n with a population)")
    _require_zero(pb)
    n = pb.n if n is None else check_positive_int(n, "n")
    base = enumerate_exact(pb, keep_tables=True, max_seconds=max_seconds, progress=False)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=R, desc=f"samples of {pb.name}", unit="sample")
    try:
        for r in range(R):
            X, y, idx = pb.population.sample_with_indices(n, np.random.default_rng([seed, r]))
            exact = with_training_sample(base, Dataset(X, y), max_seconds=max_seconds)
            yield check_sample(
                exact, delta=delta, seed=np.random.default_rng([seed, r, 1]), index=r, sample_seed=(seed, r),
                train_index=idx, **check,
            )
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()


def resample_l1(problem: ProblemSource, R: int, seed: int, delta: float, **kwargs: Any) -> list[SampleCheck]:
    """The records of :func:`iter_resample` as a list (same arguments)."""
    return list(iter_resample(problem, R, seed, delta, **kwargs))


# ===================================================================================== statistics
@dataclass(frozen=True)
class FrequencyTest:
    """One-sided exact binomial test of H0: "the event fails with probability <= delta'".

    ``p_value`` = P(Binomial(R, delta') >= failures); H0 is rejected when p_value <= alpha, so a true H0 is
    rejected with probability at most alpha (the false-alarm rate).  ``low``, ``high``: the two-sided
    Clopper-Pearson interval of the failure probability at confidence 1 - alpha.
    """

    failures: int
    samples: int
    delta: float
    alpha: float
    p_value: float
    low: float
    high: float

    @property
    def frequency(self) -> float:
        return self.failures / self.samples

    @property
    def rejected(self) -> bool:
        return bool(self.p_value <= self.alpha)

    def describe(self) -> str:
        verdict = "REJECTED" if self.rejected else "not rejected"
        return (
            f"{self.failures}/{self.samples} = {self.frequency:.3f} "
            f"(Clopper-Pearson {100 * (1 - self.alpha):g}% [{self.low:.3f}, {self.high:.3f}]); "
            f"H0 freq <= delta' = {self.delta:g}: p = {self.p_value:.3g}, {verdict} at alpha = {self.alpha:g}"
        )


def frequency_test(failures: int, samples: int, delta: float, alpha: float = DEFAULT_ALPHA) -> FrequencyTest:
    """The test of :class:`FrequencyTest` (scipy.stats.binomtest, exact)."""
    from scipy.stats import binomtest

    samples = check_positive_int(samples, "samples")
    failures = int(check_scalar(failures, "failures", numbers.Integral, min_val=0, max_val=samples))
    delta = check_probability(delta, "delta")
    alpha = check_probability(alpha, "alpha")
    p_value = binomtest(failures, samples, delta, alternative="greater").pvalue
    ci = binomtest(failures, samples, delta).proportion_ci(confidence_level=1 - alpha, method="exact")
    return FrequencyTest(failures, samples, delta, alpha, float(p_value), float(ci.low), float(ci.high))


def event_test(
    records: Sequence[SampleCheck],
    radius: Callable[[SampleCheck], float | np.ndarray] | None = None,
    alpha: float = DEFAULT_ALPHA,
) -> FrequencyTest:
    """:func:`frequency_test` of the failures of {dev(k) <= radius(k) for every k} over ``records``.

    ``radius`` maps a record to its radius (default D(k), L1's event); every record must share one delta'.
    """
    if not records:
        raise ValueError("records must hold at least one sample")
    deltas = {r.delta for r in records}
    if len(deltas) != 1:
        raise ValueError(f"records mix several delta' values: {sorted(deltas)}")
    radius = radius or (lambda r: r.radius_by_k)
    failures = sum(not r.event_holds(radius(r)) for r in records)
    return frequency_test(failures, len(records), deltas.pop(), alpha)


@dataclass(frozen=True)
class BoundCheck:
    """A bound checked at every (sample, point) pair of the samples where an event holds.

    ``informative``: pairs whose bound is below the sample's largest possible excess max L - L*_Q (a bound
    at or above it cannot be violated by any point); ``violations``: (sample index, point) of every pair
    with excess > bound.
    """

    bound: str
    event: str
    samples: int
    checked: int
    informative: int
    violations: list[tuple[int, PointCheck]]


def bound_checks(records: Iterable[SampleCheck], bound: str, event: str) -> BoundCheck:
    """:class:`BoundCheck` of ``bound`` (``"A0"``, ``"A"``) on the samples where ``event`` holds: ``"l1"``,
    ``"dense"``, ``"both"`` or ``"any"`` (no condition)."""
    holds = {
        "l1": lambda r: r.l1_holds, "dense": lambda r: r.dense_holds,
        "both": lambda r: r.l1_holds and r.dense_holds, "any": lambda r: True,
    }
    if event not in holds:
        raise ValueError(f"event == {event!r}, must be one of {', '.join(holds)}")
    samples = checked = informative = 0
    bad: list[tuple[int, PointCheck]] = []
    for r in records:
        if holds[event](r):
            pts = r.of(bound)
            samples += 1
            checked += len(pts)
            informative += sum(pt.value < r.max_excess for pt in pts)
            bad += [(r.index, pt) for pt in pts if not pt.holds]
    return BoundCheck(bound, event, samples, checked, informative, bad)


def tightness_summary(records: Iterable[SampleCheck]) -> dict[str, dict[str, Any]]:
    """Per bound and origin (``A0``, ``A0/global``, ``A0/random``, ...): median, min and max of bound /
    realized excess over the points with positive excess, their count, and the count with zero excess (a
    population minimizer: tightness infinite)."""
    groups: dict[str, list[PointCheck]] = {}
    for r in records:
        for pt in r.points:
            groups.setdefault(pt.bound, []).append(pt)
            groups.setdefault(f"{pt.bound}/{pt.origin}", []).append(pt)
    out = {}
    for name in sorted(groups):
        pts = groups[name]
        t = np.array([pt.tightness for pt in pts if pt.positive_excess])
        out[name] = {
            "points": len(pts), "positive_excess": int(t.size), "zero_excess": len(pts) - int(t.size),
            "median": float(np.median(t)) if t.size else None, "min": float(t.min()) if t.size else None,
            "max": float(t.max()) if t.size else None,
        }
    return out


__all__ = [
    "DEFAULT_ALPHA", "DEFAULT_GAMMA_FRACTIONS", "BoundCheck", "FrequencyTest", "PointCheck", "SampleCheck",
    "as_problem", "bound_checks", "check_sample", "event_test", "frequency_test", "iter_resample", "l1_radii",
    "max_deviation_by_sparsity", "min_nonzero_level", "nonzero_counts", "resample_l1", "single_point_radius",
    "TOY_PROBLEMS", "tightness_summary", "toy_config", "with_training_sample",
]
