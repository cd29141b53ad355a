"""Search for counterexamples to a :class:`qtheory.variants.Variant` with hypothesis, within a time budget.

Deterministic claims.  Each example is one toy problem (drawn by ``variant.space``), built and enumerated
exactly; any verified violation refutes the claim, and hypothesis then shrinks the problem towards a minimal
one (for at most ``shrink_seconds``).

Probabilistic claims (asserted with probability >= 1 - delta').  Each example fixes a population and the
claim's knobs, and the training set is resampled over that population.  A screen draws
``space.screen_resamples`` samples (data seeds seed, seed + 1, ...) and counts the samples on which the
claim is violated somewhere; a count significant at ``space.screen_level`` (one-sided binomial test, no
correction: the screen only decides where to look) sends the population to a test on R = ``space.resamples``
fresh samples, whose data seeds (from ``CONFIRM_SEED_BASE``) are used nowhere else in the search.  Under the
claim the test's count V is stochastically at most Binomial(R, delta'), so the test refutes the claim when
P(Binomial(R, delta') >= V) <= alpha_j.  The j-th test of a search gets alpha_j = alpha / (j (j + 1)), which
sums to alpha (the ``false_alarm`` rate): a true claim is refuted with probability at most alpha however long
the search runs.  Sampling stops early once V reaches the critical count (the verdict is that of all R
samples, since V only grows) or can no longer reach it.  A test draws fresh samples each time it runs, so
its outcome cannot be replayed: probabilistic counterexamples are not shrunk.

``hypothesis.target`` steers the search towards small slack (and, for probabilistic claims, a screen count
far above R delta'; only screen results steer).  The search stops at the budget; a verdict reports the examples tried and the smallest slack
seen, and a refutation comes with a reproducible record: the hypothesis seed, the problem as a TOML file
(``qtheory.problem.load_problem`` rebuilds it; the data seed is that of the violating sample), the resolved
knobs, the solution's codes and quantities, and the slack.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from qtheory.jsonable import to_jsonable
from qtheory.strategies import Case, CaseSpec, build_case, to_toml
from qtheory.validation import check_positive_int, check_positive_real, check_probability
from qtheory.variants import CaseResult, Variant, evaluate_case

#: default time budget of one check (seconds)
DEFAULT_BUDGET = 60.0
#: default cap on the time spent shrinking a counterexample (seconds)
DEFAULT_SHRINK_SECONDS = 20.0
#: default false-alarm rate of probabilistic refutations (over the whole search)
DEFAULT_FALSE_ALARM = 0.01
#: data seeds of the tests' fresh training samples start here (screening uses seeds below 2^17)
CONFIRM_SEED_BASE = 2**20


class _Stop(BaseException):
    """Budget spent: stops hypothesis at once (a BaseException is not a test failure to shrink)."""


class _Violation(Exception):
    """A verified violation: the failure hypothesis shrinks."""


class _Crash(BaseException):
    """An error while evaluating an example: stops the search and is re-raised."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


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

    @property
    def verdict(self) -> str:
        return "refuted" if self.refuted else "not refuted"

    def to_json(self) -> dict[str, Any]:
        return to_jsonable({
            "name": self.name,
            "verdict": self.verdict,
            "examples_tried": self.examples_tried,
            "counterexample": self.counterexample,
            "min_slack": self.min_slack,
            "seed": self.seed,
            "seconds": round(self.seconds, 3),
            "probabilistic": self.probabilistic,
            "false_alarm": self.false_alarm,
            "checks": self.checks,
            "undefined": self.undefined,
            "rejected": self.rejected,
            "stopped": self.stopped,
            "shrunk": self.shrunk,
        }, nonfinite="string")


# ===================================================================================== statistics
def critical_count(R: int, delta: float, alpha: float) -> int | None:
    """Smallest v with P(Binomial(R, delta) >= v) <= alpha, or None when even v = R is not that unlikely."""
    from scipy.stats import binom

    v = np.arange(R + 1)
    tail = binom.sf(v - 1, R, delta)
    ok = np.flatnonzero(tail <= alpha)
    return int(ok[0]) if ok.size else None


def binomial_p_value(v: int, R: int, delta: float) -> float:
    """P(Binomial(R, delta) >= v)."""
    from scipy.stats import binom

    return float(binom.sf(v - 1, R, delta))


def alpha_of_test(i: int, false_alarm: float) -> float:
    """alpha_i = alpha / (i (i + 1)) for the i-th test (i >= 1); sum over i of alpha_i = alpha."""
    return false_alarm / (i * (i + 1))


# ===================================================================================== one example
@dataclass
class ExampleResult:
    """One drawn example: deterministic (one sample) or probabilistic (R samples over one population)."""

    applicable: bool
    violation: bool
    min_slack: float
    checks: int
    undefined: int
    record: dict[str, Any] | None
    frequency: float = 0.0  # probabilistic: z-score of the screen's violation count against delta'
    seen_slack: float | None = None  # smallest slack over every sample (min_slack: over those that steer)

    def __post_init__(self) -> None:
        if self.seen_slack is None:
            self.seen_slack = self.min_slack


def _case_record(case: Case, result: CaseResult) -> dict[str, Any]:
    rec = dict(result.worst or {})
    rec["problem_toml"] = to_toml(case.config)
    rec["params"] = dict(case.params)
    return rec


def run_deterministic(variant: Variant, spec: CaseSpec) -> ExampleResult:
    case = build_case(spec)
    res = evaluate_case(variant, case)
    rec = _case_record(case, res) if res.worst is not None else None
    return ExampleResult(res.applicable, res.violation, res.min_slack, res.checks, res.undefined, rec)


@dataclass
class _Tally:
    """Violations over a run of training samples of one population."""

    seeds: list[int]
    count: int = 0
    tried: int = 0
    applicable: int = 0
    checks: int = 0
    undefined: int = 0
    min_slack: float = math.inf
    bad_seeds: list[int] = field(default_factory=list)
    worst: dict | None = None
    worst_case: Case | None = None
    best_key: tuple | None = None


def _resample(
    variant: Variant, spec: CaseSpec, base: Case | None, seeds: list[int], v_star: int | None,
    deadline: float | None, stop_when_reached: bool = True,
) -> tuple[_Tally, Case | None]:
    """Evaluate the claim on the training samples ``seeds`` until the count of violating samples can no
    longer reach ``v_star`` or (``stop_when_reached``) has reached it.  The first case built (when ``base``
    is None) fixes penalty and nu for the others."""
    tally = _Tally(list(seeds))
    for seed_r in seeds:
        if v_star is None or tally.count + (len(seeds) - tally.tried) < v_star:
            break
        if deadline is not None and time.monotonic() > deadline:
            raise _Stop()
        case = build_case(spec.with_seed(seed_r)) if base is None else build_case(spec.with_seed(seed_r), like=base)
        base = base or case
        res = evaluate_case(variant, case)
        tally.tried += 1
        tally.applicable += res.applicable
        tally.checks += res.checks
        tally.undefined += res.undefined
        tally.min_slack = min(tally.min_slack, res.min_slack)
        if res.violation:
            tally.count += 1
            tally.bad_seeds.append(seed_r)
        if res.worst is not None:
            key = (not res.violation, res.min_slack)  # a violation first, then the smallest slack
            if tally.best_key is None or key < tally.best_key:
                tally.best_key, tally.worst, tally.worst_case = key, res.worst, case
        if stop_when_reached and tally.count >= v_star:
            break
    return tally, base


def _z_score(count: int, tried: int, delta: float) -> float:
    """(count - tried delta') / sqrt(tried delta' (1 - delta')): how far the violations exceed delta'."""
    if tried == 0:
        return 0.0
    return (count - tried * delta) / math.sqrt(tried * delta * (1 - delta))


def run_probabilistic(
    variant: Variant, spec: CaseSpec, next_test: Callable[[], int], false_alarm: float,
    deadline: float | None = None,
) -> ExampleResult:
    """Screen the population of ``spec`` on ``space.screen_resamples`` training samples (data seeds seed,
    seed + 1, ...); if the violation count is significant at ``space.screen_level``, test it on
    ``space.resamples`` fresh samples (seeds never used elsewhere in the search) at level alpha_j, j =
    ``next_test()`` (module doc)."""
    space = spec.space
    delta = float(spec.knobs["delta"])
    seed0 = int(spec.config["data"]["seed"])
    R_s, R_c = space.screen_resamples, space.resamples
    v_s = critical_count(R_s, delta, space.screen_level)
    screen, base = _resample(
        variant, spec, None, [seed0 + r for r in range(R_s)], v_s, deadline, stop_when_reached=False
    )
    tallies = {"screen": screen}
    refuted, alpha, v_c = False, None, None
    if v_s is not None and screen.count >= v_s:
        j = next_test()
        alpha = alpha_of_test(j, false_alarm)
        v_c = critical_count(R_c, delta, alpha)
        seeds = [CONFIRM_SEED_BASE + (j - 1) * R_c + r for r in range(R_c)]
        test, _ = _resample(variant, spec, base, seeds, v_c, deadline)
        tallies["test"] = test
        refuted = v_c is not None and test.count >= v_c
    decisive = tallies.get("test", screen)
    shown = decisive if decisive.worst is not None else screen
    record = None
    if shown.worst is not None:
        record = _case_record(shown.worst_case, CaseResult(True, worst=shown.worst))
        record["resampling"] = {
            "delta": delta,
            "screen": {
                "samples": screen.tried, "violations": screen.count, "seeds": f"{seed0}..{seed0 + R_s - 1}",
                "level": space.screen_level, "violating_seeds": screen.bad_seeds,
            },
        }
        if "test" in tallies:
            t = tallies["test"]
            record["resampling"]["test"] = {
                "resamples": R_c, "samples_drawn": t.tried, "violations": t.count, "critical_count": v_c,
                "alpha": alpha, "p_value": binomial_p_value(t.count, R_c, delta),
                "seeds": f"{t.seeds[0]}..{t.seeds[-1]}", "violating_seeds": t.bad_seeds,
            }
    all_t = list(tallies.values())
    return ExampleResult(
        applicable=sum(t.applicable for t in all_t) > 0,
        violation=refuted,
        min_slack=screen.min_slack,
        checks=sum(t.checks for t in all_t),
        undefined=sum(t.undefined for t in all_t),
        record=record,
        frequency=_z_score(screen.count, screen.tried, delta),
        seen_slack=min(t.min_slack for t in all_t),
    )


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


# ===================================================================================== the search
@dataclass
class _State:
    examples: int = 0
    tests: int = 0
    rejected: int = 0
    checks: int = 0
    undefined: int = 0
    min_slack: float = math.inf
    worst: dict | None = None
    found: dict | None = None
    found_at: float | None = None
    shrink_done: bool = False


def check_variant(
    variant: Variant,
    *,
    budget: float = DEFAULT_BUDGET,
    seed: int = 0,
    false_alarm: float = DEFAULT_FALSE_ALARM,
    shrink_seconds: float | None = DEFAULT_SHRINK_SECONDS,
    max_examples: int | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> Verdict:
    """Try to refute ``variant`` within ``budget`` seconds (module doc).

    ``seed`` seeds hypothesis (rounds after the first use seed + 1, seed + 2, ...); ``false_alarm`` is the
    probability that a true probabilistic claim is refuted (ignored for deterministic claims);
    ``shrink_seconds`` caps the time spent shrinking a counterexample (None: the rest of the budget);
    ``max_examples`` stops after that many examples; ``progress`` is called after every example with a dict
    (examples, min_slack, seconds).
    """
    from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings, target
    from hypothesis import seed as hyp_seed
    from hypothesis.errors import HypothesisException

    budget = check_positive_real(budget, "budget")
    seed = check_positive_int(seed, "seed", min_val=0)
    false_alarm = check_probability(false_alarm, "false_alarm")
    if shrink_seconds is not None:
        shrink_seconds = check_positive_real(shrink_seconds, "shrink_seconds", allow_zero=True)
    if max_examples is not None:
        max_examples = check_positive_int(max_examples, "max_examples")
    t0 = time.monotonic()
    deadline = t0 + budget
    state = _State()

    def stop_now() -> bool:
        now = time.monotonic()
        if now > deadline:
            return True
        if state.found is not None and shrink_seconds is not None and now > state.found_at + shrink_seconds:
            return True
        return state.found is None and max_examples is not None and state.examples >= max_examples

    def next_test() -> int:
        state.tests += 1
        return state.tests

    def probe(spec: CaseSpec) -> None:
        if stop_now():
            raise _Stop()
        state.examples += 1
        try:
            if variant.probabilistic:
                out = run_probabilistic(variant, spec, next_test, false_alarm, deadline=deadline)
            else:
                out = run_deterministic(variant, spec)
        except (_Stop, KeyboardInterrupt):
            raise
        except Exception as exc:  # an error in the variant or the toolkit: stop and report it
            raise _Crash(exc) from exc
        state.checks += out.checks
        state.undefined += out.undefined
        if progress is not None:
            progress({"examples": state.examples, "min_slack": min(state.min_slack, out.seen_slack),
                      "seconds": time.monotonic() - t0})
        if not out.applicable:
            state.rejected += 1
            reject()
        if out.seen_slack < state.min_slack:
            state.min_slack = out.seen_slack
            state.worst = out.record
        if math.isfinite(out.min_slack):
            target(-out.min_slack, label="negative slack")
        if variant.probabilistic:
            target(out.frequency, label="violation excess (z)")
        if out.violation:
            state.found = out.record
            if state.found_at is None:
                state.found_at = time.monotonic()
            raise _Violation()

    # a probabilistic test draws fresh samples every time it runs, so its outcome cannot be replayed:
    # shrinking is for deterministic claims only
    phases = (Phase.generate, Phase.target) + (() if variant.probabilistic else (Phase.shrink,))
    stopped = "budget"
    round_seed = seed
    while not stop_now():
        before = state.examples
        run = settings(
            database=None, max_examples=10**9, deadline=None, derandomize=False, print_blob=False,
            phases=phases, report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
        )(hyp_seed(round_seed)(given(variant.space.strategy())(probe)))
        try:
            run()
            stopped = "exhausted"
        except _Violation:
            state.shrink_done = not variant.probabilistic
        except _Stop:
            stopped = "budget"
        except _Crash as crash:
            raise crash.error
        except KeyboardInterrupt:
            stopped = "interrupted"
            break
        except HypothesisException:
            # e.g. Unsatisfiable (no example met the assumptions) or a flaky replay after the budget ran
            # out during shrinking; the verdict rests on the recorded, verified violation.
            stopped = "exhausted"
        except BaseException as exc:
            if state.found is None or type(exc).__name__ not in ("FlakyFailure", "Flaky", "FlakyReplay"):
                raise
        if state.found is not None:
            state.found["seed"] = round_seed
            break
        if state.examples == before:  # the round drew nothing: more rounds would not either
            break
        round_seed += 1
    if state.found is not None and stopped != "interrupted":
        stopped = "refuted"
    min_slack = state.min_slack if math.isfinite(state.min_slack) else None
    return Verdict(
        name=variant.name,
        refuted=state.found is not None,
        examples_tried=state.examples,
        counterexample=state.found,
        min_slack=min_slack,
        seed=seed,
        seconds=time.monotonic() - t0,
        probabilistic=variant.probabilistic,
        false_alarm=false_alarm if variant.probabilistic else None,
        checks=state.checks,
        undefined=state.undefined,
        rejected=state.rejected,
        stopped=stopped,
        shrunk=state.shrink_done,
        worst=state.worst,
    )


__all__ = [
    "DEFAULT_BUDGET", "DEFAULT_FALSE_ALARM", "DEFAULT_SHRINK_SECONDS", "ExampleResult", "Verdict", "alpha_of_test", "binomial_p_value",
    "case_from_record", "check_variant", "critical_count", "replay", "run_deterministic", "run_probabilistic",
]
