"""The main job: `qtheory figures --quick` writes every figure (PNG and PDF, one column wide, fonts >= 8 pt)
and a report with zero violations; the one-figure scripts redraw from the stored results."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qtheory.experiments.pipeline import default_sweep_files, load_records
from qtheory.experiments.plots import FIGURES, style

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["f1_excess_vs_n", "f2_threshold", "f3_qcd", "f4_gamma", "f5_complexity", "f6_realdata", "f7_sparse_dense",
         "f8_looseness"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("figures")
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "qtheory", "figures", "--quick", "--out", str(out), "--jobs", "2",
                           "--no-progress"], capture_output=True, text=True, timeout=900)
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
    assert "**Violations: 0.**" in md
    for result in ("| A0 |", "| A |", "| B |", "| V1 |", "## L1", "## L2", "## C (Q-CD)", "V1 on real data",
                   "## Budget: which term dominates each bound", "## Where the looseness comes from",
                   "## Sparse vs dense, measured"):
        assert result in md
    summary = json.loads((out / "report.json").read_text())
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
