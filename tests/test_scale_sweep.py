"""The scale sweep (analytic population): cells, skipped cells, the crossover p, the report section and F9."""

import copy

import numpy as np
import pytest

from qtheory.experiments.plots import f9_sparse_dense
from qtheory.experiments.report import render_markdown, summarize
from qtheory.experiments.scale_cells import run_scale_cell
from qtheory.experiments.scale_summary import crossover_p
from qtheory.experiments.spec import default_sweeps_dir, load_sweep, sweep_from_dict


@pytest.fixture(scope="module")
def sweep_raw():
    raw = copy.deepcopy(load_sweep(default_sweeps_dir() / "sparse_dense.toml").raw)
    raw["axes"] = {"problem.data.p": [4, 10, 1000], "problem.data.teacher_nonzeros": [2, 8],
                   "problem.data.n": [100], "problem.data.seed": [0]}
    raw["limits"] = {"max_np": 5e4, "ste_max_np": 1e4, "enumerate_max_work": 1e7}
    return raw


@pytest.fixture(scope="module")
def records(sweep_raw):
    sweep = sweep_from_dict(sweep_raw, default_name="sparse_dense")
    return {"sparse_dense": [run_scale_cell(c, version=2) for c in sweep.cells()]}


def test_cells_measure_exact_excess_and_valid_bounds(records):
    recs = records["sparse_dense"]
    skipped = {r["skipped"] for r in recs if "skipped" in r}
    assert skipped == {"s* = 8 > p = 4", "n p = 1e+05 int8 signs over limits.max_np = 5e+04"}
    done = [r for r in recs if "skipped" not in r]
    assert len(done) == 3
    for r in done:
        inst = r["instance"]
        assert inst["L2_hypotheses"] and all(inst["L2_hypotheses"].values())
        for label, sol in r["solutions"].items():
            assert sol["excess"] >= -1e-12  # E2: nothing beats the teacher
            assert not any(sol["violated"].values()), (label, sol)
            assert sol["L1"]["held"]
            if label.startswith("qcd"):
                assert sol["certified_local"] and "B" in sol["bounds"]
    p5 = next(r for r in done if r["instance"]["p"] == 4)
    assert {"global", "erm", "qcd-zero", "qcd-ste"} <= set(p5["solutions"])
    assert p5["solutions"]["erm"]["Ln_lower"].startswith("exact")
    # the exact min L_n is a lower bound on L_n at every solution
    assert all(s["gamma_Ln"] >= 0 for s in p5["solutions"].values())


def test_crossover_is_the_first_p_from_which_B_stays_below_A0():
    med = {10: {"A0": 1.0, "B": 2.0}, 100: {"A0": 3.0, "B": 2.5}, 1000: {"A0": 9.0, "B": 3.0}}
    assert crossover_p(med) == 100
    med[1000]["B"] = 10.0  # B back above A0 at the largest p: no crossover from 100 on
    assert crossover_p(med) is None
    assert crossover_p({10: {"A0": 5.0, "B": 1.0}}) == 10


def test_report_section_and_figure(records, tmp_path):
    summary = summarize(records)
    sc = summary["results"]["scale"]
    assert sc["cells"] == 6 and len(sc["skipped"]) == 3 and sc["violations"] == []
    assert sc["bounds"]["B"]["solutions"] >= 3 and sc["L1"]["visited_points"] >= 3
    text = render_markdown(summary)
    assert "Sparse vs dense, measured" in text and "crossover p" in text
    # a planted violation (excess above B) is counted and reported
    bad = copy.deepcopy(records)
    sol = next(r for r in bad["sparse_dense"] if "skipped" not in r)["solutions"]["qcd-zero"]
    sol["violated"]["B"] = True
    planted = summarize(bad)
    assert planted["total_violations"] == summary["total_violations"] + 1
    paths = f9_sparse_dense.plot(records, tmp_path)
    assert [p.suffix for p in paths] == [".png", ".pdf"] and all(p.stat().st_size > 1000 for p in paths)
