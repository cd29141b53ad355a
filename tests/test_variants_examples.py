"""The example variants through ``qtheory check-variant``: the true results L1, A, B, L2, C (and V1 with the
exact count) are not refuted, and every planted false variant is refuted within the default budget, with a
counterexample that replays from its problem file."""

import json
from pathlib import Path

import pytest

from qtheory.cli import main
from qtheory.commands.check_variant import load_variants
from qtheory.harness import DEFAULT_BUDGET, replay
from qtheory.problem import load_problem

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "variants"
TRUE = ["true_L1.py", "true_A.py", "true_B.py", "true_L2.py", "true_C.py", "true_V1_exact_count.py"]
FALSE = [
    "false_excess_le_gamma.py",
    "false_qcd_global.py",
    "false_L2_without_smoothness.py",
    "false_C_halved.py",
    "false_uniform_hoeffding.py",
]
#: search time for a true result in the tests (a true claim is never refuted; this bounds the test's time)
TRUE_BUDGET = 8


def _check(capsys, *args):
    code = main(["check-variant", *map(str, args), "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_every_example_file_is_listed():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(TRUE + FALSE)


@pytest.mark.slow
@pytest.mark.parametrize("name", TRUE)
def test_true_results_are_not_refuted(capsys, name):
    code, out = _check(capsys, EXAMPLES / name, "--budget", TRUE_BUDGET)
    assert code == 0, out
    assert out["verdict"] == "not refuted" and out["counterexample"] is None
    assert out["examples_tried"] >= 1
    # not vacuous: solutions were judged with a finite slack (for L2 and B: local solutions with
    # non-zeros, for C: Q-CD runs)
    assert out["checks"] >= 1 and out["min_slack"] is not None


@pytest.mark.slow
@pytest.mark.parametrize("name", FALSE)
def test_planted_false_variants_are_refuted(capsys, tmp_path, name):
    code, out = _check(capsys, EXAMPLES / name, "--save", tmp_path)
    assert code == 1, out
    assert out["verdict"] == "refuted"
    assert out["seconds"] <= DEFAULT_BUDGET + 10
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
        test = ce["resampling"]["test"]
        assert test["violations"] >= test["critical_count"] and test["p_value"] <= test["alpha"]
        assert test["alpha"] <= out["false_alarm"]


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
    code, out = _check(capsys, two, "--name", "nonnegative", "--budget", 1)
    assert code == 0 and out["name"] == "nonnegative" and out["verdict"] == "not refuted"
    code = main(["check-variant", str(two), "--name", "zero", "--budget", "30"])
    text = capsys.readouterr().out
    assert code == 1 and "verdict: refuted" in text and "excess <= Gamma:  lhs = " in text and "[data]" in text
