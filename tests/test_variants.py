"""The variant API: claims, slack, quantities and solution sets on exactly enumerated toy problems, the
binomial test of the harness, and counterexample records that reproduce through their problem files."""

import math

import numpy as np
import pytest
import sympy as sp
from scipy.stats import binom

from qtheory.harness import case_from_record, check_variant, replay, run_deterministic
from qtheory.sequential import RateTest, alpha_of_test, critical_count, detectable_rate, log_e_value
from qtheory.problem import load_problem
from qtheory.solve.certify import certify_local
from qtheory.strategies import CaseSpec, ProblemSpace, build_case
from qtheory.theory import RESULTS
from qtheory.theory.symbols import Gamma, delta, eps
from qtheory.variants import (
    F,
    Fmin,
    QUANTITIES,
    Variant,
    evaluate_case,
    excess,
    holds,
    local_mask,
    min_nz,
    moves,
    problem_quantities,
    reference_quantities,
    slack,
    solution_points,
)


def _spec(**over):
    config = {
        "name": "unit", "grid": {"K": 2, "step": 0.25},
        "model": {"kind": "mlp", "layers": [1, 2, 1], "activation": "tanh", "bias": False},
        "loss": {"kind": "squared", "B": 4.0},
        "data": {"kind": "teacher", "N": 40, "n": 15, "noise": 0.3, "seed": 3, "teacher_seed": 11,
                 "teacher_codes": [2, -1, 1, 2]},
        "penalty": {"a": 2.0, "lam": 0.2},
    }
    knobs = {"s": 2, "delta": 0.1, "penalty_mode": "free", "nu_mode": "fixed", "nu": 0.0, "starts": ["zero"],
             "order": "cyclic", "qcd_seed": 0}
    knobs.update(over)
    if knobs["penalty_mode"] == "smooth":
        del config["penalty"]
    return CaseSpec(config, knobs, ProblemSpace())


@pytest.fixture(scope="module")
def case():
    return build_case(_spec())


# ---------------------------------------------------------------------------------------------- slack
def test_slack_of_relations_and_their_combinations():
    x, y = QUANTITIES["excess"], QUANTITIES["Gamma"]
    vals = {"excess": np.array([0.1, 0.5]), "Gamma": np.array([0.3, 0.2])}
    np.testing.assert_allclose(slack(x <= y, vals), [0.2, -0.3])
    np.testing.assert_allclose(slack(x > y, vals), [-0.2, 0.3])
    np.testing.assert_allclose(slack(sp.Eq(x, y), vals), [-0.2, -0.3])
    np.testing.assert_allclose(slack(sp.And(x <= y, x <= 1), vals), [0.2, -0.3])
    np.testing.assert_allclose(slack(sp.Or(x <= y, x <= 1), vals), [0.9, 0.5])
    np.testing.assert_allclose(slack(sp.Not(x <= y), vals), [-0.2, 0.3])
    np.testing.assert_allclose(slack(sp.Implies(y >= 0.25, x <= y), vals), [0.2, 0.05])
    assert holds(sp.And(x < y, y > 0), vals).tolist() == [True, False]
    assert holds(x <= y, {"excess": 0.3, "Gamma": 0.3}) and not holds(x < y, {"excess": 0.3, "Gamma": 0.3})


def test_variant_checks_its_claim():
    with pytest.raises(ValueError, match="unknown quantity foo"):
        Variant("bad", excess <= sp.Symbol("foo"))
    with pytest.raises(ValueError, match="only for solutions = 'qcd'"):
        Variant("bad", moves <= 3, solutions="global")
    with pytest.raises(ValueError, match="round-off"):
        Variant("bad", sp.Ne(excess, 0))
    with pytest.raises(TypeError, match="must be a relation"):
        Variant("bad", excess + 1)
    with pytest.raises(ValueError, match="solutions == 'every'"):
        Variant("bad", excess <= 1, solutions="every")
    with pytest.raises(ValueError, match="penalty"):
        Variant("bad", excess <= sp.Symbol("a"), space=ProblemSpace(penalty="none"))
    # a plain Symbol spelled like a quantity (sympy name or command-line name) is the quantity
    v = Variant("ok", sp.Symbol("excess") <= sp.Symbol("epsilon") + sp.Symbol("Gamma_ref"))
    assert v.claim.free_symbols == {QUANTITIES["excess"], QUANTITIES["eps"], QUANTITIES["Gamma_ref"]}
    assert v.quantities == {"excess", "eps", "Gamma_ref"}


# ---------------------------------------------------------------------------------------------- quantities
def test_quantities_from_tables_equal_the_reference_evaluation(case):
    scalars = problem_quantities(case)
    pts = solution_points(case, "any", scalars, 1e-9)
    assert pts.codes.shape == (case.problem.n_codes, case.problem.p)
    rng = np.random.default_rng(1)
    rows = rng.choice(pts.codes.shape[0], size=20, replace=False)
    ref = reference_quantities(case, scalars, pts.codes[rows])
    for name, values in ref.items():
        np.testing.assert_allclose(pts.values[name][rows], values, atol=1e-12, err_msg=name)
    # definitions, checked independently of the module (on purpose)
    pb = case.problem
    beta = pb.values(pts.codes[rows])
    nz = pts.codes[rows] != 0
    np.testing.assert_array_equal(ref["k"], nz.sum(axis=1))
    np.testing.assert_allclose(ref["min_nz"], np.where(nz, np.abs(beta), np.inf).min(axis=1))
    np.testing.assert_allclose(ref["excess"], pb.population_risk(pts.codes[rows]) - case.exact.L_star, atol=1e-12)
    assert scalars["eps"] == pytest.approx(case.exact.eps(2))
    assert scalars["Fmin"] == pytest.approx(pts.values["F"].min(), abs=1e-12)


@pytest.mark.parametrize("nu_value", [0.0, 0.01])
def test_local_points_are_exactly_the_certified_ones(nu_value):
    case = build_case(_spec(nu=nu_value))
    scalars = problem_quantities(case)
    pts = solution_points(case, "local", scalars, 1e-9)
    everything = solution_points(case, "any", scalars, 1e-9)
    certified = {tuple(c) for c in everything.codes if certify_local(case.problem, c, nu_value).local}
    assert {tuple(c) for c in pts.codes} == certified
    assert len(certified) >= 1
    # with nu > 0 there are more nu-local points than 0-local ones
    if nu_value > 0:
        zero = local_mask(case.exact.tables["penalized"], 0.0).sum()
        assert len(certified) > zero


def test_global_points_minimize_F(case):
    scalars = problem_quantities(case)
    pts = solution_points(case, "global", scalars, 1e-9)
    assert pts.codes.shape[0] >= 1
    np.testing.assert_allclose(pts.values["F"], case.exact.F_min, atol=1e-9)
    assert tuple(case.exact.F_argmin) in {tuple(c) for c in pts.codes}
    assert np.all(pts.values["Gamma"] <= 1e-9)


# ---------------------------------------------------------------------------------------------- one case
def test_evaluate_case_refutes_and_confirms(case):
    false = Variant("excess <= Gamma", excess <= Gamma, solutions="global")
    res = evaluate_case(false, case)
    assert res.applicable and res.violation and res.worst["slack"] < 0
    true = Variant("excess >= 0", excess >= 0, solutions="any")
    res = evaluate_case(true, case)
    # excess >= 0 holds exactly; the enumeration tables and the re-scored L*_Q agree only up to float round-off
    assert not res.violation and res.checks == case.problem.n_codes and res.min_slack >= -1e-12
    # an assumption that fails makes the case inapplicable
    never = Variant("never", excess <= Gamma, assumptions={"delta > 1/2": delta > sp.Rational(1, 2)})
    assert not evaluate_case(never, case).applicable


def test_a_counterexample_record_reproduces_through_its_problem_file(case, tmp_path):
    claim = Variant("excess <= eps", excess <= eps, solutions="global")
    out, _ = run_deterministic(claim, case.spec)
    assert out.violation
    record = out.record
    again = replay(claim, record)
    assert again.violation and again.worst["codes"] == record["codes"]
    assert again.worst["slack"] == pytest.approx(record["slack"], abs=1e-12)
    path = tmp_path / "ce.toml"
    path.write_text(record["problem_toml"])
    pb = load_problem(path)
    assert pb.empirical_risk(np.array(record["codes"])) == pytest.approx(record["quantities"]["Ln"], abs=1e-12)
    assert pb.population_risk(np.array(record["codes"])) == pytest.approx(record["quantities"]["risk"], abs=1e-12)
    rebuilt = case_from_record(record)
    assert rebuilt.params == {**case.params}


def test_qcd_solutions_carry_their_run(case):
    scalars = problem_quantities(case)
    pts = solution_points(case, "qcd", scalars, 1e-9)
    assert pts.codes.shape == (1, case.problem.p) and pts.reference
    assert pts.values["local"][0] == 1.0 and pts.values["F"][0] <= pts.values["F0"][0]
    assert pts.values["F0"][0] == pytest.approx(case.problem.objective(np.zeros(case.problem.p, int), "penalized"))


# ---------------------------------------------------------------------------------------------- statistics
def test_e_value_depends_on_count_and_grows_with_violations():
    assert log_e_value(0, 0, 0.1) == pytest.approx(0.0)
    # each component is a likelihood ratio: one violation multiplies component i by q_i / q0
    assert log_e_value(1, 1, 0.01) > log_e_value(0, 1, 0.01)
    assert log_e_value(5, 100, 0.01) > log_e_value(4, 100, 0.01) > log_e_value(4, 200, 0.01)
    test = RateTest(0.01, 0.001, 1)
    for x in [False] * 50 + [True] * 6:
        test.add(x)
    assert test.log_e == pytest.approx(log_e_value(6, 56, 0.01))
    v = critical_count(56, 0.01, 0.001)
    assert log_e_value(v, 56, 0.01) >= -math.log(0.001) > log_e_value(v - 1, 56, 0.01)
    assert test.rejected == (6 >= v)


def _ever_crosses(rate, q0, alpha, paths, T, seed):
    """Fraction of simulated sample paths (violations i.i.d. at ``rate``) on which the test ever refutes."""
    rng = np.random.default_rng(seed)
    crit = np.array([critical_count(t, q0, alpha) or t + 1 for t in range(1, T + 1)])
    counts = np.cumsum(rng.random((paths, T)) < rate, axis=1)
    return float(np.mean((counts >= crit).any(axis=1)))


def test_sequential_test_false_alarm_rate_however_long_it_runs():
    # a true claim violated at exactly delta' on every sample, looked at after each of 3000 samples
    alpha, q0, paths = 0.05, 0.02, 3000
    rate = _ever_crosses(q0, q0, alpha, paths, 2000, seed=7)
    assert rate <= alpha + 4 * math.sqrt(alpha * (1 - alpha) / paths)


def test_sequential_test_power_and_detectable_rate():
    # Theory of the harness's target: 3 delta' at delta' = 0.01 is detected by a few hundred samples; the
    # reported detectable rate (power 0.9 after T samples) is detected at least that often
    q0, alpha, T, paths = 0.01, 0.01 / 30, 1500, 2000
    q90 = detectable_rate(T, q0, alpha, power=0.9)
    assert q0 < q90 < 3 * q0
    power = _ever_crosses(q90, q0, alpha, paths, T, seed=8)
    assert power >= 0.9 - 4 * math.sqrt(0.09 / paths)
    assert detectable_rate(3, 0.5, 1e-3) is None


def test_alpha_spending_sums_to_the_false_alarm_rate():
    # the partial sums telescope to alpha (1 - ln 2 / ln(N + 2)) < alpha, which tends to alpha
    levels = [alpha_of_test(i, 0.01) for i in range(1, 100001)]
    assert all(a > 0 for a in levels) and all(b < a for a, b in zip(levels, levels[1:]))
    for N in (1, 10, 1000, 100000):
        total = math.fsum(levels[:N])
        assert total < 0.01 and total == pytest.approx(0.01 * (1 - math.log(2) / math.log(N + 2)), rel=1e-9)
    with pytest.raises(ValueError, match="i"):
        alpha_of_test(0, 0.01)


# ---------------------------------------------------------------------------------------------- search
def test_search_respects_its_budget_and_counts_examples():
    v = Variant("excess >= 0", excess >= 0, solutions="global", space=ProblemSpace(max_codes=300))
    verdict = check_variant(v, budget=3.0, seed=1)
    assert verdict.verdict == "not refuted" and verdict.counterexample is None
    # excess >= 0 holds exactly; the table and the reference L*_Q differ by round-off only
    assert verdict.examples_tried >= 1 and verdict.min_slack is not None and verdict.min_slack >= -v.tol
    assert verdict.seconds < 3.0 + 5.0  # one example in flight may finish after the budget
    js = verdict.to_json()
    assert set(js) >= {"name", "verdict", "examples_tried", "counterexample", "min_slack"}


def test_search_refutes_and_shrinks_a_deterministic_claim():
    v = Variant("F <= Fmin at every point", F <= Fmin, solutions="any", space=ProblemSpace(max_codes=300))
    verdict = check_variant(v, budget=30.0, seed=0)
    assert verdict.refuted and verdict.shrunk
    ce = verdict.counterexample
    # shrinking reaches the simplest problem: one weight, K = 1
    assert "layers = [1, 1]" in ce["problem_toml"] and "K = 1" in ce["problem_toml"]
    assert replay(v, ce).violation


def test_l2_holds_on_a_problem_with_nonzero_local_solutions():
    """L2 judged at every nu-local solution of a problem where some have non-zeros (a test of L2 is vacuous
    when every local solution is zero).  The negative control (a > 1/U) is searched for by
    examples/variants/false_L2_without_smoothness.py in test_variants_examples.py."""
    L2 = RESULTS["L2"]
    space = ProblemSpace(penalty="smooth", nu="l2", min_K=2, max_codes=3000)
    ok_spec = _spec(penalty_mode="smooth", a_frac=0.9, a_free=1.0, ratio=2.5, nu_mode="l2", nu_frac=0.5)
    # docs/theory.md's trial setting: a lam = 2.5 d on a grid with K >= 3, so that the threshold a lam - d = 1.5 d
    # excludes the codes +-1; a strong teacher, so that some local solutions have non-zeros
    config = {**ok_spec.config, "grid": {"K": 3, "step": 0.25},
              "model": {"kind": "linear", "layers": [2, 1], "activation": "tanh", "bias": True},
              "data": {**ok_spec.config["data"], "N": 60, "n": 40, "noise": 0.1, "teacher_codes": [3, -3, 2]}}
    case = build_case(CaseSpec(config, ok_spec.knobs, space))
    assert case.problem.penalty.a * case.U == pytest.approx(0.9)
    claim = Variant("L2", min_nz > L2.value, solutions="local", assumptions=L2.hypotheses, space=space)
    res = evaluate_case(claim, case)
    assert res.applicable and not res.violation
    assert res.checks >= 1  # local solutions with non-zeros were judged
    assert res.worst["quantities"]["min_nz"] > res.worst["quantities"]["a"] * res.worst["quantities"]["lam"] - 0.25
