"""Search for counterexamples to a :class:`qtheory.variants.Variant`, within a budget of time or examples.

Phases.  Each example is one toy problem (and the claim's knobs), built and enumerated exactly.  Examples
come from four phases, interleaved on a fixed schedule (so a run is reproducible from its seed):

* ``"database"`` -- the counterexample stored by an earlier run of the same variant, tried first (a
  JSON file in the cache folder, :func:`cache_dir`; only when the database is on);
* ``"random"`` -- hypothesis draws from ``variant.space`` (``hypothesis.target`` steers towards small
  slack);
* ``"extreme"`` -- after every second random example, a structured extreme draw built from it
  (:func:`qtheory.moves.extreme`: one or two parameters, a noiseless teacher -- for probabilistic claims
  more often the noisiest one --, the smallest n, knobs at the ends of their ranges);
* ``"directed"`` -- after every random example, a local-search step: a neighbour
  (:func:`qtheory.moves.neighbour`) of one of the examples with the lowest slack so far (for probabilistic
  claims: the most suspicious populations first), which joins them when its slack is lower.

Deterministic claims.  Any verified violation refutes the claim; the counterexample is then shrunk
greedily (:func:`qtheory.moves.simplifications`, at most ``shrink_examples`` tries and ``shrink_seconds``).

Probabilistic claims (asserted with probability >= 1 - delta').  An example fixes a population and the
knobs; its training samples (data seeds s0, s0 + 1, ... from the first draw's seed s0; a population drawn
again continues where it stopped, never reusing a sample) feed an anytime-valid test of "violation rate <=
delta'" (:class:`qtheory.sequential.RateTest`).  The j-th population sampled gets level alpha_j
(:func:`qtheory.sequential.alpha_of_test`; they sum to alpha), so a true claim is refuted with probability at
most alpha (``false_alarm``) however long the search runs.  Each new population gets
``space.screen_resamples`` samples; after every example the most suspicious population (see
:meth:`qtheory.sequential.RateTest.suspicion`, at most ``space.screen_level``) gets up to ``space.resamples``
more.  These rules only decide where samples go: the test is valid under any of them.  A new sample of a
population reuses its population quantities (:mod:`qtheory.resample`), and where the claim allows it a batch
of samples is screened at once (:mod:`qtheory.sample_batch`); every sample near a threshold is judged exactly,
so the screen changes the speed, not the verdict.

Budget.  ``max_examples`` bounds the examples (shrinking aside) and, with no ``budget`` given, nothing
depends on the clock: the same variant and seed give the same verdict on any machine and under any load
(within one program: hypothesis also draws constants of the project modules loaded in the process).
Otherwise ``budget`` seconds bound the search (default 60).

Honest numbers.  ``min_slack``, ``checks`` and the nearest miss count only solutions of the claim's kind,
certified exactly (``qtheory.variants.solution_points``); draws that test nothing (U_Q of round-off size,
a or lam out of range: :class:`qtheory.strategies.DegenerateCase`) are rejected and counted as
``degenerate``.  The verdict carries the nearest miss (the checked solution with the smallest slack, with
its problem file) whether or not the claim was refuted.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from qtheory.jsonable import to_jsonable
from qtheory.moves import extreme, neighbour, population_key, simplifications, spec_key
from qtheory.sequential import RateTest, alpha_of_test, detectable_rate
from qtheory.strategies import Case, CaseSpec, DegenerateCase, build_case, to_toml
from qtheory.validation import check_positive_int, check_positive_real, check_probability
from qtheory.variants import CaseResult, Variant, evaluate_case

#: default time budget of one check (seconds) when no max_examples is given
DEFAULT_BUDGET = 60.0
#: default cap on the time spent shrinking a counterexample (seconds; not applied with max_examples alone)
DEFAULT_SHRINK_SECONDS = 20.0
#: default cap on the simplifications tried when shrinking
DEFAULT_SHRINK_EXAMPLES = 300
#: default false-alarm rate of probabilistic refutations (over the whole search)
DEFAULT_FALSE_ALARM = 0.01
PHASES = ("database", "random", "extreme", "directed")
#: examples kept as starting points of the directed phase
ELITES = 8


def cache_dir() -> Path:
    """The cache folder: ``$QTHEORY_CACHE``, else ``$XDG_CACHE_HOME/qtheory``, else ``~/.cache/qtheory``."""
    if os.environ.get("QTHEORY_CACHE"):
        return Path(os.environ["QTHEORY_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "qtheory"


def use_cache_for_hypothesis() -> None:
    """Let hypothesis keep its files under the cache folder, never in the current directory: sets
    ``HYPOTHESIS_STORAGE_DIRECTORY`` unless set already.  Hypothesis reads it once, when it first stores
    something, so a command calls this at its start; a running process's storage is not moved (doing so
    changes what hypothesis draws from then on)."""
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(cache_dir() / "hypothesis"))


class _Stop(BaseException):
    """Budget spent: stops hypothesis at once."""


class _Found(BaseException):
    """A verified counterexample: stops hypothesis at once."""


@dataclass
class Verdict:
    """The outcome of a search (``to_json`` gives the command's JSON)."""

    name: str
    refuted: bool
    examples_tried: int
    counterexample: dict[str, Any] | None
    min_slack: float | None
    seed: int
    seconds: float
    probabilistic: bool
    false_alarm: float | None
    checks: int = 0
    undefined: int = 0
    rejected: int = 0
    stopped: str = "budget"
    shrunk: bool = False
    worst: dict[str, Any] | None = None
    degenerate: int = 0
    phases: dict[str, int] = field(default_factory=dict)
    found_by: str | None = None
    max_examples: int | None = None
    shrink_steps: int = 0
    sequential: dict[str, Any] | None = None
    tightness: dict[str, Any] | None = None

    @property
    def verdict(self) -> str:
        return "refuted" if self.refuted else "not refuted"

    def to_json(self) -> dict[str, Any]:
        out = {
            "name": self.name,
            "verdict": self.verdict,
            "examples_tried": self.examples_tried,
            "counterexample": self.counterexample,
            "found_by": self.found_by,
            "min_slack": self.min_slack,
            "nearest_miss": self.worst,
            "seed": self.seed,
            "max_examples": self.max_examples,
            "seconds": round(self.seconds, 3),
            "probabilistic": self.probabilistic,
            "false_alarm": self.false_alarm,
            "checks": self.checks,
            "undefined": self.undefined,
            "rejected": self.rejected,
            "degenerate": self.degenerate,
            "phases": self.phases,
            "stopped": self.stopped,
            "shrunk": self.shrunk,
            "shrink_steps": self.shrink_steps,
        }
        if self.sequential is not None:
            out["sequential"] = self.sequential
        if self.tightness is not None:
            out["tightness"] = self.tightness
        return to_jsonable(out, nonfinite="string")


# ===================================================================================== one example
@dataclass
class ExampleResult:
    """One example: applicable (an assumption on the problem held), a verified violation, the smallest slack
    over its checked solutions, counts, and the record of its nearest miss (or counterexample)."""

    applicable: bool
    violation: bool
    min_slack: float
    checks: int
    undefined: int
    record: dict[str, Any] | None
    degenerate: bool = False
    score: tuple = (math.inf,)


def _case_record(case: Case, record: dict[str, Any]) -> dict[str, Any]:
    rec = dict(record)
    rec["problem_toml"] = to_toml(case.config)
    rec["params"] = dict(case.params)
    return rec


def run_deterministic(variant: Variant, spec: CaseSpec, collect: bool = False) -> tuple[ExampleResult, CaseResult]:
    """Judge ``variant`` on the problem of ``spec`` (one training sample)."""
    case = build_case(spec)
    res = evaluate_case(variant, case, collect=collect)
    rec = _case_record(case, res.worst) if res.worst is not None else None
    if res.tightest is not None:
        res.tightest = _case_record(case, res.tightest)
    out = ExampleResult(res.applicable, res.violation, res.min_slack, res.checks, res.undefined, rec,
                        score=(res.min_slack,))
    return out, res


@dataclass
class _Population:
    """One population under test: its spec, its test, and what its samples showed."""

    spec: CaseSpec
    test: RateTest
    seed0: int
    phase: str
    base: Case | None = None
    resampler: Any = None  # a PopulationResampler of ``base``, False where it does not apply
    batch: Any = None  # a SampleBatch of ``resampler``, False where the claim or population allows none
    applicable: int = 0
    min_slack: float = math.inf
    worst: dict | None = None  # the record of its most violating sample
    bad_seeds: list[int] = field(default_factory=list)

    def score(self) -> tuple:
        return (self.test.suspicion(), self.min_slack)


def case_from_record(record: dict[str, Any], space: Any = None) -> Case:
    """Rebuild the case of a counterexample record: its problem file (through ``problem_from_config`` of the
    parsed TOML, as ``load_problem`` reads it) and its resolved params (s, delta', nu, starts, order)."""
    from qtheory.problem import tomllib
    from qtheory.strategies import ProblemSpace

    config = tomllib.loads(record["problem_toml"])
    prm = record["params"]
    knobs = {
        "s": prm["s"], "delta": prm["delta"], "penalty_mode": "free" if "penalty" in config else "none",
        "nu_mode": "fixed", "nu": prm["nu"], "starts": prm["starts"], "order": prm["order"],
        "qcd_seed": prm["qcd_seed"],
    }
    return build_case(CaseSpec(config, knobs, space or ProblemSpace()))


def replay(variant: Variant, record: dict[str, Any]) -> CaseResult:
    """Judge ``variant`` again on the problem and params of a counterexample record (one training sample)."""
    return evaluate_case(variant, case_from_record(record, variant.space))


# ===================================================================================== tightness
class _Tightness:
    """bound / bounded and bound - bounded of each relation over the checked solutions (at most
    :data:`KEEP` values per example kept, at evenly spaced ranks, each weighted by the share it stands for)."""

    KEEP = 256

    def __init__(self, variant: Variant) -> None:
        from qtheory.variants import atoms, sides_of

        self.relations = [str(r) for r in atoms(variant.claim) if sides_of(r) is not None]
        self.values: list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = [[] for _ in self.relations]
        self.tightest: dict | None = None
        self.tightest_ratio = math.inf

    def add(self, res: CaseResult) -> None:
        for store, (big, small) in zip(self.values, res.sides or []):
            if big.size == 0:
                continue
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(small > 0, big / small, np.nan)
            diff = big - small
            m = big.size
            take = np.unique(np.linspace(0, m - 1, min(m, self.KEEP)).round().astype(int))
            w = np.full(take.size, m / take.size)
            store.append((np.sort(ratio)[take] if not np.isnan(ratio).any() else _sorted_nan_last(ratio)[take],
                          np.sort(diff)[take], w))
        if res.tightest is not None:
            r = res.tightest["relations"][0]
            big, small = (r["rhs"], r["lhs"]) if "<" in r["relation"] else (r["lhs"], r["rhs"])
            ratio = big / small if small > 0 else math.inf
            if ratio < self.tightest_ratio:
                self.tightest_ratio, self.tightest = ratio, res.tightest

    def summary(self) -> dict[str, Any]:
        qs = (0.05, 0.25, 0.5, 0.75, 0.95)
        out = []
        for name, store in zip(self.relations, self.values):
            if not store:
                out.append({"relation": name, "points": 0})
                continue
            ratio = np.concatenate([s[0] for s in store])
            diff = np.concatenate([s[1] for s in store])
            w = np.concatenate([s[2] for s in store])
            pos = ~np.isnan(ratio)
            out.append({
                "relation": name,
                "points": int(round(w.sum())),
                "ratio_points": int(round(w[pos].sum())),
                "ratio": _weighted_quantiles(ratio[pos], w[pos], qs),
                "difference": _weighted_quantiles(diff, w, qs),
            })
        return {"quantiles": list(qs), "relations": out, "tightest": self.tightest,
                "note": "ratio = bound / bounded over checked solutions whose bounded side is > 0"}


def _sorted_nan_last(x: np.ndarray) -> np.ndarray:
    return np.sort(x)  # numpy sorts NaN last


def _weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: tuple[float, ...]) -> dict[str, float] | None:
    if x.size == 0:
        return None
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    out = {f"q{q:g}": float(np.interp(q, cum, x)) for q in qs}
    out["min"], out["max"] = float(x[0]), float(x[-1])
    return out


# ===================================================================================== the search
class _Search:
    def __init__(
        self, variant: Variant, *, seed: int, false_alarm: float, deadline: float | None,
        max_examples: int | None, shrink_seconds: float | None, shrink_examples: int,
        progress: Callable[[dict[str, Any]], None] | None, tightness: bool, t0: float,
    ) -> None:
        self.variant, self.seed, self.false_alarm = variant, seed, false_alarm
        self.deadline, self.max_examples = deadline, max_examples
        self.shrink_seconds, self.shrink_examples = shrink_seconds, shrink_examples
        self.progress, self.t0 = progress, t0
        self.rng = np.random.default_rng([seed, 0x5EA7C4])
        self.examples = self.rejected = self.degenerate = self.checks = self.undefined = 0
        self.phase_counts = {ph: 0 for ph in PHASES}
        self.min_slack = math.inf
        self.worst: dict | None = None
        self.found: dict | None = None
        self.found_by: str | None = None
        self.found_spec: CaseSpec | None = None
        self.elites: list[tuple[tuple, int, CaseSpec]] = []
        self.pops: dict[str, _Population] = {}
        self.samples = 0
        self.tight = _Tightness(variant) if tightness else None
        self.idle_knobs = idle_knobs(variant)

    # ------------------------------------------------------------------------------ budget
    def out_of_budget(self) -> bool:
        if self.deadline is not None and time.monotonic() > self.deadline:
            return True
        return self.max_examples is not None and self.examples >= self.max_examples

    def _check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise _Stop()

    # ------------------------------------------------------------------------------ one example
    def evaluate(self, spec: CaseSpec, phase: str) -> ExampleResult | None:
        """Evaluate one example of ``phase``; raises _Found on a refutation, _Stop when the budget is spent."""
        if self.out_of_budget():
            raise _Stop()
        self.examples += 1
        self.phase_counts[phase] += 1
        try:
            if self.variant.probabilistic:
                out = self._probabilistic(spec, phase)
            else:
                out, res = run_deterministic(self.variant, spec, collect=self.tight is not None)
                if self.tight is not None and res.applicable:
                    self.tight.add(res)
        except DegenerateCase:
            self.degenerate += 1
            self.rejected += 1
            return None
        if not self.variant.probabilistic:
            self._account(out)
        if not out.applicable:
            self.rejected += 1
        elif math.isfinite(out.min_slack) or self.variant.probabilistic:
            self._add_elite(out.score, spec)
        if self.progress is not None:
            self.progress({"examples": self.examples, "min_slack": self.min_slack,
                           "seconds": time.monotonic() - self.t0})
        if self.found is None and out.violation:
            self.found, self.found_by, self.found_spec = out.record, phase, spec
        if self.found is not None:
            raise _Found()
        return out

    def _account(self, out: ExampleResult) -> None:
        self.checks += out.checks
        self.undefined += out.undefined
        if out.record is not None and out.min_slack < self.min_slack:
            self.min_slack, self.worst = out.min_slack, out.record

    def _add_elite(self, score: tuple, spec: CaseSpec) -> None:
        if self.variant.probabilistic:
            return  # the populations themselves are the starting points (:meth:`_starts`)
        key = spec_key(spec)
        if any(spec_key(s) == key for _, _, s in self.elites):
            return
        # among equal scores the newest first: a move along a plateau of equal slack is kept, so that the walk
        # can cross it (e.g. K + 1 first, then a lam / d beyond the old range)
        self.elites.append((score, self.examples, spec))
        self.elites.sort(key=lambda e: (e[0], -e[1]))
        del self.elites[ELITES:]

    def _starts(self) -> list[CaseSpec]:
        """Starting points of the directed phase, best first."""
        if self.variant.probabilistic:
            pops = sorted(self.pops.values(), key=lambda p: (p.score(), p.test.index))
            return [p.spec for p in pops[:ELITES] if p.test.samples]
        return [s for _, _, s in self.elites]

    # ------------------------------------------------------------------------------ probabilistic
    def _population(self, spec: CaseSpec, phase: str) -> _Population:
        key = population_key(spec, self.idle_knobs)
        pop = self.pops.get(key)
        if pop is None:
            j = len(self.pops) + 1
            test = RateTest(float(spec.knobs["delta"]), alpha_of_test(j, self.false_alarm), j)
            pop = _Population(spec, test, int(spec.config["data"]["seed"]), phase)
            self.pops[key] = pop
        return pop

    def _sample(self, pop: _Population, m: int) -> None:
        """Up to ``m`` more training samples of ``pop``, screened in batches where the claim allows it
        (:mod:`qtheory.sample_batch`: a sample whose screen is clear of every threshold is counted from the
        screen, any other is judged exactly); stops when its test refutes."""
        done = 0
        while done < m:
            self._check_time()
            batch = self._batch(pop)
            size = 1 if batch is None else min(m - done, batch.batch_size)
            seeds = [pop.seed0 + pop.test.samples + i for i in range(size)]
            screen = batch.screen(seeds) if batch is not None else None
            for r, seed_r in enumerate(seeds):
                if self._judge(pop, seed_r, screen, r):
                    return
            done += size

    def _judge(self, pop: _Population, seed_r: int, screen: Any, r: int) -> bool:
        """Judge the sample of data seed ``seed_r`` of ``pop`` (from row r of ``screen`` when it is clear of
        every threshold) and feed its test; True when the test refutes."""
        variant = self.variant
        if screen is not None and not screen.needs_exact(r, -variant.tol, self.min_slack):
            case = None
            res = CaseResult(applicable=bool(screen.applicable[r]), checks=int(screen.checks[r]),
                             undefined=int(screen.undefined[r]), min_slack=float(screen.min_slack[r]))
        else:
            case = self._resample(pop, seed_r)
            res = evaluate_case(variant, case, collect=self.tight is not None, record_below=self.min_slack)
        self.samples += 1
        pop.applicable += res.applicable
        self.checks += res.checks
        self.undefined += res.undefined
        if self.tight is not None and res.applicable:
            if res.tightest is not None:
                res.tightest = _case_record(case, res.tightest)
            self.tight.add(res)
        rejected = pop.test.add(res.violation)
        if res.violation and len(pop.bad_seeds) < 50:
            pop.bad_seeds.append(seed_r)
        if res.worst is not None:
            if res.violation and (pop.worst is None or res.min_slack < pop.worst["slack"]):
                pop.worst = _case_record(case, res.worst)  # the refutation's record: its most violating sample
            if res.min_slack < self.min_slack:
                self.min_slack, self.worst = res.min_slack, _case_record(case, res.worst)
        pop.min_slack = min(pop.min_slack, res.min_slack)
        if rejected:
            self.found, self.found_by, self.found_spec = self._refutation(pop), pop.phase, pop.spec
            return True
        return False

    def _batch(self, pop: _Population) -> Any:
        """The batch screen of ``pop`` (:class:`qtheory.sample_batch.SampleBatch`), or None where the claim,
        the tightness summary or the population does not allow one."""
        from qtheory.sample_batch import SampleBatch, screenable

        if pop.batch is None:
            self._resample(pop, pop.seed0)  # builds the base case and its resampler
            ok = pop.resampler and self.tight is None and screenable(self.variant) and SampleBatch.fits(pop.resampler)
            pop.batch = SampleBatch(self.variant, pop.resampler) if ok else False
        return pop.batch or None

    @staticmethod
    def _resample(pop: _Population, seed: int) -> Case:
        """The case of ``pop`` with data seed ``seed``: by :class:`qtheory.resample.PopulationResampler`
        where it applies and passes its self-check on the first sample, else built from the problem file."""
        from qtheory.resample import PopulationResampler

        if pop.base is None:
            pop.base = build_case(pop.spec.with_seed(seed))
        if pop.resampler is None:
            fast = PopulationResampler(pop.base) if PopulationResampler.applies(pop.base) else None
            pop.resampler = fast if fast is not None and fast.self_check() else False
        if seed == int(pop.base.config["data"]["seed"]):
            return pop.base
        if pop.resampler:
            return pop.resampler.case(seed)
        return build_case(pop.spec.with_seed(seed), like=pop.base)

    def _refutation(self, pop: _Population) -> dict[str, Any]:
        rec = dict(pop.worst)
        t = pop.test
        rec["resampling"] = {
            "delta": t.delta,
            "test": {**t.summary(), "seeds": f"{pop.seed0}..{pop.seed0 + t.samples - 1}",
                     "violating_seeds": pop.bad_seeds},
        }
        return rec

    def _probabilistic(self, spec: CaseSpec, phase: str) -> ExampleResult:
        pop = self._population(spec, phase)
        self._resample(pop, pop.seed0)  # the first case now, so that a degenerate draw is rejected before sampling
        self._sample(pop, self.variant.space.screen_resamples)
        if self.found is None:
            self._follow_up()
        return ExampleResult(
            applicable=pop.applicable > 0,
            violation=self.found is not None, min_slack=pop.min_slack, checks=0, undefined=0,
            record=self.found, score=pop.score(),
        )

    def _follow_up(self) -> None:
        """Up to ``space.resamples`` more samples, in batches of ``space.screen_resamples``, each batch to the
        population whose test looks closest to refuting (:meth:`_most_promising`)."""
        space = self.variant.space
        spent = 0
        while spent < space.resamples and self.found is None:
            best = self._most_promising()
            if best is None:
                return
            m = min(space.screen_resamples, space.resamples - spent)
            self._sample(best, m)
            spent += m

    def _most_promising(self) -> _Population | None:
        """Thompson sampling: for each population with a violation and suspicion <= ``space.screen_level``,
        draw a rate q from Beta(c + 1/2, t - c + 1/2); the expected samples its test still needs are
        (ln(1/alpha_j) - ln E_t) / KL(q || delta'), times a cost per sample |Q|^p n; the smallest wins."""
        level = self.variant.space.screen_level
        best, best_cost = None, math.inf
        for pop in self.pops.values():
            t = pop.test
            if t.count == 0 or t.rejected or t.suspicion() > level:
                continue
            q = float(self.rng.beta(t.count + 0.5, t.samples - t.count + 0.5))
            if q <= t.delta:
                continue
            kl = q * math.log(q / t.delta) + (1 - q) * math.log((1 - q) / (1 - t.delta))
            pb = pop.base.problem
            cost = max(t.threshold - t.log_e, 0.0) / kl * pb.n_codes * pb.n
            if cost < best_cost:
                best, best_cost = pop, cost
        return best

    # ------------------------------------------------------------------------------ phases
    def directed_step(self) -> None:
        starts = self._starts()
        if not starts:
            return
        start = starts[min(int(self.rng.exponential(1.5)), len(starts) - 1)]
        moves = 1 + int(self.rng.random() < 0.5)
        self.evaluate(neighbour(start, self.rng, moves=moves), "directed")

    def extreme_step(self, spec: CaseSpec) -> None:
        self.evaluate(extreme(spec, self.rng, noisy=self.variant.probabilistic), "extreme")

    # ------------------------------------------------------------------------------ shrinking
    def shrink(self) -> tuple[bool, int]:
        """Greedy shrinking of a deterministic counterexample: (reached a minimal one, simplifications tried)."""
        spec, record = self.found_spec, self.found
        stop = None if self.shrink_seconds is None else time.monotonic() + self.shrink_seconds
        tried = 0
        improved = True
        while improved:
            improved = False
            for cand in simplifications(spec):
                if tried >= self.shrink_examples or (stop is not None and time.monotonic() > stop) or (
                    self.deadline is not None and time.monotonic() > self.deadline
                ):
                    self.found = record
                    return False, tried
                tried += 1
                try:
                    out, _ = run_deterministic(self.variant, cand)
                except DegenerateCase:
                    continue
                if out.violation:
                    spec, record, improved = cand, out.record, True
                    break
        self.found, self.found_spec = record, spec
        return True, tried

    # ------------------------------------------------------------------------------ summaries
    def sequential_summary(self) -> dict[str, Any] | None:
        if not self.variant.probabilistic:
            return None
        pops = list(self.pops.values())
        out: dict[str, Any] = {"populations": len(pops), "samples": self.samples}
        if pops:
            most = max(pops, key=lambda p: (p.test.samples, -p.test.index))
            t = most.test
            out["most_sampled"] = {**t.summary(), "delta": t.delta,
                                   "detectable_rate_50": detectable_rate(t.samples, t.delta, t.alpha, 0.5),
                                   "detectable_rate_90": detectable_rate(t.samples, t.delta, t.alpha, 0.9)}
            out["note"] = ("a population violated at rate >= detectable_rate_50 (resp. _90) would have been "
                           "refuted with probability >= 1/2 (resp. 0.9) by the samples the most sampled "
                           "population got, at its level alpha")
        return out


def idle_knobs(variant: Variant) -> tuple[str, ...]:
    """The knobs that cannot change the verdict of ``variant`` on a sample: the Q-CD starts, order and seed
    unless its solutions are Q-CD outputs, and nu unless its solutions are nu-local or Q-CD outputs or it
    uses nu or is_local.  Two specs that differ only in them are one population to the sequential test (else
    the directed phase, moving such a knob, would start a new test on the same samples)."""
    idle: list[str] = []
    if variant.solutions != "qcd":
        idle += ["starts", "order", "qcd_seed"]
    if variant.solutions not in ("local", "qcd") and not {"nu", "is_local"} & variant.quantities:
        idle += ["nu_mode", "nu_frac", "nu"]
    return tuple(idle)


def _variant_id(variant: Variant) -> str:
    text = json.dumps([variant.name, str(variant.claim), variant.solutions, variant.probabilistic,
                       {k: str(v) for k, v in variant.assumptions.items()}, repr(variant.space)], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _database_file(variant: Variant) -> Path:
    return cache_dir() / "variants" / f"{_variant_id(variant)}.json"


def check_variant(
    variant: Variant,
    *,
    budget: float | None = None,
    seed: int = 0,
    false_alarm: float = DEFAULT_FALSE_ALARM,
    shrink_seconds: float | None = DEFAULT_SHRINK_SECONDS,
    shrink_examples: int = DEFAULT_SHRINK_EXAMPLES,
    max_examples: int | None = None,
    database: bool | None = None,
    tightness: bool = False,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> Verdict:
    """Try to refute ``variant`` (module doc).

    ``budget``: seconds (default :data:`DEFAULT_BUDGET` when ``max_examples`` is None, else no time limit);
    ``max_examples``: examples at most (then, with no budget, the verdict does not depend on the clock);
    ``seed`` seeds hypothesis and the other phases; ``false_alarm``: the probability that a true
    probabilistic claim is refuted; ``shrink_seconds`` / ``shrink_examples`` cap the shrinking of a
    counterexample (the seconds only when a time budget applies); ``database``: read and store
    counterexamples in the cache folder (default: on without ``max_examples``, off with it);
    ``tightness``: summarize bound / bounded and bound - bounded of each relation over the checked
    solutions; ``progress`` is called after every example with a dict (examples, min_slack, seconds).
    """
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings, target
    from hypothesis import seed as hyp_seed
    from hypothesis.errors import HypothesisException

    if max_examples is not None:
        max_examples = check_positive_int(max_examples, "max_examples")
    if budget is None and max_examples is None:
        budget = DEFAULT_BUDGET
    if budget is not None:
        budget = check_positive_real(budget, "budget")
    seed = check_positive_int(seed, "seed", min_val=0)
    false_alarm = check_probability(false_alarm, "false_alarm")
    if shrink_seconds is not None:
        shrink_seconds = check_positive_real(shrink_seconds, "shrink_seconds", allow_zero=True)
    shrink_examples = check_positive_int(shrink_examples, "shrink_examples", min_val=0)
    if database is None:
        database = max_examples is None
    if budget is None:
        shrink_seconds = None  # nothing may depend on the clock
    t0 = time.monotonic()
    search = _Search(
        variant, seed=seed, false_alarm=false_alarm, deadline=None if budget is None else t0 + budget,
        max_examples=max_examples, shrink_seconds=shrink_seconds, shrink_examples=shrink_examples,
        progress=progress, tightness=tightness, t0=t0,
    )
    calls = [0]

    def probe(spec: CaseSpec) -> None:
        out = search.evaluate(spec, "random")
        if out is not None and out.applicable and math.isfinite(out.min_slack):
            target(-out.min_slack, label="negative slack")
        calls[0] += 1
        if calls[0] % 2 == 0:
            search.extreme_step(spec)
        search.directed_step()

    stopped = "budget"
    try:
        if database:
            stored = _load_stored(variant)
            if stored is not None:
                search.evaluate(stored, "database")
        round_seed = seed
        while not search.out_of_budget():
            before = search.examples
            run = settings(
                database=None, max_examples=10**9, deadline=None, derandomize=False, print_blob=False,
                phases=(Phase.generate, Phase.target), report_multiple_bugs=False,
                suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
            )(hyp_seed(round_seed)(given(variant.space.strategy())(probe)))
            try:
                run()
                stopped = "exhausted"
            except HypothesisException:
                stopped = "exhausted"  # e.g. Unsatisfiable: no example met the assumptions
            if search.examples == before:
                break
            round_seed += 1
    except _Found:
        stopped = "refuted"
    except _Stop:
        stopped = "budget"
    except KeyboardInterrupt:
        stopped = "interrupted"
    shrunk, steps = False, 0
    if search.found is not None and not variant.probabilistic and stopped != "interrupted":
        shrunk, steps = search.shrink()
    if search.found is not None and database:
        _store(variant, search.found_spec)
    if search.found is not None:
        search.found["seed"] = seed
        search.found["found_by"] = search.found_by
    min_slack = search.min_slack if math.isfinite(search.min_slack) else None
    return Verdict(
        name=variant.name,
        refuted=search.found is not None,
        examples_tried=search.examples,
        counterexample=search.found,
        min_slack=min_slack,
        seed=seed,
        seconds=time.monotonic() - t0,
        probabilistic=variant.probabilistic,
        false_alarm=false_alarm if variant.probabilistic else None,
        checks=search.checks,
        undefined=search.undefined,
        rejected=search.rejected,
        stopped=stopped,
        shrunk=shrunk,
        worst=search.worst,
        degenerate=search.degenerate,
        phases=dict(search.phase_counts),
        found_by=search.found_by,
        max_examples=max_examples,
        shrink_steps=steps,
        sequential=search.sequential_summary(),
        tightness=search.tight.summary() if search.tight is not None else None,
    )


def _load_stored(variant: Variant) -> CaseSpec | None:
    path = _database_file(variant)
    try:
        data = json.loads(path.read_text())
        return CaseSpec(data["config"], data["knobs"], variant.space)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store(variant: Variant, spec: CaseSpec | None) -> None:
    if spec is None:
        return
    path = _database_file(variant)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"config": spec.config, "knobs": spec.knobs}, default=str))
    except OSError:
        pass  # a read-only cache only loses the shortcut


__all__ = [
    "DEFAULT_BUDGET", "DEFAULT_FALSE_ALARM", "DEFAULT_SHRINK_EXAMPLES", "DEFAULT_SHRINK_SECONDS", "PHASES",
    "ExampleResult", "Verdict", "alpha_of_test", "cache_dir", "case_from_record", "check_variant", "replay",
    "run_deterministic", "use_cache_for_hypothesis",
]
