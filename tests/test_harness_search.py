"""The search of the variant harness: moves stay in the space, runs bounded by examples are reproducible and
write nothing into the current directory, degenerate draws are rejected, the nearest miss and the
tightness summary are honest, and the V3 quantities are exact."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings

from qtheory.cli import main
from qtheory.continuous import continuous_quantities
from qtheory.harness import check_variant
from qtheory.moves import extreme, k_max, neighbour, population_key, simplifications
from qtheory.strategies import CaseSpec, DegenerateCase, ProblemSpace, build_case, roundoff_U
from qtheory.variants import Variant, excess, problem_quantities, solution_points



def _spec(space, **over):
    config = {
        "name": "unit", "grid": {"K": 2, "step": 0.25},
        "model": {"kind": "linear", "layers": [1, 1], "activation": "tanh", "bias": False},
        "loss": {"kind": "squared", "B": 4.0},
        "data": {"kind": "teacher", "N": 30, "n": 12, "noise": 0.2, "seed": 3, "teacher_seed": 11,
                 "teacher_codes": [1]},
    }
    knobs = {"s": 1, "delta": 0.1, "penalty_mode": "none", "nu_mode": "zero", "starts": ["zero"],
             "order": "cyclic", "qcd_seed": 0}
    knobs.update(over)
    return CaseSpec(config, knobs, space)


def _in_space(spec: CaseSpec) -> None:
    space, c, k = spec.space, spec.config, spec.knobs
    from qtheory.strategies import _n_params

    p = _n_params(c["model"])
    assert c["model"]["kind"] in space.models and c["model"]["bias"] in space.bias
    assert space.min_K <= c["grid"]["K"] <= k_max(space, p) and (2 * c["grid"]["K"] + 1) ** p <= space.max_codes
    assert space.n[0] <= c["data"]["n"] <= space.n[1] and space.N[0] <= c["data"]["N"] <= space.N[1]
    assert space.noise[0] <= c["data"]["noise"] <= space.noise[1]
    assert len(c["data"]["teacher_codes"]) == p and max(map(abs, c["data"]["teacher_codes"])) <= c["grid"]["K"]
    assert 1 <= k["s"] <= p and space.delta[0] <= k["delta"] <= space.delta[1]
    for s in k["starts"]:
        assert s == "zero" or (len(s) == p and max(map(abs, s)) <= c["grid"]["K"])
    if "penalty" in c:
        d, K = c["grid"]["step"], c["grid"]["K"]
        lo, hi = space.ratio or (1.0, float(K))
        assert space.a[0] <= c["penalty"]["a"] <= space.a[1]
        assert lo - 1e-9 <= c["penalty"]["a"] * c["penalty"]["lam"] / d <= hi + 1e-9
    if "a_frac" in k:
        assert space.a_frac[0] <= k["a_frac"] <= space.a_frac[1]


@settings(max_examples=25)
@given(ProblemSpace(max_codes=400).strategy())
def test_moves_stay_in_the_space(spec):
    rng = np.random.default_rng(0)
    for _ in range(5):
        _in_space(neighbour(spec, rng, moves=2))
        _in_space(extreme(spec, rng))
    for simpler in simplifications(spec):
        _in_space(simpler)
    assert population_key(spec.with_seed(12345)) == population_key(spec)


def test_a_max_examples_run_is_reproducible_and_writes_nothing_here(tmp_path):
    # two fresh processes (hypothesis chooses its storage folder once per process)
    import os
    import subprocess
    import sys

    f = tmp_path / "v.py"
    f.write_text(
        "from qtheory.strategies import ProblemSpace\n"
        "from qtheory.variants import B, Variant, dev\n"
        "VARIANTS = [Variant('dev at most B', dev <= B, solutions='any', probabilistic=True,\n"
        "                    space=ProblemSpace(max_codes=30, n=(2, 20), N=(10, 30)))]\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    env["QTHEORY_CACHE"] = str(tmp_path / "cache")
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1]) + os.pathsep + env.get("PYTHONPATH", "")
    outs = []
    for _ in range(2):
        run = subprocess.run(
            [sys.executable, "-m", "qtheory", "check-variant", str(f), "--max-examples", "6", "--seed", "3", "--json"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
        )
        assert run.returncode in (0, 1), run.stderr
        out = json.loads(run.stdout)
        out.pop("seconds")
        outs.append(out)
    assert outs[0] == outs[1]
    # a true claim: the search runs all its examples (hypothesis stores its files on the way)
    assert outs[0]["examples_tried"] == 6 and sum(outs[0]["phases"].values()) == outs[0]["examples_tried"]
    assert outs[0]["sequential"]["samples"] >= 20
    # hypothesis's files went to the cache folder: no .hypothesis here
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "v.py"]
    assert (tmp_path / "cache" / "hypothesis").is_dir()


def test_degenerate_smooth_draws_are_rejected_and_counted():
    space = ProblemSpace(penalty="smooth", losses=("zero_one",), max_codes=200)
    spec = _spec(space, penalty_mode="smooth", a_frac=0.5, a_free=1.0, ratio=1.5)
    spec.config["loss"] = {"kind": "zero_one"}
    spec.config["data"]["noise"] = 0.3
    case = build_case(spec)  # U_Q of a 0-1 loss: exactly 0 or a true second difference, never tiny
    assert case.U == 0 or abs(case.U) >= roundoff_U(1.0, 0.25)
    with pytest.raises(DegenerateCase, match="penalty.a"):
        build_case(_spec(ProblemSpace(), penalty_mode="free") if False else CaseSpec(
            {**spec.config, "penalty": {"a": 1e9, "lam": 0.1}}, {**spec.knobs, "penalty_mode": "free"}, space))
    # a planted U of round-off size is rejected
    from qtheory import strategies

    with pytest.raises(DegenerateCase, match="round-off"):
        strategies._check_degenerate(spec.config, 1e-14, smooth=True)


def test_nearest_miss_and_tightness_are_reported_without_a_refutation():
    v = Variant("excess bounded by B", excess <= sp.Symbol("B"), solutions="global",
                space=ProblemSpace(max_codes=100, penalty="none"))
    verdict = check_variant(v, max_examples=10, seed=1, tightness=True)
    js = verdict.to_json()
    assert js["verdict"] == "not refuted" and js["checks"] >= 1
    miss = js["nearest_miss"]
    assert miss["slack"] == pytest.approx(js["min_slack"]) and "problem_toml" in miss
    # the nearest miss's slack is recomputable from its quantities
    q = miss["quantities"]
    assert q["B"] - q["excess"] == pytest.approx(miss["slack"])
    tight = js["tightness"]["relations"][0]
    assert tight["points"] == js["checks"]
    assert tight["difference"]["min"] == pytest.approx(js["min_slack"])
    assert tight["difference"]["q0.05"] <= tight["difference"]["q0.5"] <= tight["difference"]["q0.95"]
    t = js["tightness"]["tightest"]
    if t is not None:
        r = t["relations"][0]
        assert r["rhs"] / r["lhs"] == pytest.approx(tight["ratio"]["min"])


def test_continuous_minimum_and_lipschitz_constant_by_brute_force():
    # one weight, squared loss, a clip that cannot bind on the small box: L is a parabola on [-R, R]
    spec = _spec(ProblemSpace(), **{})
    spec.config["grid"] = {"K": 1, "step": 0.1}
    spec.config["data"]["noise"] = 0.05
    case = build_case(spec)
    pb = case.problem
    R = 0.1
    cont = continuous_quantities(pb, R)
    assert np.isfinite(cont["Lcont"]) and np.isfinite(cont["Linf"])
    X, y, w = pb.population.X[:, 0], pb.population.y.reshape(-1), pb.population.weights
    ts = np.linspace(-R, R, 20001)
    L = np.array([np.sum(w * np.minimum((X * t - y) ** 2, 4.0)) for t in ts])
    assert cont["Lcont"] == pytest.approx(L.min(), abs=1e-9)
    assert cont["Lcont"] <= L.min() + 1e-12
    slope = np.abs(np.diff(L) / np.diff(ts)).max()
    assert cont["Linf"] == pytest.approx(slope, rel=1e-3)
    # V3 itself on this problem
    scalars = problem_quantities(case, {"Lcont", "Linf"})
    assert scalars["Lstar"] <= scalars["Lcont"] + scalars["Linf"] * 0.1 / 2
    # an MLP has no such closed form: NaN
    spec.config["model"] = {"kind": "mlp", "layers": [1, 1, 1], "activation": "tanh", "bias": False}
    spec.config["data"]["teacher_codes"] = [1, 1]
    assert all(math.isnan(x) for x in continuous_quantities(build_case(spec).problem, R).values())


def test_is_local_marks_the_global_minimizers_local():
    spec = _spec(ProblemSpace(), **{})
    spec.config["model"] = {"kind": "linear", "layers": [2, 1], "activation": "tanh", "bias": True}
    spec.config["data"]["teacher_codes"] = [2, -1, 0]
    case = build_case(spec)
    scalars = problem_quantities(case)
    every = solution_points(case, "any", scalars, 1e-9, need_local=True)
    local = solution_points(case, "local", scalars, 1e-9)
    flagged = {tuple(c) for c, x in zip(every.codes, every.values["is_local"]) if x == 1}
    assert flagged == {tuple(c) for c in local.codes}
    assert 1 <= len(flagged) < every.codes.shape[0]
    glob = solution_points(case, "global", scalars, 1e-9, need_local=True)
    assert glob.codes.shape[0] >= 1 and {tuple(c) for c in glob.codes} <= flagged
    assert np.all(glob.values["is_local"] == 1)


def test_knobs_a_claim_does_not_use_do_not_start_a_new_population():
    """A global claim's verdict on a sample does not depend on the Q-CD starts or on nu: specs that differ
    only there are one population (one test, continuing its samples); for Q-CD claims they are not."""
    from qtheory.harness import _Search, idle_knobs
    from qtheory.variants import F, Fmin, nu

    space = ProblemSpace()
    one, two = _spec(space), _spec(space, starts=[[1]], qcd_seed=7, nu_mode="free", nu_frac=0.5)
    global_claim = Variant("excess <= 1", excess <= 1, solutions="global", probabilistic=True)
    assert population_key(one, idle_knobs(global_claim)) == population_key(two, idle_knobs(global_claim))
    assert population_key(one) != population_key(two)
    qcd_claim = Variant("F <= Fmin + 1", F <= Fmin + 1, solutions="qcd", probabilistic=True)
    nu_claim = Variant("excess <= nu + 1", excess <= nu + 1, solutions="global", probabilistic=True)
    for v in (qcd_claim, nu_claim):
        assert population_key(one, idle_knobs(v)) != population_key(two, idle_knobs(v))
    search = _Search(global_claim, seed=0, false_alarm=0.01, deadline=None, max_examples=None, shrink_seconds=None,
                     shrink_examples=0, progress=None, tightness=False, t0=0.0)
    assert search._population(one, "random") is search._population(two, "directed")
    assert len(search.pops) == 1


def test_extreme_draws_for_probabilistic_claims_favour_the_noisiest_teacher():
    space = ProblemSpace(noise=(0.0, 0.5))
    spec = _spec(space)  # noise 0.2, inside the range
    draws = 600
    for noisy, p_top, p_bottom in ((True, 0.5, 0.25), (False, 0.0, 0.75)):
        rng = np.random.default_rng(5)
        noise = np.array([extreme(spec, rng, noisy=noisy).config["data"]["noise"] for _ in range(draws)])
        top, bottom = np.mean(noise == 0.5), np.mean(noise == 0.0)
        margin = 4 * math.sqrt(0.25 / draws)  # 4 binomial standard deviations at most
        assert abs(top - p_top) <= margin and abs(bottom - p_bottom) <= margin, (noisy, top, bottom)
        assert np.all((noise == 0.0) | (noise == 0.5) | (noise == 0.2))
