"""The report's violations can be non-zero: a small sweep run with a planted false bound (A0 without its
statistical term but a thousandth of it) shows the violation in every place a user reads it: the cell files,
report.md, report.json, and the exit status of ``qtheory sweep --report`` and ``qtheory figures``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

import qtheory.theory
from qtheory.cli import main
from qtheory.experiments import pipeline
from qtheory.theory import DENSE_RADIUS
from qtheory.theory.symbols import Gamma

pytestmark = pytest.mark.claim

SWEEP = """
name = "excess_vs_n"
delta = 0.1
s = "best"
[problem.grid]
K = 1
step = 1.0
[problem.model]
kind = "linear"
layers = [3, 1]
[problem.loss]
kind = "squared"
B = 9.0
[problem.data]
kind = "teacher"
N = 60
n = 12
noise = 0.5
teacher_values = [1.0, 0.0, 0.0]
[penalty]
a_over_U = 0.9
alam_over_d = 1.25
nu_fraction = 0.5
[axes]
"problem.data.seed" = [0, 1, 2, 3]
[[solvers]]
kind = "erm"
[[solvers]]
kind = "global"
[[solvers]]
kind = "qcd"
start = "random"
repeats = 2
"""


@pytest.fixture
def planted(monkeypatch, tmp_path) -> Path:
    """A0's value replaced by Gamma + D_dense/1000 (2000 times too small a statistical term): false, violated
    wherever a point has an excess risk above that; the small sweep stands in for the default sweeps."""
    false_a0 = dataclasses.replace(qtheory.theory.A0, value=Gamma + DENSE_RADIUS / 1000)
    monkeypatch.setattr(qtheory.theory, "A0", false_a0)
    path = tmp_path / "excess_vs_n.toml"
    path.write_text(SWEEP)
    monkeypatch.setattr(pipeline, "default_sweep_files", lambda: [path])
    return path


def _violated_cells(cells: Path) -> int:
    """Cells whose A0 entry is flagged violated; every flag of A0, A and B must equal excess > value."""
    count = 0
    for path in cells.glob("[!.]*.json"):
        rec = json.loads(path.read_text())
        excess = rec["solution"]["excess"]
        for name, entry in rec["bounds"].items():
            if name in ("A0", "A", "B"):
                assert entry["violated"] == (excess > entry["value"]), (path.name, name, excess, entry)
        count += rec["bounds"]["A0"]["violated"]
    return count


def test_planted_false_bound_shows_in_cells_report_and_exit_status(planted, tmp_path, capsys):
    out = tmp_path / "sweep"
    code = main(["sweep", str(planted), "--out", str(out), "--report", "--no-progress"])
    text = capsys.readouterr().out
    violated = _violated_cells(out / "excess_vs_n" / "cells")
    assert violated > 0, "no cell records the planted violation"
    assert code == 1, "sweep --report exits 0 despite violations"
    assert f"violations: {violated}" in text and "**VIOLATED in" in text

    figs = tmp_path / "figures"
    code = main(["figures", "--out", str(figs), "--no-progress"])
    captured = capsys.readouterr()
    text = captured.out
    assert code == 1, f"figures exits {code} despite violations: {captured.err[-500:]}"
    assert _violated_cells(figs / "results" / "excess_vs_n" / "cells") == violated
    md = (figs / "report.md").read_text()
    assert f"**Violations: {violated}.**" in md
    assert f"| A0 | " in md and f"**VIOLATED in {violated} cell(s)**" in md
    summary = json.loads((figs / "report.json").read_text())
    assert summary["total_violations"] == violated == summary["results"]["A0"]["violations"]
    assert all(v["what"].startswith("A0: excess") for v in summary["violations"])
    assert f"violations: {violated}" in text
