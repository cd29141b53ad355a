"""What a toy cell measures, checked against brute force over all of Q^p (625 code vectors), and the report
built from the records (violations found and listed with seed and configuration)."""

from __future__ import annotations

import copy
import itertools
import math

import numpy as np
import pytest

from qtheory.experiments.cells import run_task
from qtheory.experiments.instance import problem_config
from qtheory.experiments.report import render_markdown, summarize
from qtheory.experiments.spec import group_cells, sweep_from_dict
from qtheory.problem import Penalty, problem_from_config
from qtheory.theory import kl_inverse

RAW = {
    "name": "tiny",
    "delta": 0.1,
    "problem": {
        "grid": {"K": 2, "step": 0.5},
        "model": {"kind": "mlp", "layers": [1, 2, 1], "activation": "tanh"},
        "loss": {"kind": "squared", "B": 4.0},
        "data": {"kind": "teacher", "N": 60, "n": 30, "noise": 0.3, "teacher_values": [1.0, 0.0, 1.0, 0.0]},
    },
    "penalty": {"a_over_U": 0.9, "alam_over_d": 1.5, "nu_fraction": 0.5},
    "axes": {"problem.data.seed": [0, 1, 2]},
    "solvers": [{"kind": "erm"}, {"kind": "global"}, {"kind": "qcd", "start": "random", "repeats": 3},
                {"kind": "qcd", "start": "zero"}],
}


@pytest.fixture(scope="module")
def records():
    cells = sweep_from_dict(RAW).cells()
    out = []
    for task in group_cells(cells):
        out += [rec for _, rec in run_task(task)[0]]
    assert len(out) == len(cells)
    return out


def brute(record):
    """Every exact quantity by brute force over Q^p with the problem's reference evaluation."""
    cfg = record["config"]
    pb = problem_from_config(problem_config(cfg["problem"]))
    inst = record["instance"]
    pb = copy.copy(pb)
    pb.penalty = Penalty(inst["a"], inst["lam"])
    codes = np.array(list(itertools.product(range(-2, 3), repeat=pb.p)), dtype=np.int64)
    Ln = pb.empirical_risk(codes)
    L = pb.population_risk(codes)
    F = pb.objective(codes, "penalized")
    k = (codes != 0).sum(axis=1)
    dev = np.array([np.abs(Ln - L)[k == kk].max() for kk in range(pb.p + 1)])
    U = -np.inf
    for i, c in enumerate(codes):
        for j in range(pb.p):
            if abs(c[j]) < 2:
                up, down = c.copy(), c.copy()
                up[j] += 1
                down[j] -= 1
                iu = np.flatnonzero((codes == up).all(axis=1))[0]
                idn = np.flatnonzero((codes == down).all(axis=1))[0]
                U = max(U, (Ln[iu] + Ln[idn] - 2 * Ln[i]) / 0.25)
    return {"pb": pb, "codes": codes, "Ln": Ln, "L": L, "F": F, "k": k, "dev": dev, "U": U}


@pytest.fixture(scope="module")
def exact(records):
    by_seed = {}
    for rec in records:
        seed = rec["config"]["problem"]["data"]["seed"]
        if seed not in by_seed:
            by_seed[seed] = brute(rec)
    return by_seed


def test_instance_quantities_match_brute_force(records, exact):
    for rec in records:
        ex = exact[rec["config"]["problem"]["data"]["seed"]]
        inst = rec["instance"]
        assert inst["L_star"] == pytest.approx(ex["L"].min(), abs=1e-12)
        assert inst["Ln_min"] == pytest.approx(ex["Ln"].min(), abs=1e-12)
        assert inst["F_min"] == pytest.approx(ex["F"].min(), abs=1e-12)
        assert inst["U"] == pytest.approx(ex["U"], abs=1e-9)
        assert inst["a"] == pytest.approx(0.9 / ex["U"])
        assert np.allclose(inst["L1"]["dev_by_k"], ex["dev"], atol=1e-12)
        # independent transcription of D(k) = B sqrt((k ln(p|Q|) + ln(2(p+1)/delta'))/(2n)), on purpose
        D = [4.0 * math.sqrt((kk * math.log(4 * 5) + math.log(2 * 5 / 0.1)) / (2 * 30)) for kk in range(5)]
        assert np.allclose(inst["L1"]["D_by_k"], D)
        assert inst["L1"]["held"] == bool(np.all(ex["dev"] <= np.array(D)))


def test_solutions_and_bounds_are_wired_to_the_theory(records, exact):
    kinds, n_B = set(), 0
    for rec in records:
        ex = exact[rec["config"]["problem"]["data"]["seed"]]
        inst, sol, bounds = rec["instance"], rec["solution"], rec["bounds"]
        kinds.add(rec["config"]["solver"]["kind"])
        i = int(np.flatnonzero((ex["codes"] == np.array(sol["codes"])).all(axis=1))[0])
        excess = ex["L"][i] - ex["L"].min()
        assert sol["excess"] == pytest.approx(excess, abs=1e-12)
        assert sol["nnz"] == ex["k"][i]
        assert sol["gamma_F"] == pytest.approx(ex["F"][i] - ex["F"].min(), abs=1e-12)
        if rec["config"]["solver"]["kind"] == "global":
            assert sol["gamma_F"] == pytest.approx(0.0, abs=1e-12)
        if rec["config"]["solver"]["kind"] == "erm":
            assert sol["gamma_Ln"] == pytest.approx(0.0, abs=1e-12)
        # independent transcriptions of A0, B (min over s) and V1, on purpose
        p, Q, n, Bl, delta = 4, 5, 30, 4.0, 0.1
        a0 = sol["gamma_Ln"] + 2 * Bl * math.sqrt((p * math.log(Q) + math.log(2 / delta)) / (2 * n))
        assert bounds["A0"]["value"] == pytest.approx(a0, rel=1e-12)
        c = (sol["nnz"] * math.log(p * Q) + math.log(2 * (p + 1) * math.sqrt(n) / delta)) / n
        v1 = Bl * float(kl_inverse(ex["Ln"][i] / Bl, c)) - ex["L"].min()
        assert bounds["V1"]["value"] == pytest.approx(v1, rel=1e-9)
        c4 = (math.log(math.comb(p, sol["nnz"]) * (Q - 1) ** sol["nnz"]) + math.log(2 * (p + 1) * math.sqrt(n) / delta)) / n
        v4 = Bl * float(kl_inverse(ex["Ln"][i] / Bl, c4)) - ex["L"].min()
        assert bounds["V4"]["value"] == pytest.approx(v4, rel=1e-9) and v4 <= v1 + 1e-12
        a, lam, d = inst["a"], inst["lam"], 0.5
        A = Bl**2 * math.log(p * Q) / (2 * n)
        C0 = Bl**2 * math.log(2 * (p + 1) / delta) / (2 * n)
        cQ = a * lam**2 / 2 - d**2 / (2 * a)
        vals = []
        for s in range(1, p + 1):
            ok = ex["k"] <= s
            j = int(np.flatnonzero(ok)[np.argmin(ex["L"][ok])])
            eps = ex["L"][j] - ex["L"].min()
            gam = max(0.0, ex["F"][i] - ex["F"][j])
            Ds = Bl * math.sqrt((s * math.log(p * Q) + math.log(2 * (p + 1) / delta)) / (2 * n))
            vals.append(eps + gam + s * a * lam**2 / 2 + Ds + math.sqrt(C0) + A / (4 * cQ))
        hyp = a * inst["U"] < 1 and d < a * lam <= 2 * d and inst["nu"] < (1 / a - inst["U"]) * d**2 / 2
        assert hyp
        assert ("B" in bounds) == rec["checks"]["local"]
        if "B" in bounds:
            n_B += 1
            assert bounds["B"]["value"] == pytest.approx(min(vals), rel=1e-9)
        for name, entry in bounds.items():
            if sol["excess"] > 0:
                assert entry["tightness"] == pytest.approx(entry["value"] / sol["excess"])
            else:
                assert entry["tightness"] is None
            if name not in ("V1", "V4"):
                assert entry["violated"] == (sol["excess"] > entry["value"])
        # L2's threshold a lam - d, counted by hand
        beta = np.abs(np.array(sol["codes"])) * d
        below = int(np.sum((beta > 0) & (beta <= a * lam - d + 1e-12)))
        assert rec["checks"]["L2"]["below"] == below
    assert kinds == {"erm", "global", "qcd"}
    assert n_B >= 12  # at least the global and Q-CD solutions (certified local)


def test_qcd_cells_record_the_descent_and_its_checks(records):
    runs = [r for r in records if "qcd" in r]
    assert len(runs) == 3 * 4
    for r in runs:
        q = r["qcd"]
        F = [q["F0"], *q["trace_F"]]
        assert len(F) == q["moves"] + 1
        assert all(x - y > q["nu"] for x, y in zip(F, F[1:]))
        assert q["F"] == pytest.approx(F[-1])
        assert q["moves_bound"] == pytest.approx(q["F0"] / q["nu"])
        assert all(q["checks"].values())
        assert r["checks"]["local"]


def test_report_on_true_results_has_no_violation(records):
    summary = summarize({"tiny": records})
    assert summary["total_violations"] == 0
    res = summary["results"]
    assert res["A0"]["cells"] == len(records) and res["C"]["cells"] == 12
    assert res["L1"]["samples"] == 3
    md = render_markdown(summary)
    assert "**Violations: 0.**" in md and "| B |" in md


def test_report_catches_a_planted_false_bound_and_names_the_cell(records):
    """'excess <= Gamma' (no statistical term) in place of B: the report must list its violations, each with
    the cell's seed and configuration for reproduction."""
    planted = copy.deepcopy(records)
    flagged = 0
    for rec in planted:
        entry = rec["bounds"].get("B")
        if entry is None:
            continue
        entry["value"] = entry["Gamma"]
        entry["violated"] = rec["solution"]["excess"] > entry["value"]
        flagged += entry["violated"]
    assert flagged > 0, "the planted variant is never violated on these samples: the check would be vacuous"
    summary = summarize({"tiny": planted})
    assert summary["results"]["B"]["violations"] == flagged == summary["total_violations"]
    md = render_markdown(summary)
    assert "VIOLATED" in md
    v = summary["violations"][0]
    assert v["seed"] in (0, 1, 2) and v["config"]["solver"] and v["cell"] in md and f"seed {v['seed']}" in md
