"""Theorem variants: a claim over named quantities, evaluated exactly on toy problems.

A :class:`Variant` is a sympy relation (or a Boolean combination of relations: ``sp.And``, ``sp.Or``,
``sp.Not``, ``sp.Implies``) over the quantities below, the solutions beta^ it speaks of, and whether it holds
deterministically or with probability >= 1 - delta'.  Build the claim from the symbols of
``qtheory.theory`` (B n p Qsize s k eps Gamma delta a lam d U nu Ln F0) and the computed quantities defined
here; formulas of docs/theory.md come from ``qtheory.theory`` (e.g. ``excess <= A.value``), never re-typed.

Problem quantities (one number per problem; docs/theory.md section 1):
  B, n, p, Qsize (|Q|), K, d, R (= K d), N (support points of the population), s, delta (delta'), eps
  (= L(beta*_eps) - L*_Q for the drawn s), a, lam (MCP; only with a penalty), nu, U (exact U_Q of the training
  sample), Lstar (L*_Q), Fmin (min F), Lnmin (min L_n), Fref (F(beta*_eps)); for V3, Lcont (inf over
  [-R, R]^p of L) and Linf (M_inf, the max-norm Lipschitz constant of L on [-R, R]^p), exact where
  ``qtheory.continuous`` can compute them (a model linear in beta, squared loss, clip inactive on the box),
  NaN elsewhere.
Solution quantities (one number per solution beta^):
  k (= ||beta^||_0, counted on integer codes), Ln (L_n(beta^)), risk (L(beta^)), excess (L(beta^) - L*_Q),
  F (F(beta^) = L_n + P; L_n without a penalty), pen (P(beta^)), Gamma (F(beta^) - min F), Gamma_ref
  (max(0, F(beta^) - F(beta*_eps)): the smallest Gamma with F(beta^) <= F(beta*_eps) + Gamma), dev
  (|L_n(beta^) - L(beta^)|), min_nz (min |beta^_j| over non-zero codes, +inf if none), max_abs (max |beta^_j|),
  is_local (1 if beta^ is a nu-local solution, else 0; NaN for a tie up to round-off; e.g. "every global
  minimizer is 0-local").
Q-CD quantities (solutions = "qcd" only): moves (accepted moves), F0 (F at the start), local (1 if the
  reference certificate says nu-local, else 0), min_drop (smallest decrease of F over accepted moves, +inf with
  none), hit_cap (1 if a move cap stopped it).

Solutions (``solutions``):
  ``"global"`` -- every global minimizer of F (points with F - min F <= tol by the reference evaluation);
  ``"local"``  -- every nu-local solution of Q^p (all of them, :func:`certified_local_mask`: the exact F table
                  decides where it clears the threshold by more than its round-off, the reference evaluation
                  decides the rest, and points tied with the threshold up to round-off are left out; each point
                  that decides a verdict is re-certified by ``qtheory.solve.certify.certify_local``);
  ``"qcd"``    -- the outputs of Q-CD (``qtheory.solve.qcd``) from the drawn starts;
  ``"any"``    -- every point of Q^p (claims "for all beta at once", like L1).

Slack.  A relation lhs <= rhs (or <) has slack rhs - lhs, lhs >= rhs has lhs - rhs, lhs = rhs has
-|lhs - rhs|; ``And`` takes the minimum, ``Or`` the maximum, ``Not`` the negative.  A claim is violated at a
solution when its slack is below ``-tol`` (default 1e-9): round-off never refutes a claim, and strict and
non-strict inequalities are judged alike.  ``assumptions`` (hypotheses, e.g. ``RESULTS["B"].hypotheses``)
are judged exactly; the claim asserts nothing where one fails.  A slack that is NaN (an undefined bound) is
counted as undefined, never as a violation.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import sympy as sp

from qtheory.strategies import Case, ProblemSpace
from qtheory.theory.numeric import call
from qtheory.theory.symbols import (  # noqa: F401  (re-exported for variant files)
    NAME_OF,
    SYMBOLS,
    B,
    F0,
    Gamma,
    Ln,
    Qsize,
    U,
    a,
    d,
    delta,
    eps,
    k,
    lam,
    n,
    nu,
    p,
    s,
)
from qtheory.validation import check_choice, check_positive_real

SOLUTION_KINDS = ("global", "local", "qcd", "any")

# computed quantities that are not symbols of docs/theory.md: name -> (symbol, meaning)
_NEW: dict[str, tuple[sp.Symbol, str]] = {
    "excess": (sp.Symbol("excess", real=True), "realized excess risk L(beta^) - L*_Q"),
    "risk": (sp.Symbol("risk", nonnegative=True), "population risk L(beta^)"),
    "F": (sp.Symbol("F", real=True), "objective F(beta^) = L_n + P"),
    "pen": (sp.Symbol("pen", nonnegative=True), "penalty P(beta^)"),
    "Gamma_ref": (sp.Symbol("Gamma_ref", nonnegative=True), "max(0, F(beta^) - F(beta*_eps))"),
    "dev": (sp.Symbol("dev", nonnegative=True), "|L_n(beta^) - L(beta^)|"),
    "min_nz": (sp.Symbol("min_nz", positive=True), "min |beta^_j| over non-zero codes (+inf if none)"),
    "max_abs": (sp.Symbol("max_abs", nonnegative=True), "max |beta^_j|"),
    "Lstar": (sp.Symbol("Lstar", nonnegative=True), "L*_Q = min over Q^p of L"),
    "Fmin": (sp.Symbol("Fmin", real=True), "min over Q^p of F"),
    "Lnmin": (sp.Symbol("Lnmin", nonnegative=True), "min over Q^p of L_n"),
    "Fref": (sp.Symbol("Fref", real=True), "F(beta*_eps)"),
    "K": (sp.Symbol("K", positive=True, integer=True), "grid half-width, |Q| = 2K + 1"),
    "R": (sp.Symbol("R", positive=True), "grid range R = K d"),
    "N": (sp.Symbol("N", positive=True, integer=True), "support points of the population"),
    "moves": (sp.Symbol("moves", nonnegative=True, integer=True), "accepted Q-CD moves"),
    "local": (sp.Symbol("local", nonnegative=True), "1 if certified nu-local, else 0"),
    "min_drop": (sp.Symbol("min_drop", positive=True), "smallest decrease of F over accepted Q-CD moves"),
    "hit_cap": (sp.Symbol("hit_cap", nonnegative=True), "1 if a move cap stopped Q-CD"),
    "is_local": (sp.Symbol("is_local", nonnegative=True), "1 if the point is nu-local (certified), else 0"),
    "Lcont": (sp.Symbol("Lcont", nonnegative=True), "inf over [-R, R]^p of L (NaN where not computable)"),
}
excess, risk, F, pen, Gamma_ref, dev, min_nz, max_abs = (
    _NEW[x][0] for x in ("excess", "risk", "F", "pen", "Gamma_ref", "dev", "min_nz", "max_abs")
)
Lstar, Fmin, Lnmin, Fref, K, R, N = (_NEW[x][0] for x in ("Lstar", "Fmin", "Lnmin", "Fref", "K", "R", "N"))
moves, local, min_drop, hit_cap = (_NEW[x][0] for x in ("moves", "local", "min_drop", "hit_cap"))
is_local, Lcont = _NEW["is_local"][0], _NEW["Lcont"][0]
Linf = SYMBOLS["Linf"]

_THEORY_NAMES = (
    "B", "n", "p", "Qsize", "s", "k", "eps", "Gamma", "delta", "a", "lam", "d", "U", "nu", "Ln", "F0", "Linf",
)
#: every quantity a claim may use: name -> sympy symbol
QUANTITIES: dict[str, sp.Symbol] = {**{x: SYMBOLS[x] for x in _THEORY_NAMES}, **{x: v[0] for x, v in _NEW.items()}}
PROBLEM_QUANTITIES = (
    "B", "n", "p", "Qsize", "K", "d", "R", "N", "s", "delta", "eps", "a", "lam", "nu", "U", "Lstar", "Fmin",
    "Lnmin", "Fref", "Lcont", "Linf",
)
#: problem quantities computed only when a claim uses them
CONTINUOUS_QUANTITIES = ("Lcont", "Linf")
POINT_QUANTITIES = (
    "k", "Ln", "risk", "excess", "F", "pen", "Gamma", "Gamma_ref", "dev", "min_nz", "max_abs", "is_local",
)
QCD_QUANTITIES = ("moves", "F0", "local", "min_drop", "hit_cap")

# any spelling of a quantity (command-line name or sympy name) -> its canonical symbol
_CANONICAL: dict[str, sp.Symbol] = {**{sym.name: sym for sym in QUANTITIES.values()}, **QUANTITIES}


def quantity_name(sym: sp.Symbol) -> str:
    """The command-line name of a quantity symbol (``epsilon`` -> ``eps``, ``L_n`` -> ``Ln``, ...)."""
    return NAME_OF.get(sym, sym.name)


def canonical(expr: sp.Basic, where: str = "claim") -> sp.Basic:
    """``expr`` with every free symbol replaced by the canonical quantity of the same name; raises
    ``ValueError`` naming an unknown symbol and listing the known ones."""
    unknown = sorted(x.name for x in expr.free_symbols if x.name not in _CANONICAL)
    if unknown:
        raise ValueError(
            f"{where} uses unknown quantit{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; known: "
            f"{' '.join(QUANTITIES)}"
        )
    return expr.xreplace({x: _CANONICAL[x.name] for x in expr.free_symbols})


@functools.lru_cache(maxsize=4096)
def names_in(expr: sp.Basic) -> frozenset[str]:
    """The names of the quantities ``expr`` uses (cached: claims are judged on thousands of cases)."""
    return frozenset(quantity_name(x) for x in expr.free_symbols)


# ===================================================================================== the variant
@dataclass(frozen=True)
class Variant:
    """A claim to property-test.

    name : a label; claim : a sympy relation or Boolean combination of relations over :data:`QUANTITIES`;
    solutions : ``"global"``, ``"local"``, ``"qcd"`` or ``"any"`` (module doc); probabilistic : True when the
    claim is asserted with probability >= 1 - delta' over the training sample (False: for every sample);
    assumptions : label -> relation, the hypotheses under which the claim is asserted; space : the toy
    problems searched (:class:`qtheory.strategies.ProblemSpace`); tol : the round-off tolerance of a
    violation (absolute); description : free text.
    """

    name: str
    claim: sp.Basic
    solutions: str = "global"
    probabilistic: bool = False
    assumptions: Mapping[str, sp.Basic] = field(default_factory=dict)
    space: ProblemSpace = field(default_factory=ProblemSpace)
    description: str = ""
    tol: float = 1e-9

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        check_choice(self.solutions, "solutions", SOLUTION_KINDS)
        if not isinstance(self.probabilistic, bool):
            raise TypeError(f"probabilistic must be True or False, got {self.probabilistic!r}")
        if not isinstance(self.space, ProblemSpace):
            raise TypeError(f"space must be a ProblemSpace, got {type(self.space).__name__}")
        check_positive_real(self.tol, "tol", allow_zero=True)
        if not isinstance(self.claim, sp.Basic) or isinstance(self.claim, sp.Symbol):
            raise TypeError(
                f"claim must be a sympy relation over quantities (e.g. excess <= bound), got {type(self.claim).__name__} "
                f"({self.claim!r})"
            )
        claim = self.claim
        _check_boolean(claim, "claim")
        if not claim.free_symbols:
            raise ValueError(
                f"claim == {claim!r} involves no quantity, so there is nothing to test; state a relation over "
                f"quantities such as {', '.join(list(QUANTITIES)[:3])}"
            )
        object.__setattr__(self, "claim", canonical(claim, "claim"))
        assumptions = {}
        for label, rel in dict(self.assumptions).items():
            rel = sp.sympify(rel)
            _check_boolean(rel, f"assumption {label!r}")
            assumptions[str(label)] = canonical(rel, f"assumption {label!r}")
        object.__setattr__(self, "assumptions", assumptions)
        used = self.quantities
        if self.solutions != "qcd":
            qcd_only = sorted(used & set(QCD_QUANTITIES))
            if qcd_only:
                raise ValueError(f"{', '.join(qcd_only)} exist only for solutions = 'qcd', not {self.solutions!r}")
        if self.space.penalty == "none" and used & {"a", "lam"}:
            raise ValueError("the claim uses a or lam, but space.penalty == 'none' draws problems without a penalty")

    @property
    def quantities(self) -> set[str]:
        """Names of the quantities the claim and the assumptions use."""
        out = set(names_in(self.claim))
        for rel in self.assumptions.values():
            out |= names_in(rel)
        return out

    def describe(self) -> str:
        kind = "with probability >= 1 - delta'" if self.probabilistic else "deterministically"
        return f"{self.name}: {self.claim} for {self.solutions} solutions, {kind}"


def _check_boolean(expr: sp.Basic, where: str) -> None:
    if isinstance(expr, sp.Rel):
        if isinstance(expr, sp.Ne):
            raise ValueError(f"{where}: '!=' cannot be judged up to round-off; state the claim with <, <=, >, >= or =")
        return
    if expr in (sp.true, sp.false):
        return
    if isinstance(expr, (sp.And, sp.Or, sp.Not, sp.Implies)):
        for arg in expr.args:
            _check_boolean(arg, where)
        return
    raise TypeError(
        f"{where} must be a relation (e.g. excess <= bound) or And/Or/Not/Implies of relations, got {expr!r}"
    )


# ===================================================================================== evaluation
def evaluate(expr: sp.Basic, values: Mapping[str, Any]) -> np.ndarray:
    """A numeric expression over quantities at ``values`` (name -> number or array), broadcast together."""
    expr = sp.sympify(expr)
    if not expr.free_symbols:
        return np.asarray(float(expr))
    needed = names_in(expr)
    missing = sorted(needed - set(values))
    if missing:
        raise ValueError(f"no value for {', '.join(missing)} here")
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return call(expr, {x: values[x] for x in needed})


def slack(expr: sp.Basic, values: Mapping[str, Any]) -> np.ndarray:
    """The slack of a claim (module doc): >= 0 where it holds, < 0 by how much it fails."""
    return slack_and_scale(expr, values)[0]


def slack_and_scale(expr: sp.Basic, values: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The slack of a claim and its scale: the largest finite |side| of its relations (0 where none is
    finite), which bounds the round-off of the slack to a few ulps of it."""
    if expr == sp.true:
        return np.asarray(np.inf), np.asarray(0.0)
    if expr == sp.false:
        return np.asarray(-np.inf), np.asarray(0.0)
    if isinstance(expr, (sp.And, sp.Or, sp.Not, sp.Implies)):
        parts = [slack_and_scale(x, values) for x in expr.args]
        scale = np.maximum.reduce(np.broadcast_arrays(*[sc for _, sc in parts]))
        sls = [sl for sl, _ in parts]
        if isinstance(expr, sp.And):
            return np.minimum.reduce(np.broadcast_arrays(*sls)), scale
        if isinstance(expr, sp.Or):
            return np.maximum.reduce(np.broadcast_arrays(*sls)), scale
        if isinstance(expr, sp.Not):
            return -sls[0], scale
        return np.maximum(-sls[0], sls[1]), scale
    lhs, rhs = evaluate(expr.lhs, values), evaluate(expr.rhs, values)
    with np.errstate(invalid="ignore"):
        scale = np.maximum(np.where(np.isfinite(lhs), np.abs(lhs), 0.0), np.where(np.isfinite(rhs), np.abs(rhs), 0.0))
        if isinstance(expr, (sp.LessThan, sp.StrictLessThan)):
            return rhs - lhs, scale
        if isinstance(expr, (sp.GreaterThan, sp.StrictGreaterThan)):
            return lhs - rhs, scale
        if isinstance(expr, sp.Eq):
            return -np.abs(lhs - rhs), scale
    raise TypeError(f"cannot judge {expr!r}")


def holds(expr: sp.Basic, values: Mapping[str, Any]) -> np.ndarray:
    """Exact truth of a relation or Boolean combination (assumptions): no tolerance."""
    if expr == sp.true:
        return np.asarray(True)
    if expr == sp.false:
        return np.asarray(False)
    if isinstance(expr, sp.And):
        return np.logical_and.reduce(np.broadcast_arrays(*[holds(x, values) for x in expr.args]))
    if isinstance(expr, sp.Or):
        return np.logical_or.reduce(np.broadcast_arrays(*[holds(x, values) for x in expr.args]))
    if isinstance(expr, sp.Not):
        return ~holds(expr.args[0], values)
    if isinstance(expr, sp.Implies):
        return ~holds(expr.args[0], values) | holds(expr.args[1], values)
    lhs, rhs = evaluate(expr.lhs, values), evaluate(expr.rhs, values)
    ops = {sp.LessThan: np.less_equal, sp.StrictLessThan: np.less, sp.GreaterThan: np.greater_equal,
           sp.StrictGreaterThan: np.greater, sp.Eq: np.equal}
    return ops[type(expr)](lhs, rhs)


def atoms(expr: sp.Basic) -> list[sp.Rel]:
    """The relations a claim is made of, in order."""
    if isinstance(expr, sp.Rel):
        return [expr]
    return [r for arg in getattr(expr, "args", ()) for r in atoms(arg)]


# ===================================================================================== quantities
def problem_quantities(case: Case, needed: Any = ()) -> dict[str, float]:
    """The problem quantities of a built case (module doc), exact from its enumeration; Lcont and Linf
    (``qtheory.continuous``) only when named in ``needed``."""
    from qtheory.solve.certify import objective_F

    pb, ex, prm = case.problem, case.exact, case.params
    s_val = min(int(prm["s"]), pb.p)
    ref_codes, _ = ex.best_sparse(s_val)
    out = {
        "B": float(pb.loss.B), "n": float(pb.n), "p": float(pb.p), "Qsize": float(pb.Qsize),
        "K": float(case.K), "d": case.d, "R": float(case.K * case.d), "N": support_points(pb),
        "s": float(s_val), "delta": float(prm["delta"]), "eps": float(ex.eps(s_val)), "nu": float(prm["nu"]),
        "U": float(case.U), "Lstar": float(ex.L_star), "Lnmin": float(ex.Ln_min),
        "Fmin": float(ex.F_min if pb.penalty is not None else ex.Ln_min),
        "Fref": float(objective_F(pb, ref_codes)),
    }
    if pb.penalty is not None:
        out["a"], out["lam"] = float(pb.penalty.a), float(pb.penalty.lam)
    if set(needed) & set(CONTINUOUS_QUANTITIES):
        from qtheory.continuous import continuous_quantities

        out.update(continuous_quantities(pb, out["R"]))
    return out


def support_points(problem: Any) -> float:
    """N: the support points of the population; on the analytic population the 2^p sign vectors when
    sigma = 0 (y is then a function of x), infinitely many otherwise."""
    if problem.population is not None:
        return float(problem.population.N)
    family = problem.family
    return float(2.0**problem.p) if family.sigma == 0 else math.inf


def point_quantities(
    case: Case, scalars: Mapping[str, float], codes: np.ndarray, Ln_: np.ndarray, risk_: np.ndarray, F_: np.ndarray,
    is_local_: Any = np.nan,
) -> dict[str, np.ndarray]:
    """The solution quantities (module doc) of code vectors ``codes`` (m, p) with their L_n, L and F, and
    ``is_local_`` (1/0 per point; NaN where it was not computed)."""
    pb = case.problem
    codes = np.atleast_2d(codes)
    beta = np.abs(pb.values(codes))
    nz = codes != 0
    # L_n and L lie in [0, B]; a weighted sum of n terms can leave it by round-off (e.g. 1 + 2e-16 for the
    # 0-1 loss), which would put a [0, 1] quantity such as kl^{-1}'s q out of its domain
    Ln_ = np.clip(np.asarray(Ln_, dtype=float), 0.0, float(pb.loss.B))
    risk_ = np.clip(np.asarray(risk_, dtype=float), 0.0, float(pb.loss.B))
    with np.errstate(invalid="ignore"):
        pen_ = pb.penalty_value(codes) if pb.penalty is not None else np.zeros(codes.shape[0])
    return {
        "k": nz.sum(axis=1).astype(float),
        "Ln": np.asarray(Ln_, dtype=float),
        "risk": np.asarray(risk_, dtype=float),
        "excess": np.asarray(risk_, dtype=float) - scalars["Lstar"],
        "F": np.asarray(F_, dtype=float),
        "pen": np.asarray(pen_, dtype=float),
        "Gamma": np.asarray(F_, dtype=float) - scalars["Fmin"],
        "Gamma_ref": np.maximum(0.0, np.asarray(F_, dtype=float) - scalars["Fref"]),
        "dev": np.abs(np.asarray(Ln_, dtype=float) - np.asarray(risk_, dtype=float)),
        "min_nz": np.where(nz, beta, np.inf).min(axis=1),
        "max_abs": beta.max(axis=1),
        "is_local": np.broadcast_to(np.asarray(is_local_, dtype=float), (codes.shape[0],)).copy(),
    }


def reference_quantities(
    case: Case, scalars: Mapping[str, float], codes: np.ndarray, is_local_: Any = np.nan
) -> dict[str, np.ndarray]:
    """Solution quantities of ``codes`` (m, p) by the reference evaluation (``Problem`` methods)."""
    from qtheory.solve.certify import objective_F

    pb = case.problem
    codes = np.atleast_2d(np.asarray(codes, dtype=np.int64))
    return point_quantities(
        case, scalars, codes, np.atleast_1d(pb.empirical_risk(codes)), np.atleast_1d(pb.population_risk(codes)),
        np.atleast_1d(objective_F(pb, codes)), is_local_,
    )


def _F_table(case: Case) -> np.ndarray:
    tables = case.exact.tables
    return tables["penalized"] if case.problem.penalty is not None else tables["empirical"]


def local_mask(F_table: np.ndarray, nu: float, slack_: float = 0.0) -> np.ndarray:
    """Points of Q^p (canonical table shape) where no neighbour m_j +- 1 has F < F(beta) - nu - slack_.

    With ``slack_`` > 0 this is a superset of the nu-local solutions, robust to round-off in the table."""
    ok = np.ones(F_table.shape, dtype=bool)
    for ax in range(F_table.ndim):
        m = F_table.shape[ax]
        if m < 2:
            continue
        diff = np.take(F_table, np.arange(1, m), axis=ax) - np.take(F_table, np.arange(0, m - 1), axis=ax)
        lower = [slice(None)] * F_table.ndim
        upper = [slice(None)] * F_table.ndim
        lower[ax], upper[ax] = slice(0, m - 1), slice(1, m)
        ok[tuple(lower)] &= diff >= -nu - slack_  # the neighbour one level up
        ok[tuple(upper)] &= -diff >= -nu - slack_  # the neighbour one level down
    return ok


@dataclass
class Points:
    """Solutions of one kind on one case: codes (m, p) and their quantities (name -> (m,) array)."""

    kind: str
    codes: np.ndarray
    values: dict[str, np.ndarray]
    reference: bool  # True when every value came from the reference evaluation


#: table values within this distance of a decision threshold are decided by the reference evaluation
ROUND_OFF = 1e-10


def reference_margin(case: Case, index: np.ndarray, nu: float) -> np.ndarray:
    """min over the (at most 2p) grid neighbours of F(neighbour) - F(beta) + nu for each point (rows of table
    indices ``index``, (m, p)), by the reference evaluation of F, batched; beta is nu-local iff it is >= 0."""
    from qtheory.solve.certify import objective_F

    pb = case.problem
    index = np.asarray(index, dtype=np.int64).reshape(-1, pb.p)
    m = index.shape[0]
    if m == 0:
        return np.zeros(0)
    shape = case.exact.tables["empirical"].shape
    rows, owner = [index], []
    for j in range(pb.p):
        for step in (-1, 1):
            nb = index.copy()
            nb[:, j] += step
            ok = (nb[:, j] >= 0) & (nb[:, j] < shape[j])
            rows.append(nb[ok])
            owner.append(np.flatnonzero(ok))
    F_all = np.atleast_1d(objective_F(pb, pb.codes_from_indices(np.concatenate(rows))))
    F0, F_nb, who = F_all[:m], F_all[m:], np.concatenate(owner)
    margin = np.full(m, np.inf)
    np.minimum.at(margin, who, F_nb - F0[who] + nu)
    return margin


def certified_local_mask(case: Case, nu: float) -> np.ndarray:
    """Locality of every point of Q^p (canonical table shape): 1.0 nu-local, 0.0 not, NaN where floating
    point cannot decide.  The table decides where every neighbour difference clears the threshold -nu by more
    than :data:`ROUND_OFF` (or misses it by more); elsewhere the reference evaluation gives the smallest margin
    F(neighbour) - F(beta) + nu: local when it is 0 exactly or above ROUND_OFF, not local below -ROUND_OFF,
    and undecided (NaN) when 0 < |margin| <= ROUND_OFF, a tie up to round-off."""
    F_tab = _F_table(case)
    core = local_mask(F_tab, nu, slack_=-ROUND_OFF)
    border = local_mask(F_tab, nu, slack_=ROUND_OFF) & ~core
    out = core.astype(float)
    flat = np.flatnonzero(border.ravel())
    if flat.size:
        margin = reference_margin(case, np.stack(np.unravel_index(flat, F_tab.shape), axis=1), nu)
        verdict = np.where(margin >= 0, 1.0, 0.0)
        verdict[(np.abs(margin) <= ROUND_OFF) & (margin != 0)] = np.nan
        out.ravel()[flat] = verdict
    return out


def solution_points(case: Case, kind: str, scalars: Mapping[str, float], tol: float, *, need_local: bool = False) -> Points:
    """The solutions of ``kind`` on ``case`` with their quantities (module doc).  Membership is exact: a global
    minimizer is confirmed by the reference evaluation of F, a nu-local point by :func:`certified_local_mask`.
    ``is_local`` is computed for every point when ``need_local`` (NaN otherwise; 1 for ``"local"``)."""
    check_choice(kind, "solutions", SOLUTION_KINDS)
    if kind == "qcd":
        return _qcd_points(case, scalars)
    from qtheory.solve.certify import objective_F

    pb, tables = case.problem, case.exact.tables
    F_tab = _F_table(case)
    local_tab = certified_local_mask(case, scalars["nu"]) if (need_local or kind == "local") else None
    if kind == "any":
        flat = np.arange(F_tab.size)
    elif kind == "global":
        flat = np.flatnonzero(F_tab.ravel() <= scalars["Fmin"] + tol + ROUND_OFF)
        if flat.size:
            idx = np.stack(np.unravel_index(flat, F_tab.shape), axis=1)
            F_ref = np.atleast_1d(objective_F(pb, pb.codes_from_indices(idx)))
            flat = flat[F_ref - scalars["Fmin"] <= tol]
    else:
        flat = np.flatnonzero(local_tab.ravel() == 1.0)
    index = np.stack(np.unravel_index(flat, F_tab.shape), axis=1) if flat.size else np.zeros((0, pb.p), dtype=np.int64)
    codes = pb.codes_from_indices(index) if flat.size else index
    is_loc = local_tab.ravel()[flat] if local_tab is not None else np.nan
    values = point_quantities(
        case, scalars, codes, tables["empirical"].ravel()[flat], tables["population"].ravel()[flat],
        F_tab.ravel()[flat], is_loc,
    )
    return Points(kind, np.asarray(codes, dtype=np.int64).reshape(-1, pb.p), values, reference=False)


def _qcd_points(case: Case, scalars: Mapping[str, float]) -> Points:
    from qtheory.solve.certify import certify_local
    from qtheory.solve.qcd import qcd

    pb, prm = case.problem, case.params
    rows, extra = [], {x: [] for x in QCD_QUANTITIES}
    for start in prm["starts"]:
        res = qcd(pb, prm["nu"], start=np.asarray(start, dtype=np.int64), order=prm["order"], seed=prm["qcd_seed"])
        path = [res.F0] + [float(t["F"]) for t in res.trace]
        drops = -np.diff(path)
        rows.append(np.asarray(res.codes, dtype=np.int64))
        extra["moves"].append(float(res.moves))
        extra["F0"].append(float(res.F0))
        extra["local"].append(1.0 if certify_local(pb, res.codes, prm["nu"]).local else 0.0)
        extra["min_drop"].append(float(drops.min()) if drops.size else np.inf)
        extra["hit_cap"].append(1.0 if res.hit_cap else 0.0)
    codes = np.stack(rows)
    values = reference_quantities(case, scalars, codes, extra["local"])
    values.update({x: np.asarray(v, dtype=float) for x, v in extra.items()})
    return Points("qcd", codes, values, reference=True)


# ===================================================================================== one case
@dataclass
class CaseResult:
    """The verdict of a variant on one case.

    applicable : False when an assumption on the problem failed (the claim asserts nothing);
    checks : solutions where the slack was finite; undefined : solutions with a NaN slack;
    min_slack : the smallest slack (+inf when nothing was checked); violation : a verified violation;
    worst : the record of the solution with the smallest slack (None when there is none);
    sides : with ``collect``, for each relation of the claim (:func:`sides_of`), the pair (bound side, bounded
    side) as arrays over the checked solutions; tightest : the record of the checked solution with the
    smallest ratio bound / bounded of the first relation (None without ``collect`` or a positive ratio).
    """

    applicable: bool
    checks: int = 0
    undefined: int = 0
    min_slack: float = np.inf
    violation: bool = False
    worst: dict[str, Any] | None = None
    sides: list[tuple[np.ndarray, np.ndarray]] | None = None
    tightest: dict[str, Any] | None = None


def sides_of(rel: sp.Rel) -> tuple[sp.Basic, sp.Basic] | None:
    """(bound, bounded) of an inequality: (rhs, lhs) for lhs <= rhs or lhs < rhs, (lhs, rhs) for lhs >= rhs or
    lhs > rhs; None for an equation."""
    if isinstance(rel, (sp.LessThan, sp.StrictLessThan)):
        return rel.rhs, rel.lhs
    if isinstance(rel, (sp.GreaterThan, sp.StrictGreaterThan)):
        return rel.lhs, rel.rhs
    return None


def evaluate_case(variant: Variant, case: Case, *, collect: bool = False, record_below: float = np.inf) -> CaseResult:
    """Judge ``variant`` on every solution of its kind on ``case``; a violation found in the exact tables is
    confirmed by the reference evaluation (and, for nu-local points, by the reference certificate).
    ``collect`` also returns the two sides of each relation at the checked solutions (tightness).
    ``record_below``: the record of the smallest slack (``worst``) is made only when that slack is below it
    (a violation's record always is)."""
    scalars = problem_quantities(case, variant.quantities)
    problem_only = [r for r in variant.assumptions.values() if names_in(r) <= set(scalars)]
    if not all(bool(np.all(holds(r, scalars))) for r in problem_only):
        return CaseResult(applicable=False)
    pts = solution_points(case, variant.solutions, scalars, variant.tol, need_local="is_local" in variant.quantities)
    m = pts.codes.shape[0]
    if m == 0:
        return CaseResult(applicable=True)
    values = {**scalars, **pts.values}
    ok = np.ones(m, dtype=bool)
    for r in variant.assumptions.values():
        if r not in problem_only:
            ok &= np.broadcast_to(holds(r, values), (m,))
    sl = np.broadcast_to(slack(variant.claim, values), (m,)).astype(float).copy()
    undefined = int(np.sum(np.isnan(sl) & ok))
    sl[~ok | np.isnan(sl)] = np.inf
    checks = int(np.sum(np.isfinite(sl)))
    order = np.argsort(sl, kind="stable")
    result = CaseResult(applicable=True, checks=checks, undefined=undefined, min_slack=float(sl[order[0]]))
    if collect:
        _collect_sides(variant, case, scalars, pts, values, np.isfinite(sl), result)
    if not np.isfinite(sl[order[0]]) and sl[order[0]] > 0:
        return result
    for i in order[:8]:
        if not sl[i] < -variant.tol:
            break
        record = _verified(variant, case, scalars, pts, int(i))
        if record is not None:
            result.violation, result.worst = True, record
            result.min_slack = min(result.min_slack, record["slack"])
            return result
    if sl[order[0]] < record_below:
        result.worst = _record(variant, case, scalars, pts.kind, pts.codes[order[0]],
                               {x: v[order[0]] for x, v in pts.values.items()}, float(sl[order[0]]))
    return result


def _collect_sides(
    variant: Variant, case: Case, scalars: Mapping[str, float], pts: Points, values: Mapping[str, Any],
    checked: np.ndarray, result: CaseResult,
) -> None:
    m = checked.size
    result.sides = []
    for r in atoms(variant.claim):
        pair = sides_of(r)
        if pair is None:
            continue
        big, small = (np.broadcast_to(evaluate(x, values), (m,)).astype(float)[checked] for x in pair)
        result.sides.append((big, small))
    if result.sides and checked.any():
        big, small = result.sides[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(small > 0, big / small, np.inf)
        j = int(np.argmin(ratio))
        if np.isfinite(ratio[j]):
            i = int(np.flatnonzero(checked)[j])
            sl = float(slack(variant.claim, {**scalars, **{x: v[i] for x, v in pts.values.items()}}))
            result.tightest = _record(variant, case, scalars, pts.kind, pts.codes[i], {x: v[i] for x, v in pts.values.items()}, sl)


def _verified(variant: Variant, case: Case, scalars: Mapping[str, float], pts: Points, i: int) -> dict | None:
    """The record of solution i if the violation holds up under the reference evaluation, else None."""
    codes = pts.codes[i]
    if pts.reference:
        vals = {x: v[i] for x, v in pts.values.items()}
    else:
        vals = {x: v[0] for x, v in reference_quantities(case, scalars, codes[None, :], pts.values["is_local"][i]).items()}
        if pts.kind == "global" and not vals["F"] - scalars["Fmin"] <= variant.tol:
            return None
        if pts.kind == "local":
            from qtheory.solve.certify import certify_local

            if not certify_local(case.problem, codes, scalars["nu"]).local:
                return None
    values = {**scalars, **vals}
    for r in variant.assumptions.values():
        if not bool(np.all(holds(r, values))):
            return None
    sl = float(slack(variant.claim, values))
    if not sl < -variant.tol:
        return None
    return _record(variant, case, scalars, pts.kind, codes, vals, sl)


@functools.lru_cache(maxsize=256)
def _text(expr: sp.Basic) -> str:
    return str(expr)


def _record(
    variant: Variant, case: Case, scalars: Mapping[str, float], kind: str, codes: np.ndarray,
    vals: Mapping[str, Any], sl: float,
) -> dict[str, Any]:
    values = {**scalars, **{x: float(v) for x, v in vals.items()}}
    rel = []
    for r in atoms(variant.claim):
        rel.append({
            "relation": _text(r), "lhs": float(evaluate(r.lhs, values)), "rhs": float(evaluate(r.rhs, values)),
            "slack": float(slack(r, values)),
        })
    return {
        "solution": kind,
        "codes": [int(c) for c in codes],
        "quantities": {x: float(v) for x, v in values.items()},
        "relations": rel,
        "slack": float(sl),
    }


__all__ = [
    "F", "F0", "POINT_QUANTITIES", "PROBLEM_QUANTITIES", "QCD_QUANTITIES", "QUANTITIES", "SOLUTION_KINDS",
    "B", "CaseResult", "Fmin", "Fref", "Gamma", "Gamma_ref", "K", "Ln", "Lnmin", "Lstar", "N", "Points", "Qsize",
    "R", "U", "Variant", "a", "atoms", "canonical", "d", "delta", "dev", "eps", "evaluate", "evaluate_case",
    "excess", "hit_cap", "holds", "k", "lam", "local", "local_mask", "max_abs", "min_drop", "min_nz", "moves",
    "n", "nu", "p", "pen", "point_quantities", "problem_quantities", "reference_quantities", "risk", "s",
    "slack", "solution_points", "is_local", "Lcont", "Linf", "certified_local_mask", "reference_margin", "sides_of",
    "CONTINUOUS_QUANTITIES",
]
