"""Resampling one population (``qtheory.resample``) and screening many samples at once
(``qtheory.sample_batch``): each must give what a case built from the problem file gives, sample by sample."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from qtheory.commands.check_variant import load_variants
from qtheory.harness import check_variant
from qtheory.resample import PopulationResampler
from qtheory.sample_batch import BatchScreen, SampleBatch, screenable
from qtheory.strategies import CaseSpec, DegenerateCase, ProblemSpace, build_case, case_specs
from qtheory.variants import Variant, evaluate_case, excess

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "variants"
KNOBS = {"s": 1, "delta": 0.05, "penalty_mode": "free", "nu_mode": "zero", "starts": ["zero"], "order": "cyclic",
         "qcd_seed": 0}


def _teacher(loss: dict, penalty: dict | None, **data) -> dict:
    config = {
        "name": "t", "grid": {"K": 2, "step": 0.5},
        "model": {"kind": "mlp", "layers": [1, 2, 1], "activation": "tanh", "bias": True},
        "loss": loss,
        "data": {"kind": "teacher", "N": 40, "n": 15, "noise": 0.2, "seed": 3, "teacher_seed": 11, **data},
    }
    if penalty is not None:
        config["penalty"] = penalty
    return config


CONFIGS = {
    "teacher, squared loss, penalty": _teacher({"kind": "squared", "B": 4.0}, {"a": 1.5, "lam": 0.6}),
    "teacher, zero-one loss": {**_teacher({"kind": "zero_one"}, None),
                               "model": {"kind": "linear", "layers": [3, 1], "activation": "tanh", "bias": False}},
    "teacher, logistic loss, penalty": _teacher({"kind": "logistic", "B": 2.0}, {"a": 3.0, "lam": 0.2}),
    "analytic population": {
        "name": "r", "grid": {"K": 3, "step": 0.25},
        "model": {"kind": "linear", "layers": [3, 1], "activation": "tanh", "bias": False},
        "loss": {"kind": "squared", "B": 2.0}, "penalty": {"a": 2.0, "lam": 0.3},
        "data": {"kind": "rademacher", "n": 12, "seed": 5, "sigma": 0.4, "teacher_codes": [1, 0, -2]},
    },
}


def _spec(config: dict) -> CaseSpec:
    knobs = dict(KNOBS, penalty_mode="free" if "penalty" in config else "none")
    return CaseSpec(config, knobs, ProblemSpace())


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_a_resampled_case_is_the_case_built_from_the_problem_file(name):
    spec = _spec(CONFIGS[name])
    base = build_case(spec)
    assert PopulationResampler.applies(base)
    rs = PopulationResampler(base)
    assert rs.self_check()
    claim = Variant("excess <= 0.1", excess <= 0.1, solutions="any")
    for seed in (0, 1, 17, 4242):
        mine, built = rs.case(seed), build_case(spec.with_seed(seed), like=base)
        assert np.array_equal(mine.problem.train.X, built.problem.train.X)
        assert np.array_equal(mine.problem.train.y, built.problem.train.y)
        for table in built.exact.tables:
            assert np.allclose(mine.exact.tables[table], built.exact.tables[table], rtol=0, atol=1e-12), table
        assert mine.exact.Ln_min == pytest.approx(built.exact.Ln_min, abs=1e-12)
        if built.exact.F_min is not None:
            assert mine.exact.F_min == pytest.approx(built.exact.F_min, abs=1e-12)
        assert np.allclose(mine.exact.min_Ln_by_k, built.exact.min_Ln_by_k, rtol=0, atol=1e-12)
        assert mine.U == pytest.approx(built.U, rel=1e-9, abs=1e-9)
        assert mine.config == built.config and mine.params == built.params
        a, b = evaluate_case(claim, mine), evaluate_case(claim, built)
        assert (a.applicable, a.violation, a.checks) == (b.applicable, b.violation, b.checks)
        assert a.min_slack == pytest.approx(b.min_slack, abs=1e-12)


def test_the_resampler_refuses_what_it_cannot_draw():
    base = build_case(_spec(CONFIGS["teacher, zero-one loss"]))
    data = {k: v for k, v in base.config["data"].items() if k != "n"}
    fixed = dataclasses.replace(base, config={**base.config, "data": {**data, "kind": "csv"}})
    assert not PopulationResampler.applies(fixed)  # a CSV without n is used whole: there is nothing to resample
    with pytest.raises(ValueError, match="PopulationResampler needs"):
        PopulationResampler(fixed)


def _populations(space: ProblemSpace, count: int) -> list[CaseSpec]:
    specs: list[CaseSpec] = []

    @settings(max_examples=count, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(case_specs(space))
    def grab(spec):
        specs.append(spec)

    grab()
    return specs


SCREENED = ["false_A0_rare.py", "true_A.py", "true_L1.py", "false_uniform_hoeffding.py", "false_excess_le_gamma.py"]


@pytest.mark.parametrize("name", SCREENED)
def test_the_batch_screen_agrees_with_the_exact_evaluation_sample_by_sample(name):
    (variant,) = load_variants(EXAMPLES / name)
    assert screenable(variant)
    compared = 0
    for populations in (("teacher",), ("rademacher",)):
        space = dataclasses.replace(variant.space, populations=populations)
        if populations == ("rademacher",) and set(space.losses) == {"zero_one"}:
            continue  # the analytic population has the squared loss only
        v = dataclasses.replace(variant, space=space)
        for spec in _populations(space, 40):
            if compared >= 60 * (1 + (populations == ("rademacher",))):
                break
            try:
                base = build_case(spec)
            except DegenerateCase:
                continue
            rs = PopulationResampler(base)
            seeds = list(range(100, 116))
            screen = SampleBatch(v, rs).screen(seeds)
            for r, seed in enumerate(seeds):
                if screen.near_assumption[r]:
                    continue  # judged exactly by the search
                exact = evaluate_case(v, rs.case(seed))
                assert bool(screen.applicable[r]) == exact.applicable
                assert (screen.checks[r], screen.undefined[r]) == (exact.checks, exact.undefined)
                gap = abs(screen.min_slack[r] - exact.min_slack) if np.isfinite(exact.min_slack) else 0.0
                assert screen.min_slack[r] == exact.min_slack or gap <= screen.margin[r]
                compared += 1
    assert compared >= 60  # populations drawn until then (draws vary with the modules a process loaded)


def test_a_screen_sends_every_sample_near_a_threshold_to_the_exact_evaluation():
    screen = BatchScreen(
        applicable=np.array([True, True, True, True, False, True]), checks=np.ones(6, dtype=int),
        undefined=np.zeros(6, dtype=int), min_slack=np.array([1.0, -1e-9 + 5e-12, -0.5, 0.30, -1.0, 0.7]),
        margin=np.full(6, 1e-11), near_assumption=np.array([False] * 5 + [True]),
    )
    tol = 1e-9
    got = [screen.needs_exact(r, -tol, -np.inf) for r in range(6)]
    # clear of -tol; within round-off of -tol; a violation; clear; not applicable; an assumption within
    # round-off of failing
    assert got == [False, True, True, False, False, True]
    # a record: a tie within round-off keeps the old one; a sample below it by more than round-off replaces it
    assert not screen.needs_exact(3, -tol, 0.3) and not screen.needs_exact(3, -tol, 0.3 + 5e-12)
    assert screen.needs_exact(3, -tol, 0.3 + 1e-10) and not screen.needs_exact(0, -tol, 0.3 + 1e-10)


def test_claims_the_screen_cannot_judge_are_evaluated_one_sample_at_a_time():
    from qtheory.variants import Lcont, is_local, moves

    assert not screenable(Variant("local", excess <= 1, solutions="local"))
    assert not screenable(Variant("qcd", moves <= 10, solutions="qcd"))
    assert not screenable(Variant("is_local", is_local >= 1, solutions="global"))
    assert not screenable(Variant("Lcont", Lcont <= 1, solutions="global"))
    with pytest.raises(ValueError, match="cannot be screened"):
        base = build_case(_spec(CONFIGS["teacher, zero-one loss"]))
        SampleBatch(Variant("local", excess <= 1, solutions="local"), PopulationResampler(base))


@pytest.mark.parametrize("name,seed,examples", [("false_A0_rare.py", 1, 120), ("true_A.py", 0, 15)])
def test_screening_changes_the_speed_of_a_search_not_its_result(monkeypatch, name, seed, examples):
    """The same search with every sample judged exactly gives the same JSON (apart from seconds)."""
    import qtheory.sample_batch

    (variant,) = load_variants(EXAMPLES / name)

    def run() -> dict:
        out = check_variant(variant, seed=seed, max_examples=examples, database=False).to_json()
        out.pop("seconds")
        return out

    screened = run()
    monkeypatch.setattr(qtheory.sample_batch, "screenable", lambda v: False)
    exact = run()
    assert json.dumps(screened, sort_keys=True) == json.dumps(exact, sort_keys=True)
    assert screened["sequential"]["samples"] >= 20 * examples


def test_a_loss_matrix_too_large_is_not_built(monkeypatch):
    import qtheory.sample_batch

    rs = PopulationResampler(build_case(_spec(CONFIGS["teacher, zero-one loss"])))
    assert SampleBatch.fits(rs)
    monkeypatch.setattr(qtheory.sample_batch, "MAX_LOSS_ENTRIES", rs.codes.shape[0] * 40 - 1)  # |Q^p| N - 1
    assert not SampleBatch.fits(rs)
    analytic = PopulationResampler(build_case(_spec(CONFIGS["analytic population"])))
    assert SampleBatch.fits(analytic)  # no finite support: no loss matrix
