"""The example variants through ``qtheory check-variant``: the true results L1, A, B, L2, C, V3 (and V1 with
the exact count) are not refuted, and every planted false variant is refuted, with a counterexample that
replays from its problem file.  Every run is bounded by a number of examples, not by the clock, so its
outcome is the same on any machine and under any load (the 60-second targets are measured by
benchmarks/variant_harness.py)."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from qtheory.cli import main
from qtheory.commands.check_variant import load_variants
from qtheory.harness import replay
from qtheory.problem import load_problem

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "variants"
TRUE = ["true_L1.py", "true_A.py", "true_B.py", "true_L2.py", "true_C.py", "true_V1_exact_count.py", "true_V3.py"]
FALSE = [
    "false_excess_le_gamma.py",
    "false_qcd_global.py",
    "false_L2_without_smoothness.py",
    "false_C_halved.py",
    "false_uniform_hoeffding.py",
    "false_L2_thin_window.py",
    "false_A0_rare.py",  # rare violations: refuted by the sequential test
]
#: examples for a true result (a true claim is never refuted; this bounds the test's time); a probabilistic
#: example costs tens of training samples
TRUE_EXAMPLES = {True: 10, False: 12}
#: cap on the examples for a planted false one (each is refuted well before it, at seed 0)
FALSE_EXAMPLES = 3000


def _check(capsys, *args):
    code = main(["check-variant", *map(str, args), "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_every_example_file_is_listed():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(TRUE + FALSE)


@pytest.mark.slow
@pytest.mark.parametrize("name", TRUE)
def test_true_results_are_not_refuted(capsys, name):
    examples = TRUE_EXAMPLES[any(v.probabilistic for v in load_variants(EXAMPLES / name))]
    code, out = _check(capsys, EXAMPLES / name, "--max-examples", examples)
    assert code == 0, out
    for one in out if isinstance(out, list) else [out]:
        assert one["verdict"] == "not refuted" and one["counterexample"] is None
        assert one["examples_tried"] == examples
        # not vacuous: solutions were judged with a finite slack (for L2 and B: local solutions with
        # non-zeros, for C: Q-CD runs), and the nearest miss is on record
        assert one["checks"] >= 1 and one["min_slack"] is not None
        assert one["nearest_miss"]["slack"] == pytest.approx(one["min_slack"])


@pytest.mark.slow
@pytest.mark.parametrize("name", FALSE)
def test_planted_false_variants_are_refuted(capsys, tmp_path, name):
    code, out = _check(capsys, EXAMPLES / name, "--save", tmp_path, "--max-examples", FALSE_EXAMPLES)
    assert code == 1, out
    assert out["verdict"] == "refuted" and out["found_by"] in ("random", "extreme", "directed")
    ce = out["counterexample"]
    assert ce["slack"] < 0 and out["min_slack"] <= ce["slack"]
    assert {"seed", "problem_toml", "params", "quantities", "codes", "relations"} <= set(ce)
    # the problem file written by --save is the record's, and loads
    saved = Path(ce["problem_file"])
    assert saved.read_text() == ce["problem_toml"]
    problem = load_problem(saved)
    assert problem.p == len(ce["codes"])
    # the violation replays on the saved problem with the recorded params (the violating sample, for a
    # probabilistic claim)
    (variant,) = load_variants(EXAMPLES / name)
    again = replay(variant, ce)
    assert again.violation and again.worst["slack"] == pytest.approx(ce["slack"], rel=1e-9, abs=1e-12)
    if variant.probabilistic:
        # the sequential test refuted: ln E_t reached ln(1/alpha_j) with alpha_j <= alpha
        test = ce["resampling"]["test"]
        assert test["log_e_value"] >= test["log_threshold"] == pytest.approx(-math.log(test["alpha"]))
        assert test["alpha"] <= out["false_alarm"] and test["refuted_at_sample"] == test["samples"]
        assert test["violations"] / test["samples"] > ce["resampling"]["delta"]


@pytest.mark.slow
def test_rare_violations_are_refuted_by_the_sequential_test(tmp_path, monkeypatch):
    """A population of false_A0_rare.py on which a 60-second search (seed 0) refuted the claim, about 3% of
    its training samples violating it (delta' = 0.01).  Stored as the database's counterexample, it is the
    first population tested, and its anytime-valid test refutes the claim within a few hundred samples."""
    from qtheory.harness import _database_file, check_variant
    from qtheory.strategies import CaseSpec

    monkeypatch.setenv("QTHEORY_CACHE", str(tmp_path))
    (variant,) = load_variants(EXAMPLES / "false_A0_rare.py")
    config = {
        "name": "variant-case", "grid": {"K": 1, "step": 0.05},
        "model": {"kind": "linear", "layers": [1, 1], "activation": "tanh", "bias": False},
        "loss": {"kind": "zero_one"},
        "data": {"kind": "teacher", "N": 20, "n": 16, "noise": 0.29160418622572226, "seed": 530,
                 "teacher_seed": 10472, "teacher_codes": [-1]},
    }
    knobs = {"s": 1, "delta": 0.01, "penalty_mode": "none", "nu_mode": "zero", "starts": ["zero"],
             "order": "cyclic", "qcd_seed": 0}
    path = _database_file(variant)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"config": config, "knobs": knobs}))
    verdict = check_variant(variant, max_examples=60, database=True)
    assert verdict.refuted and verdict.found_by == "database"
    test = verdict.counterexample["resampling"]["test"]
    assert test["index"] == 1 and test["log_e_value"] >= test["log_threshold"]
    # the record replays: its problem file (the violating sample) violates the claim
    assert replay(variant, verdict.counterexample).violation
    # rare: on 800 other samples the violation rate is a few times delta' = 0.01 (a stopped sequential test
    # overestimates it), within a 3-sigma binomial margin of 3%
    from qtheory.strategies import build_case
    from qtheory.variants import evaluate_case

    spec = CaseSpec(config, knobs, variant.space)
    base = build_case(spec)
    R = 800
    rate = np.mean([evaluate_case(variant, build_case(spec.with_seed(10**6 + r), like=base)).violation for r in range(R)])
    assert abs(rate - 0.03) <= 3 * math.sqrt(0.03 * 0.97 / R) and rate > 0.01


def test_cli_errors_and_selection(capsys, tmp_path):
    assert main(["check-variant", str(tmp_path / "missing.py")]) == 2
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    assert main(["check-variant", str(empty)]) == 2
    assert "define VARIANTS" in capsys.readouterr().err
    assert main(["check-variant", str(EXAMPLES / "true_L1.py"), "--name", "nope"]) == 2
    assert "--name == 'nope'" in capsys.readouterr().err
    two = tmp_path / "two.py"
    two.write_text(
        "from qtheory.strategies import ProblemSpace\n"
        "from qtheory.variants import Variant, excess, Gamma\n"
        "small = ProblemSpace(max_codes=100)\n"
        "VARIANTS = [Variant('nonnegative', excess >= -1, space=small),\n"
        "            Variant('zero', excess <= Gamma, space=small)]\n"
    )
    code, out = _check(capsys, two, "--name", "nonnegative", "--max-examples", 3)
    assert code == 0 and out["name"] == "nonnegative" and out["verdict"] == "not refuted"
    assert main(["check-variant", str(two), "--max-examples", "0"]) == 2
    assert "--max-examples == 0" in capsys.readouterr().err
    code = main(["check-variant", str(two), "--name", "zero", "--max-examples", "300", "--no-database"])
    text = capsys.readouterr().out
    assert code == 1 and "verdict: refuted" in text and "excess <= Gamma:  lhs = " in text and "[data]" in text
