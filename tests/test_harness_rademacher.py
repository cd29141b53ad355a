"""The variant harness on the analytic population R(p, beta*, sigma, B) (``ProblemSpace(populations=...)``):
a drawn problem's quantities equal an independent computation (every code vector of Q^p evaluated by
``population_risk`` (E1) and ``empirical_risk``), moves stay in the family, a true claim is not refuted and
a planted false one is."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings

from qtheory.harness import check_variant, replay
from qtheory.moves import extreme, neighbour, simplifications
from qtheory.problem import problem_from_config
from qtheory.solve.certify import objective_F
from qtheory.strategies import CaseSpec, ProblemSpace, build_case
from qtheory.theory import RESULTS
from qtheory.theory.symbols import Gamma
from qtheory.variants import Variant, dev, excess, problem_quantities, solution_points

SPACE = ProblemSpace(populations=("rademacher",), max_codes=130, max_inputs=3, n=(2, 40))


def _independent(case):
    """min L_n, min F, L*_Q, eps(s), U_Q and each point's L, L_n, F from a plain loop over Q^p."""
    pb, d, K = case.problem, case.d, case.K
    codes = np.array(list(itertools.product(range(-K, K + 1), repeat=pb.p)), dtype=np.int64)
    L = np.array([pb.population_risk(c) for c in codes])
    Ln = np.array([pb.empirical_risk(c) for c in codes])
    F = np.array([objective_F(pb, c) for c in codes])
    s = min(case.params["s"], pb.p)
    L_star = L.min()
    eps = L[np.count_nonzero(codes, axis=1) <= s].min() - L_star
    where = {tuple(c): i for i, c in enumerate(codes)}
    U = -math.inf
    for i, c in enumerate(codes):
        for j in range(pb.p):
            if abs(c[j]) < K:
                up, down = c.copy(), c.copy()
                up[j] += 1
                down[j] -= 1
                U = max(U, (Ln[where[tuple(up)]] + Ln[where[tuple(down)]] - 2 * Ln[i]) / d**2)
    return codes, L, Ln, F, {"Lnmin": Ln.min(), "Fmin": F.min(), "Lstar": L_star, "eps": eps, "U": U}


def _check_quantities(case):
    codes, L, Ln, F, want = _independent(case)
    q = problem_quantities(case)
    for name, value in want.items():
        assert q[name] == pytest.approx(value, abs=1e-12), name
    # E2: the minimum over the enumeration is attained at the teacher, h(0)
    assert want["Lstar"] == pytest.approx(case.problem.family.teacher_risk(), abs=1e-15)
    fam = case.problem.family
    assert q["N"] == (2.0**case.problem.p if fam.sigma == 0 else math.inf)
    pts = solution_points(case, "any", q, tol=0.0)
    order = np.lexsort(pts.codes.T[::-1])  # the loop's order: lexicographic in the codes
    assert np.array_equal(pts.codes[order], codes)
    np.testing.assert_allclose(pts.values["risk"][order], L, rtol=0, atol=1e-12)
    np.testing.assert_allclose(pts.values["Ln"][order], Ln, rtol=0, atol=1e-12)
    np.testing.assert_allclose(pts.values["excess"][order], L - want["Lstar"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(pts.values["Gamma"][order], F - want["Fmin"], rtol=0, atol=1e-12)


def test_quantities_of_a_fixed_problem_equal_an_independent_computation():
    config = {
        "name": "unit", "grid": {"K": 2, "step": 0.5},
        "model": {"kind": "linear", "layers": [3, 1], "activation": "tanh", "bias": False},
        "loss": {"kind": "squared", "B": 2.0},
        "data": {"kind": "rademacher", "n": 20, "seed": 3, "sigma": 0.3, "teacher_codes": [1, 0, -2]},
        "penalty": {"a": 1.0, "lam": 0.3},
    }
    knobs = {"s": 1, "delta": 0.1, "penalty_mode": "free", "nu_mode": "zero", "starts": ["zero"],
             "order": "cyclic", "qcd_seed": 0}
    case = build_case(CaseSpec(config, knobs, SPACE))
    _check_quantities(case)
    assert problem_quantities(case)["eps"] > 0  # s = 1 < s* = 2: beta*_eps is not the teacher


@settings(max_examples=8)
@given(SPACE.strategy())
def test_quantities_of_drawn_problems_equal_an_independent_computation(spec):
    assert spec.config["data"]["kind"] == "rademacher"
    _check_quantities(build_case(spec))


@settings(max_examples=15)
@given(SPACE.strategy())
def test_moves_keep_a_problem_of_the_family_in_the_space(spec):
    rng = np.random.default_rng(0)
    moved = [neighbour(spec, rng, moves=3) for _ in range(4)] + [extreme(spec, rng)] + simplifications(spec)
    for new in moved:
        c = new.config
        pb = problem_from_config(c)  # a valid problem file of the family
        assert c["data"]["kind"] == "rademacher" and c["loss"]["kind"] == "squared"
        assert 1 <= pb.p <= SPACE.max_inputs and (2 * c["grid"]["K"] + 1) ** pb.p <= SPACE.max_codes
        assert SPACE.noise[0] <= c["data"]["sigma"] <= SPACE.noise[1] and SPACE.n[0] <= c["data"]["n"] <= SPACE.n[1]
        assert set(c["data"]) <= {"kind", "n", "seed", "sigma", "teacher_codes"}


def test_a_space_of_both_kinds_draws_both():
    from hypothesis import Phase, find

    both = SPACE.with_(populations=("teacher", "rademacher"))
    for kind in ("teacher", "rademacher"):
        assert find(both.strategy(), lambda s, k=kind: s.config["data"]["kind"] == k,
                    settings=settings(phases=[Phase.generate], database=None)).config["data"]["kind"] == kind
    with pytest.raises(ValueError, match="populations"):
        ProblemSpace(populations=("gaussian",))


def test_true_claims_are_not_refuted_on_the_family():
    L1 = RESULTS["L1"]
    claims = [
        Variant("L1", dev <= L1.value, solutions="any", probabilistic=True, assumptions=L1.hypotheses, space=SPACE),
        # deterministic and exact only if L*_Q (E2) is the minimum of E1's L over Q^p
        Variant("excess >= 0", excess >= 0, solutions="any", space=SPACE),
    ]
    for v in claims:
        verdict = check_variant(v, max_examples=12, seed=0)
        assert verdict.verdict == "not refuted", v.name
        assert verdict.examples_tried >= 12 and verdict.min_slack is not None and verdict.min_slack >= -v.tol


def test_planted_false_claim_is_refuted_on_the_family():
    """excess <= Gamma (theorem A without its statistical terms) at every global minimizer of F."""
    v = Variant("excess <= Gamma", excess <= Gamma, solutions="global", probabilistic=True, space=SPACE)
    verdict = check_variant(v, max_examples=20, seed=0)
    assert verdict.refuted
    ce = verdict.counterexample
    assert 'kind = "rademacher"' in ce["problem_toml"]
    assert replay(v, ce).violation
