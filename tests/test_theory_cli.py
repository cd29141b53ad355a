"""``qtheory theory``: listing, description, LaTeX, evaluation, JSON, warnings and errors."""

from __future__ import annotations

import json
import math

import pytest

from qtheory.cli import main

L1_ARGS = ["B=1", "n=1000", "p=10", "Qsize=5", "k=3", "delta=0.05"]
L2_ARGS = ["a=2", "lam=0.5", "d=0.25", "U=0.1", "nu=0", "Qsize=9"]


def run(capsys, *argv):
    code = main(["theory", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_list_and_describe(capsys):
    code, out, _ = run(capsys)
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == [
        "L1", "A0", "A", "L2", "B", "C", "V1", "V2", "V3", "V4"]
    code, out, _ = run(capsys, "B")
    assert code == 0 and "hypotheses: s <= p, a*U < 1" in out and "symbols:" in out
    code, out, _ = run(capsys, "A0", "--latex")
    assert code == 0 and out.startswith(r"\Gamma + 2 D_{\mathrm{dense}} = ") and r"\delta'" in out


def test_eval_prints_the_value(capsys):
    code, out, err = run(capsys, "L1", "--eval", *L1_ARGS)
    D = math.sqrt((3 * math.log(50) + math.log(2 * 11 / 0.05)) / 2000)
    assert code == 0 and float(out) == pytest.approx(D, rel=1e-12) and err == ""


def test_eval_json_with_extras(capsys):
    code, out, err = run(capsys, "L2", "--json", "--eval", *L2_ARGS)
    doc = json.loads(out)
    assert code == 0 and err == ""
    assert set(doc) >= {"name", "value", "hypotheses", "latex", "c_Q"}
    assert doc["value"] == pytest.approx(0.75) and doc["c_Q"] == pytest.approx(0.25 - 0.0625 / 4)
    assert all(doc["hypotheses"].values())


def test_unmet_hypothesis_still_prints_with_warning(capsys):
    code, out, err = run(capsys, "L2", "--json", "--eval", *[a for a in L2_ARGS if not a.startswith("U=")], "U=0.6")
    doc = json.loads(out)
    # a negative verdict (the result does not apply here): exit 1, the same in text mode
    assert code == 1 and doc["hypotheses"]["a*U < 1"] is False and doc["value"] == pytest.approx(0.75)
    assert "warning" in err and "a*U < 1" in err
    code, out, err = run(capsys, "L2", "--eval", *[a for a in L2_ARGS if not a.startswith("U=")], "U=0.6")
    assert code == 1 and float(out) == pytest.approx(0.75) and "a*U < 1" in err


def test_V1_defaults_M_and_C_at_nu_zero(capsys):
    base = ["Ln=0.05", "k=3", "n=1e3", "p=10", "Qsize=5", "delta=0.05"]
    code, out1, _ = run(capsys, "V1", "--eval", *base)
    code2, out2, _ = run(capsys, "V1", "--eval", *base, "M=100")
    assert code == code2 == 0 and float(out2) > float(out1) > 0.05
    code, out, err = run(capsys, "C", "--json", "--eval", "F0=1", "nu=0")
    assert code == 1 and json.loads(out)["value"] is None and "nu > 0" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["X"], "NAME == 'X', must be one of 'L1'"),
        (["L1", "--eval", "foo=1"], "unknown symbol 'foo'; accepted symbols: B n p Qsize"),
        (["L1", "--eval", *L1_ARGS[:-1], "delta=1.5"], "delta == 1.5, must be in (0.0, 1.0)"),
        (["L1", "--eval", *L1_ARGS[:-1], "delta=0"], "delta == 0, must be in (0.0, 1.0)"),
        (["L1", "--eval", "n=1.5"], "n == 1.5, must be an integer in [1, inf)"),
        (["L1", "--eval", "n=abc"], "n == 'abc' is not a number"),
        (["L1", "--eval", "n"], "--eval expects SYMBOL=VALUE"),
        (["L1", "--eval", "n=1", "n=2"], "given twice"),
        (["L1", "--eval", *L1_ARGS, "s=2"], "unknown symbol s for L1; it uses B n p Qsize k delta"),
        (["L1", "--eval", "B=1"], "L1 needs a value for n, p, Qsize, k, delta"),
        (["--eval", "B=1"], "NAME is required with --eval"),
        (["V1", "--eval", "Ln=2"], "Ln == 2, must be in [0.0, 1.0]"),
    ],
)
def test_bad_input_one_error_line_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("qtheory theory: error: ") and message in err
