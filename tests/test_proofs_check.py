"""proofs_check: every step of docs/theory.md passes, and planted false steps are caught."""

from __future__ import annotations

import dataclasses
import io
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import sympy as sp

import proofs_check
from proofs_check import a0, c, chain, l2
from proofs_check.core import FAILED, exhaustive, identity, linear_certificate, sign, squares
from proofs_check.runner import run_steps
from qtheory.theory import A_CONST, DENSE_RADIUS
from qtheory.theory.symbols import Gamma, U, a, d, nu


def test_every_step_passes_and_exit_code_zero():
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "proofs_check"], capture_output=True, text=True, timeout=600,
                          cwd=root)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "0 FAILED" in done.stdout
    header = done.stdout.splitlines()[0].split()
    assert header == ["result", "step", "method", "outcome"]
    for module in ("L1", "A0", "A", "L2", "B", "C", "V1", "V2", "V3", "V4", "hypotheses"):
        assert f"\n{module} " in done.stdout
    assert "steps per method: " in done.stdout and "checker error" not in done.stdout


def _run(steps):
    out = io.StringIO()
    code = run_steps(steps, out=out)
    return code, out.getvalue()


def test_planted_false_steps_fail():
    k = sp.Symbol("k", nonnegative=True)
    cq = sp.Symbol("c", positive=True)
    planted = [
        # docs/theory.md's AM-GM step with the wrong constant: max_k sqrt(A k) - c k is A/(4c), not A/(8c)
        sign("planted", "sqrt(A k) - c k <= A/(8c)", A_CONST / (8 * cq) - (sp.sqrt(A_CONST * k) - cq * k)),
        # an excess-risk bound with no statistical term: L(beta~) - L*_Q <= Gamma
        linear_certificate("planted", "excess <= Gamma", a0.L_t - a0.L_q, Gamma,
                           {"Gamma-suboptimal": a0.Ln_min + Gamma - a0.Ln_t, "min": a0.Ln_q - a0.Ln_min}),
        # the chain of theorem A with one slack dropped (L1 at the reference point)
        linear_certificate("planted", "chain without L1 at beta*_eps", chain.TARGET_EXCESS,
                           chain.TARGET_EXCESS + 1,
                           {k_: v for k_, v in chain.slacks(cq, "c").items() if k_ != "L1 at beta*_eps"}),
        # L2's contradiction without a U < 1: nu < (1/a - U) d^2/2 only
        sign("planted", "L2 contradiction without a U < 1", -2 * nu - (U - 1 / a) * d**2, strict=True),
        # D(k) >= sqrt(A k) + sqrt(C0) (the reverse of the true inequality)
        squares("planted", "sqrt(x) + sqrt(y) <= sqrt(x + y)", sp.sqrt(a) + sp.sqrt(d), sp.sqrt(a + d)),
        identity("planted", "2 D_dense = Gamma", 2 * DENSE_RADIUS, Gamma),
    ]
    code, table = _run(planted)
    assert code == 1
    assert table.count(FAILED) == len(planted) + 1  # one per row, plus the summary count
    assert "counterexample" in table


def test_planted_false_exhaustive_claim_every_qcd_output_is_global():
    """'Every Q-CD output is a global minimizer' is false; the exhaustive check finds a table."""

    def check():
        for values in itertools.product(range(3), repeat=5):
            table = np.array(values, dtype=float)
            for start in range(-2, 3):
                out, _, _ = c.qcd(table, (start,), 2, 0.0)
                if table[out[0] + 2] > table.min():
                    return False, f"F={values}, start={start} ends at {out}"
        return True, ""

    code, table = _run([exhaustive("planted", "Q-CD output is global", "p=1, K=2, F in {0,1,2}", check)])
    assert code == 1 and "ends at" in table


def test_planted_step_in_a_module_makes_main_fail(monkeypatch, capsys):
    bad = identity("L2", "planted: c_Q = a lam^2/2", l2.C_Q, a * sp.Symbol("lambda", positive=True) ** 2 / 2)
    monkeypatch.setattr(proofs_check, "MODULES", ("l2",))
    monkeypatch.setattr(l2, "STEPS", [*l2.STEPS, bad])
    assert proofs_check.main([]) == 1
    assert "failed: L2 / planted: c_Q = a lam^2/2" in capsys.readouterr().out


def test_a_false_step_of_each_kind_fails_and_checker_errors_are_reported():
    """One planted false step per method, and one step per kind of checker error (a step that cannot fail)."""
    from proofs_check.core import HYPOTHESIS, certificate, numeric_grid

    x, y = sp.symbols("x y", positive=True)
    delta, M = sp.symbols("delta M", positive=True)
    planted = {
        "identity": identity("planted", "(x + y)^2 = x^2 + y^2", (x + y) ** 2, x**2 + y**2),
        "sign": sign("planted", "x - y >= 0", x - y),
        "certificate": certificate("planted", "x - y = (x - y)^2 >= 0", x - y, (x - y) ** 2),
        "squares": squares("planted", "sqrt(x + y) <= sqrt(x)", sp.sqrt(x + y), sp.sqrt(x)),
        "linear certificate": linear_certificate("planted", "x <= y", x, y, {"y": y}, requires={"y": HYPOTHESIS}),
        "exhaustive": exhaustive("planted", "every n <= 3 is even", "n <= 3",
                                 lambda: (all(n % 2 == 0 for n in range(4)), "n = 1")),
        "numeric grid": numeric_grid("planted", "exp(t) <= 1 + t", "t in [0, 1]",
                                     lambda: (all(np.exp(t) <= 1 + t for t in np.linspace(0, 1, 5)), "")),
        # checker errors: steps that cannot fail
        "true as built": identity("planted", "M (delta/M) = delta", M * (delta / M), delta),
        "premise unused": identity("planted", "x + y - y = x", x + y - y + 0 * x, x, {y: x}),
        "premise is the conclusion": certificate("planted", "t - x >= 0 with t = x + y", (x + y) - x, y),
        "slack without justification": linear_certificate("planted", "x <= x + y", x, x + y, {"y": y}),
        "slack on a missing step": linear_certificate("planted", "x <= x + y", x, x + y, {"y": y},
                                                      requires={"y": "nowhere / no such step"}),
    }
    for kind, step in planted.items():
        code, table = _run([step])
        assert code == 1, f"the planted {kind} step passed:\n{table}"
        if kind in ("true as built", "premise unused", "premise is the conclusion", "slack without justification"):
            assert "checker error" in table, (kind, table)
    assert "steps per method:" in _run([planted["sign"]])[1]


def test_hypothesis_objects_are_checked_against_the_statements(monkeypatch):
    """A weakened L2 hypothesis (nu <= instead of nu <) or a missing one fails the hypotheses step."""
    from proofs_check import hypotheses
    from qtheory.theory import L2

    (step_l2, step_all) = hypotheses.STEPS
    assert step_l2.outcome().ok and step_all.outcome().ok
    weak = dict(hypotheses.L2_HYPOTHESES)
    weak["nu < (1/a - U)*d^2/2"] = sp.Le(nu, (1 / a - U) * d**2 / 2)
    monkeypatch.setattr(hypotheses, "L2_HYPOTHESES", weak)
    assert not step_l2.outcome().ok
    fewer = {k_: v for k_, v in L2.hypotheses.items() if k_ != "a*lam <= R"}
    monkeypatch.setitem(hypotheses.RESULTS, "L2", dataclasses.replace(L2, hypotheses=fewer))
    assert "missing" in step_all.outcome().detail
