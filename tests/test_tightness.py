"""Budgets of the bounds, `qtheory evaluate`, and the oracle radius / oracle bounds of a finite population."""

import dataclasses
import json
import math

import numpy as np
import pytest
from scipy import stats

from qtheory.cli import main
from qtheory.data import Dataset
from qtheory.empirical import max_deviation_by_sparsity, nonzero_counts, toy_config
from qtheory.evaluate import evaluate_point, exact_instance
from qtheory.experiments.measure import measure_exact
from qtheory.experiments.oracle import deviation_samples, oracle_radii
from qtheory.problem import problem_from_config
from qtheory.solve.enumerate import enumerate_exact
from qtheory.theory import RESULTS
from qtheory.theory.oracle import argument_terms, penalized_radius_max

NUMBERS = dict(B=2.0, n=np.array([30, 300, 3000]), p=7, Qsize=5, delta=0.05, s=2, k=3, eps=0.01, Gamma=0.02,
               a=2.0, lam=0.4, d=0.25, U=0.3, nu=0.0, Ln=0.2, M=3)


@pytest.fixture(scope="module")
def toy():
    """tanh 2-2-1 on {-1, -0.5, 0, 0.5, 1} (5^6 points), n = 60, MCP a = 4, lam = 0.15 (a lam >= d)."""
    return problem_from_config(toy_config("tanh_squared"))


@pytest.fixture(scope="module")
def inst(toy):
    return exact_instance(toy)


def _problem_file(tmp_path, cfg):
    lines = []
    for table, values in cfg.items():
        if not isinstance(values, dict):
            continue
        lines.append(f"[{table}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    path = tmp_path / "toy.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


# ================================================================================ budgets
@pytest.mark.parametrize("name", ["L1", "A0", "A", "B", "V1", "V4"])
def test_budget_terms_sum_to_the_value(name):
    r = RESULTS[name]
    assert r.budget, f"{name} has no budget"
    assert r.budget_residual() == 0
    given = {k: v for k, v in NUMBERS.items() if k in r.symbols}
    total = sum(np.asarray(v, dtype=float) for v in r.terms(**given).values())
    np.testing.assert_allclose(total, r.evaluate(**given), rtol=1e-12)


def test_budget_of_B_names_the_paper_terms():
    assert list(RESULTS["B"].budget) == ["eps", "Gamma", "s a lam^2/2", "D(s)", "sqrt(C0)", "A/(4 c_Q)"]
    t = RESULTS["B"].terms(**{k: v for k, v in NUMBERS.items() if k in RESULTS["B"].symbols})
    # hand values: s a lam^2/2 = 2 * 2 * 0.16 / 2, c_Q = a lam^2/2 - d^2/(2a)
    np.testing.assert_allclose(t["s a lam^2/2"], 0.32, rtol=1e-12)
    c_Q = 2.0 * 0.16 / 2 - 0.0625 / 4
    A_const = 4.0 * math.log(35) / (2 * np.array([30, 300, 3000]))
    np.testing.assert_allclose(t["A/(4 c_Q)"], A_const / (4 * c_Q), rtol=1e-12)


# ================================================================================ evaluate
def test_evaluate_quantities_are_exact_and_bounds_sum_their_terms(toy, inst):
    codes = np.array([1, 0, -1, 0, 2, 0])
    out = evaluate_point(toy, codes, nu=0.0, start=np.array([2, 2, 2, 2, 2, 2]))
    q = out["quantities"]
    # brute force over Q^5^6, independently of the enumeration code
    grid = np.array(np.meshgrid(*[np.arange(-2, 3)] * 6, indexing="ij")).reshape(6, -1).T
    L_all = toy.population_risk(grid)
    F_all = toy.objective(grid, "penalized")
    assert q["L*_Q"] == pytest.approx(L_all.min(), abs=1e-12)
    assert q["min F"] == pytest.approx(F_all.min(), abs=1e-12)
    assert q["L"] == pytest.approx(toy.population_risk(codes), abs=1e-15)
    assert q["excess"] == pytest.approx(toy.population_risk(codes) - L_all.min(), abs=1e-12)
    assert q["dev"] == pytest.approx(abs(toy.empirical_risk(codes) - toy.population_risk(codes)))
    assert q["Gamma_F"] == pytest.approx(toy.objective(codes, "penalized") - F_all.min(), abs=1e-12)
    assert q["nonzeros"] == 3
    assert set(out["bounds"]) == {"A0", "A", "B", "V1", "V4"}
    assert out["bounds"]["V4"]["value"] <= out["bounds"]["V1"]["value"]
    for name, b in out["bounds"].items():
        assert sum(b["terms"].values()) == pytest.approx(b["value"], rel=1e-12), name
        assert b["tightness"] == pytest.approx(b["value"] / q["excess"]), name
    b = out["bounds"]["B"]
    num = dict(B=1.0, n=60, p=6, Qsize=5, delta=0.05, a=4.0, lam=0.15, d=0.5)
    assert b["value"] == pytest.approx(float(RESULTS["B"].evaluate(s=b["s"], eps=b["eps"], Gamma=b["Gamma"], **num)))
    # this point is not 0-local: B's entry says so, A's premise needs no locality
    assert out["quantities"]["nu_local"] is False and b["hypotheses"]["nu-local (certified)"] is False
    assert all(out["bounds"]["A"]["hypotheses"].values())
    c = out["C"]
    assert c["F0"] == pytest.approx(toy.objective(np.full(6, 2), "penalized"))
    assert "bound F0/nu" not in c  # nu = 0: no move bound


def test_evaluate_move_bound_with_positive_nu(toy):
    out = evaluate_point(toy, np.zeros(6, dtype=int), nu=0.01, start=np.full(6, 2))
    c = out["C"]
    assert c["bound F0/nu"] == pytest.approx(c["F0"] / 0.01)
    assert c["bound (F0 - min F)/nu"] == pytest.approx((c["F0"] - c["min F"]) / 0.01)
    assert 0 < c["moves"] <= c["bound (F0 - min F)/nu"]


def test_evaluate_cli_text_and_json(tmp_path, capsys):
    path = _problem_file(tmp_path, toy_config("tanh_squared"))
    assert main(["evaluate", str(path), "--codes=1,0,-1,0,2,0", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["bounds"]["A0"]["terms"]["2 D_dense"] > 0
    assert main(["evaluate", str(path), "--codes", "0,0,0,0,0,0", "--nu", "0.01", "--start=1,1,1,1,1,1"]) == 0
    text = capsys.readouterr().out
    assert "2 D_dense" in text and "A/(4 c_Q)" in text and "moves <= F0/nu" in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["--codes", "0,0,0"], "--codes must list p = 6 integer codes, got 3"),
        (["--codes=0,0,0,0,0,3"], "--codes[5] contains 3, not a code of this grid"),
        (["--codes=0,0,0,0,0,0", "--s", "9"], "--s == 9, must be 'best' or an integer in [1, p] = [1, 6]"),
        (["--codes=0,0,0,0,0,0", "--nu", "-1"], "--nu == -1.0, must be in [0.0, inf)"),
        (["--codes=0,0,0,0,0,0", "--start=0,0"], "--start must list p = 6 integer codes, got 2"),
        (["--codes=0,0,0,0,0,0", "--max-seconds", "1e-6"], "L*_Q, min L_n and min F need an exact enumeration"),
    ],
)
def test_evaluate_bad_input_one_line_exit_2(tmp_path, capsys, args, message):
    path = _problem_file(tmp_path, toy_config("tanh_squared"))
    assert main(["evaluate", str(path), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("qtheory evaluate: error: ") and message in err


def test_evaluate_refuses_a_problem_without_population(tmp_path, capsys):
    cfg = {"grid": {"K": 1, "step": 1.0}, "model": {"kind": "linear"}, "loss": {"kind": "hinge", "B": 2.0},
           "data": {"kind": "sklearn", "dataset": "iris", "classes": [0, 1], "pca": 2}}
    path = _problem_file(tmp_path, cfg)
    assert main(["evaluate", str(path), "--codes=0,0"]) == 2
    err = capsys.readouterr().err
    assert "L (population risk) is not computable exactly" in err and "no finite population" in err


# ================================================================================ oracle
def test_deviation_samples_equal_enumeration_on_the_same_sample(toy):
    dev = deviation_samples(toy, 60, 2, seed=5)
    pop = toy.population
    for r in range(2):
        counts = np.random.default_rng([5, r]).multinomial(60, pop.weights)
        idx = np.repeat(np.arange(pop.N), counts)
        pb = dataclasses.replace(toy, train=Dataset(pop.X[idx], pop.y[idx]), penalty=None)
        ref = max_deviation_by_sparsity(enumerate_exact(pb, keep_tables=True, progress=False))[0]
        np.testing.assert_allclose(dev[r], ref, rtol=0, atol=1e-12)


def test_oracle_radius_is_the_upper_quantile_and_holds_on_fresh_samples(toy):
    delta, R = 0.1, 200
    o = oracle_radii(toy, 60, R=R, delta=delta, seed=1)
    dev = deviation_samples(toy, 60, R, seed=1)
    dense = dev.max(axis=1)
    # the smallest order statistic with at least (1 - delta) R samples at or below it
    assert np.sum(dense <= o.dense) >= (1 - delta) * R and np.sum(dense < o.dense) < (1 - delta) * R
    for k in range(toy.p + 1):
        assert np.sum(dev[:, k] <= o.by_k[k]) >= (1 - delta) * R
    # on 300 fresh samples the radius is exceeded with frequency near delta (two-sided binomial, 1e-4 level)
    fresh = deviation_samples(toy, 60, 300, seed=2).max(axis=1)
    exceed = int(np.sum(fresh > o.dense))
    assert stats.binom.cdf(exceed, 300, 0.04) > 1e-4 and stats.binom.sf(exceed - 1, 300, 0.2) > 1e-4, exceed
    # the oracle is below the radius of the theorem (D is valid, the oracle the smallest valid radius)
    D = [float(RESULTS["L1"].evaluate(k=k, B=1.0, n=60, p=6, Qsize=5, delta=delta)) for k in range(7)]
    assert np.all(o.by_k <= np.array(D))


def test_argument_with_D_is_below_the_printed_bound():
    num = dict(B=1.0, n=200, p=6, Qsize=5, delta=0.05, s=2, eps=0.01, Gamma=0.0, a=4.0, lam=0.15, d=0.5)
    D = np.array([float(RESULTS["L1"].evaluate(k=k, **{x: num[x] for x in ("B", "n", "p", "Qsize", "delta")}))
                  for k in range(7)])
    for name, c_name in (("A", "pi_min"), ("B", "c_Q")):
        r = RESULTS[name]
        c = float(r.evaluate_extra(c_name, a=4.0, lam=0.15, d=0.5))
        terms = {k: float(v) for k, v in r.terms(**num).items()}
        arg = argument_terms(name, terms, radius_by_k=D, s=2, c=c)
        assert sum(arg.values()) <= float(r.evaluate(**num)) + 1e-12
        assert arg["max_k r(k) - c k"] == pytest.approx(max(D[k] - c * k for k in range(7)))


def test_oracle_arguments_hold_at_every_point_with_the_sample_deviation(toy, inst):
    """Deterministic form of A0's and A's argument: with r = this sample's own dev(k) the event holds, so
    every point of Q^p satisfies excess <= the argument's bound (A: for every s, at Gamma_ref)."""
    q = enumerate_exact(dataclasses.replace(toy, penalty=None), keep_tables=True, progress=False)
    dev = max_deviation_by_sparsity(q)[0]
    Ln, L = q.tables["empirical"].ravel(), q.tables["population"].ravel()
    k = nonzero_counts(toy).ravel()
    excess = L - q.L_star
    A0 = RESULTS["A0"]
    num = dict(B=1.0, n=60, p=6, Qsize=5, delta=0.05)
    a0 = sum(argument_terms("A0", {k_: float(v) for k_, v in A0.terms(Gamma=0.0, **num).items()},
                            radius_dense=dev.max()).values())
    assert np.all(excess <= a0 + (Ln - Ln.min()) + 1e-12)
    # A: F(b) <= F(b*_eps) + Gamma with Gamma = max(0, F(b) - F(b*_eps)), P(b) >= pi_min ||b||_0
    grid = np.array(np.meshgrid(*[np.arange(-2, 3)] * 6, indexing="ij")).reshape(6, -1).T
    F = toy.objective(grid, "penalized")
    A = RESULTS["A"]
    pi_min = float(A.evaluate_extra("pi_min", a=4.0, lam=0.15, d=0.5))
    worst = -np.inf
    for s in range(1, 7):
        ref = q.argmin_L_by_k[int(np.argmin(q.min_L_by_k[: s + 1]))]
        eps = max(0.0, float(toy.population_risk(ref)) - q.L_star)
        gamma = np.maximum(0.0, F - toy.objective(ref, "penalized"))
        terms = {k_: float(v) for k_, v in A.terms(s=s, eps=eps, Gamma=0.0, a=4.0, lam=0.15, d=0.5, **num).items()}
        bound = sum(argument_terms("A", terms, radius_by_k=dev, s=s, c=pi_min).values()) + gamma
        worst = max(worst, float(np.max(excess - bound)))
    assert worst <= 1e-12, worst
    assert k.max() == 6


def test_argument_terms_by_hand():
    assert argument_terms("A0", {"Gamma": 0.1, "2 D_dense": 5.0}, radius_dense=0.3) == {"Gamma": 0.1,
                                                                                        "2 r_dense": 0.6}
    terms = {"eps": 0.1, "Gamma": 0.0, "s a lam^2/2": 0.2, "D(s)": 9.0, "sqrt(C0)": 9.0, "A/(4 c_Q)": 9.0}
    r = np.array([0.05, 0.5, 0.3, 0.9])
    # r(<=2) = max(0.05, 0.5, 0.3); max_k r(k) - 0.2 k = max(0.05, 0.3, -0.1, 0.3)
    assert argument_terms("B", terms, radius_by_k=r, s=2, c=0.2) == pytest.approx(
        {"eps": 0.1, "Gamma": 0.0, "s a lam^2/2": 0.2, "r(<=s)": 0.5, "max_k r(k) - c k": 0.3})
    with pytest.raises(ValueError, match="name == 'L1'"):
        argument_terms("L1", terms)


@pytest.mark.parametrize("s_rule", ["best", 3])
def test_oracle_split_multiplies_to_the_tightness(toy, inst, s_rule):
    o = oracle_radii(toy, 60, R=50, delta=0.05, seed=0)
    m = measure_exact(inst, np.array([1, 0, -1, 0, 2, 0]), delta=0.05, s_rule=s_rule, M=1, nu=0.0, oracle=o,
                      all_bounds=True)
    for name in ("A0", "A", "B"):
        b = m["bounds"][name]
        assert sum(b["terms"].values()) == pytest.approx(b["value"], rel=1e-12)
        ob = b["oracle"]
        assert sum(ob["terms"].values()) == pytest.approx(ob["value"], rel=1e-12)
        assert ob["union_factor"] * ob["argument_factor"] == pytest.approx(b["tightness"], rel=1e-12)
        assert ob["value"] <= b["value"]
    assert penalized_radius_max(np.array([0.1, np.nan, 0.5]), 0.1) == pytest.approx(0.3)


def test_report_budget_and_split_summaries(toy, inst):
    from qtheory.experiments.looseness import budget_summary, radius_summary, render, split_summary
    from qtheory.experiments.measure import instance_facts

    o = oracle_radii(toy, 60, R=50, delta=0.05, seed=0)
    recs = []
    for codes in ([1, 0, -1, 0, 2, 0], [2, 2, 2, 2, 2, 2]):
        m = measure_exact(inst, np.array(codes), delta=0.05, s_rule="best", M=1, nu=0.0, oracle=o)
        recs.append({"config": {"kind": "toy"}, "instance": instance_facts(inst, 0.05, 1, oracle=o), **m})
    budget = budget_summary({"sw": recs})
    (regime,) = budget["A0"]["regimes"].values()
    tops = [max(r["bounds"]["A"]["terms"].items(), key=lambda kv: kv[1])[0] for r in recs]
    (b_regime,) = budget["A"]["regimes"].values()
    assert regime["cells"] == 2 and b_regime["largest"] == {t: tops.count(t) for t in tops}
    shares = [r["bounds"]["A0"]["terms"]["Gamma"] / r["bounds"]["A0"]["value"] for r in recs]
    assert regime["shares"]["Gamma"] == pytest.approx(np.median(shares))
    split = split_summary({"sw": recs})
    row = split["A0"]["60"]
    assert row["cells"] == 2
    assert row["union"] == pytest.approx(np.median([r["bounds"]["A0"]["oracle"]["union_factor"] for r in recs]))
    assert row["radius"] == pytest.approx(recs[0]["instance"]["oracle"]["dense_ratio"])
    radii = radius_summary({"sw": recs})["sw"]["60"]
    D = [float(RESULTS["L1"].evaluate(k=k, B=1.0, n=60, p=6, Qsize=5, delta=0.05)) for k in range(7)]
    np.testing.assert_allclose(radii["ratio_by_k"], np.array(D) / o.by_k, rtol=1e-12)
    assert radii["O_dense"] == o.dense
    results = {"budget": budget, "looseness": split, "oracle_radius": {"sw": {"60": radii}}}
    text = "\n".join(render({"results": results}))
    assert "## Where the looseness comes from" in text and "| A0 | 60 | 2 |" in text and "| 60 | " in text


RADEMACHER = {"grid": {"K": 1, "step": 0.5}, "model": {"kind": "linear", "layers": [6, 1]},
              "loss": {"kind": "squared", "B": 4.0},
              "data": {"kind": "rademacher", "n": 100, "seed": 0, "teacher_codes": [1, 0, -1, 0, 0, 0], "sigma": 0.5},
              "penalty": {"a": 0.45, "lam": 1.5}}


def test_evaluate_uses_the_analytic_population_without_enumeration(tmp_path, capsys, monkeypatch):
    pb = problem_from_config(RADEMACHER)
    codes = np.array([1, 1, -1, 0, 0, 0])
    out = evaluate_point(pb, codes, nu=0.001, start=np.zeros(6, dtype=int))
    q = out["quantities"]
    grid = np.array(np.meshgrid(*[np.arange(-1, 2)] * 6, indexing="ij")).reshape(6, -1).T
    assert q["L*_Q"] == pytest.approx(pb.population_risk(grid).min(), abs=1e-12)  # E2, checked by brute force
    assert q["excess"] == pytest.approx(pb.population_risk(codes) - q["L*_Q"], abs=1e-12)
    # 3^6 points: min L_n and min F are enumerated, so Gamma_Ln and Gamma_F are exact
    assert q["min L_n"] == pytest.approx(pb.empirical_risk(grid).min(), abs=1e-12)
    assert q["Gamma_F"] == pytest.approx(pb.objective(codes, "penalized") - pb.objective(grid, "penalized").min(),
                                         abs=1e-12)
    # beyond the enumeration limit min L_n is replaced by 0: Gamma_Ln is an upper bound, so A0 stays valid
    monkeypatch.setattr("qtheory.evaluate.SMALL_ENUMERATION", 100)
    big = evaluate_point(pb, codes, nu=0.001)["quantities"]
    assert big["min L_n"] is None and big["Gamma_Ln_is_upper_bound"] and big["Gamma_Ln"] == pb.empirical_risk(codes)
    teacher = np.array([1, 0, -1, 0, 0, 0])
    gam = max(0.0, pb.objective(codes, "penalized") - pb.objective(teacher, "penalized"))
    assert q["Gamma_ref"] == pytest.approx(gam) and q["Gamma_ref_s"] == 2
    num = dict(B=4.0, n=100, p=6, Qsize=3, delta=0.05, a=0.45, lam=1.5, d=0.5)
    assert set(out["bounds"]) == {"A0", "A", "B", "V1", "V4"}
    for name in ("A", "B"):
        b = out["bounds"][name]
        assert b["value"] == pytest.approx(float(RESULTS[name].evaluate(s=2, eps=0.0, Gamma=gam, **num)))
        assert sum(b["terms"].values()) == pytest.approx(b["value"], rel=1e-12)
    assert q["U_Q_is"] == "exact" and q["U_Q"] <= 2.0 + 1e-12  # enumerable here; E3: U_Q <= 2
    assert out["C"]["bound F0/nu"] == pytest.approx(pb.objective(np.zeros(6), "penalized") / 0.001)
    path = _problem_file(tmp_path, RADEMACHER)
    assert main(["evaluate", str(path), "--codes=1,0,-1,0,0,0", "--s", "1"]) == 2
    assert "eps is exact only for s in [2, 6]" in capsys.readouterr().err


def test_scale_records_store_each_bound_as_its_terms():
    import copy

    from qtheory.experiments.scale_cells import run_scale_cell
    from qtheory.experiments.spec import Cell, default_sweeps_dir, load_sweep

    cells = load_sweep(default_sweeps_dir() / "sparse_dense.toml").cells(quick=True)
    cfg = copy.deepcopy(next(c.config for c in cells if c.config["problem"]["data"]["p"] == 100))
    cfg["problem"]["data"]["n"] = 200
    rec = run_scale_cell(Cell("t", cfg), version=0)
    assert rec["solutions"]
    for sol in rec["solutions"].values():
        assert {"A0", "V1", "V4"} <= set(sol["terms"]) and set(sol["terms"]) <= set(sol["bounds"])
        assert sol["bounds"]["V4"] <= sol["bounds"]["V1"]  # the exact count is never larger
        for name, terms in sol["terms"].items():
            assert sum(terms.values()) == pytest.approx(sol["bounds"][name], rel=1e-12), name


def test_evaluate_exits_1_when_an_applicable_bound_is_violated(tmp_path, capsys, monkeypatch):
    import qtheory.evaluate as ev

    path = _problem_file(tmp_path, toy_config("tanh_squared"))
    real = ev.evaluate_point

    def with_violation(*args, **kwargs):
        out = real(*args, **kwargs)
        out["bounds"]["A0"]["violated"] = True  # as on a sample outside L1's event
        out["bounds"]["B"]["violated"] = True  # B's hypotheses fail here (not 0-local): no verdict from it
        return out

    assert main(["evaluate", str(path), "--codes=1,0,-1,0,2,0"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(ev, "evaluate_point", with_violation)
    assert main(["evaluate", str(path), "--codes=1,0,-1,0,2,0"]) == 1
    text = capsys.readouterr().out
    assert text.count("VIOLATED") == 1 and "A0 " in text.split("VIOLATED")[0].splitlines()[-1]
    assert main(["evaluate", str(path), "--codes=1,0,-1,0,2,0", "--json"]) == 1


def test_evaluate_beyond_enumeration_takes_L_star_and_min_Ln_from_an_exact_solver():
    cfg = {"grid": {"K": 2, "step": 0.5}, "model": {"kind": "linear", "layers": [6, 1]},
           "loss": {"kind": "squared", "B": 1000.0},  # the clip is never reached: branch-and-bound applies
           "data": {"kind": "teacher", "N": 200, "n": 50, "seed": 0, "noise": 0.3, "density": 0.5},
           "penalty": {"a": 2.0, "lam": 0.5}}
    pb = problem_from_config(cfg)
    codes = np.array([0, -1, -1, 0, 1, 0])
    by_solver = evaluate_point(pb, codes, max_seconds=1e-6)  # enumeration refused
    exact = evaluate_point(pb, codes)
    assert by_solver["exact_by"].startswith("exact solvers") and "exact_by" not in exact
    qs, qe = by_solver["quantities"], exact["quantities"]
    for key in ("L*_Q", "min L_n", "excess", "Gamma_Ln"):
        assert qs[key] == pytest.approx(qe[key], abs=1e-12), key
    for name in ("A0", "V1", "V4"):
        assert by_solver["bounds"][name]["value"] == pytest.approx(exact["bounds"][name]["value"], rel=1e-12)
    grid = np.array(np.meshgrid(*[np.arange(-2, 3)] * 6, indexing="ij")).reshape(6, -1).T
    ref = grid[np.argmin(pb.population_risk(grid))]
    gam = max(0.0, pb.objective(codes, "penalized") - pb.objective(ref, "penalized"))
    num = dict(B=1000.0, n=50, p=6, Qsize=5, delta=0.05, a=2.0, lam=0.5, d=0.5)
    a = by_solver["bounds"]["A"]
    assert a["s"] == max(1, int(np.count_nonzero(ref))) and a["eps"] == 0.0
    assert a["value"] == pytest.approx(float(RESULTS["A"].evaluate(s=a["s"], eps=0.0, Gamma=gam, **num)))
    assert qs["min F"] is None and by_solver["L1"]["event_on_sample"] is None
