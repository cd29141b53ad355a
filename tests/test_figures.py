"""The main job: `qtheory figures --quick` writes every figure (PNG and PDF, one column wide, fonts >= 8 pt)
and a report with zero violations; the one-figure scripts redraw from the stored results."""

from __future__ import annotations

import argparse
import json
import os
import stat
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qtheory.experiments import pipeline
from qtheory.experiments.pipeline import QUICK_LABEL, default_sweep_files, load_records
from qtheory.experiments.plots import FIGURES, f4_gamma, style

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["f1_excess_vs_n", "f2_threshold", "f3_qcd", "f4_gamma", "f5_complexity", "f6_realdata",
         "f7_pareto", "f8_looseness", "f9_sparse_dense"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("figures")
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "qtheory", "figures", "--quick", "--out", str(out), "--jobs", "2",
                           "--no-progress"], capture_output=True, text=True, timeout=900,
                          preexec_fn=lambda: os.umask(0o022))
    seconds = time.monotonic() - t0
    print(f"qtheory figures --quick: {seconds:.1f} s (shared machine)")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out, proc.stdout


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_quick_main_job_writes_every_figure_and_a_clean_report(quick_run):
    out, stdout = quick_run
    assert [m.NAME for m in FIGURES] == NAMES
    for name in NAMES:
        png, pdf = out / f"{name}.png", out / f"{name}.pdf"
        assert png.stat().st_size > 10_000 and pdf.read_bytes()[:5] == b"%PDF-"
        width, height = png_size(png)
        assert width == round(style.COLUMN_WIDTH * style.DPI) and height > width / 2
    md = (out / "report.md").read_text()
    assert md.startswith("# Tightness report — QUICK RUN\n") and "**Quick run:**" in md
    for name in ("report.md", "report.json"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o644, "readable by all under umask 022"
    assert "**Violations: 0.**" in md
    for result in ("| A0 |", "| A |", "| B |", "| V1 |", "## L1", "## L2", "## C (Q-CD)", "V4 on real data",
                   "## Budget: which term dominates each bound", "## Where the looseness comes from",
                   "## Sparse vs dense, measured"):
        assert result in md
    summary = json.loads((out / "report.json").read_text())
    assert summary["quick"] is True
    assert summary["total_violations"] == 0 and summary["violations"] == []
    assert set(summary["sweeps"]) == {p.stem for p in default_sweep_files()}
    res = summary["results"]
    assert res["L2"]["nonzeros"] > 0, "L2 is checked on non-zero weights"
    assert res["B"]["cells"] > 0 and res["A0"]["cells"] > 0 and res["C"]["cells"] > 0
    assert "violations: 0" in stdout
    # a second run resumes: every cell already done
    proc = subprocess.run([sys.executable, "-m", "qtheory", "figures", "--quick", "--out", str(out), "--no-progress"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and " 0 run)" in proc.stdout and proc.stdout.count("already done") == len(default_sweep_files())


def test_every_figure_is_column_wide_with_fonts_of_at_least_8_pt(quick_run, monkeypatch):
    import matplotlib.text

    out, _ = quick_run
    names = sorted({s for m in FIGURES for s in m.SWEEPS})
    records = load_records(out / "results-quick", names)
    figs = []
    monkeypatch.setattr(style, "save", lambda fig, out_dir, name: figs.append(fig) or [])
    for module in FIGURES:
        module.plot({k: records[k] for k in module.SWEEPS}, out / "redraw")
    assert len(figs) == len(FIGURES)
    for fig in figs:
        assert fig.get_size_inches()[0] == pytest.approx(style.COLUMN_WIDTH)
        texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip()]
        assert texts and min(t.get_fontsize() for t in texts) >= 8.0
        labelled = [ax for ax in fig.axes if ax.get_xlabel() and ax.get_ylabel()]
        assert labelled, "axes carry labels"


def test_one_figure_script_redraws_from_stored_results(quick_run, tmp_path):
    out, _ = quick_run
    proc = subprocess.run([sys.executable, str(ROOT / "figures" / "f4_gamma.py"), "--results",
                           str(out / "results-quick"), "--out", str(tmp_path)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "f4_gamma.png").is_file() and (tmp_path / "f4_gamma.pdf").is_file()


def _captured_figures(monkeypatch) -> list:
    figs: list = []
    monkeypatch.setattr(style, "write", lambda fig, out_dir, name: figs.append(fig) or [])
    return figs


def _stamped(fig) -> bool:
    """Whether every panel of ``fig`` carries the quick-run label."""
    return all(any(t.get_text() == QUICK_LABEL for t in ax.texts) for ax in fig.axes if ax.get_xlabel())


def test_quick_figures_are_labelled_on_every_panel_and_full_ones_are_not(quick_run, monkeypatch, tmp_path):
    out, _ = quick_run
    records = load_records(out / "results-quick", sorted({s for m in FIGURES for s in m.SWEEPS}))
    figs = _captured_figures(monkeypatch)
    pipeline.make_figures(records, tmp_path, quick=True)
    assert len(figs) == len(FIGURES) and all(_stamped(fig) for fig in figs)
    figs.clear()
    style.setup().close("all")
    pipeline.make_figures(records, tmp_path, quick=False)
    assert len(figs) == len(FIGURES) and not any(_stamped(fig) for fig in figs)
    style.setup().close("all")
    # a one-figure redraw from a quick run's results is labelled too, and goes next to the results by default
    figs.clear()
    from qtheory.experiments.figure_script import main

    assert main(f4_gamma, ["--results", str(out / "results-quick")]) == 0
    assert len(figs) == 1 and _stamped(figs[0])
    style.setup().close("all")


def test_quick_run_goes_to_its_own_git_ignored_folder_by_default(monkeypatch):
    from qtheory.commands import figures

    seen = {}

    def fake_main_job(out, **kwargs):
        seen["out"] = Path(out)
        return pipeline.JobResult(report=[Path("r.md"), Path("r.json")], summary={"total_violations": 0})

    monkeypatch.setattr(pipeline, "main_job", fake_main_job)
    for quick, expected in ((True, Path("figures/quick")), (False, Path("figures"))):
        parser = argparse.ArgumentParser()
        figures.add_parser(parser)
        assert figures.run(parser.parse_args(["--quick"] if quick else [])) == 0
        assert seen["out"] == expected
    proc = subprocess.run(["git", "check-ignore", "-q", "figures/quick/f1_excess_vs_n.png"], cwd=ROOT)
    assert proc.returncode == 0, "figures/quick is git-ignored"


def test_sweep_records_export_as_one_csv_table(quick_run, tmp_path):
    import csv

    from qtheory.experiments.export import records_table, write_csv
    from qtheory.experiments.spec import default_sweeps_dir

    out, _ = quick_run
    results = out / "results-quick"
    names = [p.stem for p in default_sweep_files()]
    records = load_records(results, names)
    rows = records_table(results)
    expected = sum(len(r["result"]["configs"]) if r["config"]["kind"] == "data" else 1
                   for recs in records.values() for r in recs)
    assert len(rows) == expected > 0
    with open(write_csv(rows, tmp_path / "all.csv"), newline="") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == expected and list(table[0])[:2] == ["sweep", "id"]
    by_id = {(row["sweep"], row["id"]): row for row in table if row["sweep"] != "realdata"}
    for name, recs in records.items():
        for rec in recs:
            if rec["config"]["kind"] == "toy":
                row = by_id[(name, rec["id"])]
                assert float(row["solution.excess"]) == rec["solution"]["excess"]  # shortest repr: exact round trip
                assert json.loads(row["solution.codes"]) == rec["solution"]["codes"]
    data = [row for row in table if row["sweep"] == "realdata"]
    per_cell = {}
    for row in data:
        per_cell[row["id"]] = per_cell.get(row["id"], 0) + (row["result.chosen"] == "True")
    assert data and set(per_cell.values()) == {1}, "one chosen configuration per data cell"
    # the same table for one sweep from the command line
    csv_path = tmp_path / "local.csv"
    proc = subprocess.run([sys.executable, "-m", "qtheory", "sweep", str(default_sweeps_dir() / "local.toml"), "--quick",
                           "--out", str(results), "--no-progress", "--export", str(csv_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    with open(csv_path, newline="") as fh:
        assert len(list(csv.DictReader(fh))) == len(records["local"])
    # an unwritable destination is a user error: one line naming --export, exit status 2
    (tmp_path / "a_file").write_text("")
    proc = subprocess.run([sys.executable, "-m", "qtheory", "sweep", str(default_sweeps_dir() / "local.toml"), "--quick",
                           "--out", str(results), "--no-progress", "--export", str(tmp_path / "a_file" / "x.csv")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "--export" in proc.stderr
