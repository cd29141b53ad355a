"""The main job: run the default sweeps, draw every figure from the stored records, write the report.

Results of the full run go to ``<out>/results/<sweep>/``, those of ``--quick`` to ``<out>/results-quick/``,
so the two never mix; figures and ``report.md`` / ``report.json`` go to ``<out>``.  Without an explicit
``out``, the full run writes to ``figures/`` and the quick run to ``figures/quick/`` (see :func:`default_out`),
so a quick run never overwrites the full figures; every quick figure and the quick report are labelled as such.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from qtheory.experiments.runner import SweepRun, run_sweep
from qtheory.experiments.spec import default_sweeps_dir, load_sweep
from qtheory.experiments.store import Store, write_atomic

Say = Callable[[str], None]


#: the label across every panel of a quick run's figures (the report says it in its title)
QUICK_LABEL = "QUICK RUN"


def results_dir(out: str | Path, quick: bool) -> Path:
    return Path(out) / ("results-quick" if quick else "results")


def default_out(quick: bool) -> Path:
    """Where ``qtheory figures`` writes without ``--out``: ``figures`` for the full run, ``figures/quick`` for
    ``--quick`` (git-ignored), so a quick run never replaces the full figures and report."""
    return Path("figures") / "quick" if quick else Path("figures")


def default_sweep_files() -> list[Path]:
    return sorted(default_sweeps_dir().glob("*.toml"))


def load_records(results: str | Path, sweeps: tuple[str, ...] | list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every stored record of the named sweeps under ``results`` (a sweep without results: empty list)."""
    return {name: list(Store(results, name).records()) for name in sweeps}


@dataclass
class JobResult:
    runs: list[SweepRun] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)
    report: list[Path] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def run_sweeps(out: str | Path, *, quick: bool, jobs: int, dask: str | None, progress: bool | None,
               say: Say) -> tuple[list[SweepRun], dict[str, list[dict[str, Any]]]]:
    """Run every default sweep; return the runs and the records of exactly their cells."""
    runs, records = [], {}
    for path in default_sweep_files():
        sweep = load_sweep(path)
        run = run_sweep(sweep, results_dir(out, quick), jobs=jobs, dask=dask, quick=quick, progress=progress)
        say(f"sweep {sweep.name}: {len(run.cells)} cells ({run.skipped} already done, {run.ran} run) in "
            f"{run.seconds:.1f} s")
        runs.append(run)
        records[sweep.name] = run.records()
    return runs, records


def make_figures(records: dict[str, list[dict[str, Any]]], out: str | Path, *, quick: bool = False,
                 progress: bool | None = None) -> list[Path]:
    """Every figure from the records; a quick run's figures carry :data:`QUICK_LABEL` across every panel.
    ``progress``: as for :func:`qtheory.experiments.runner.run_sweep` (one unit per figure module)."""
    from qtheory.experiments.plots import FIGURES, style
    from qtheory.progress import Progress

    paths = []
    with style.stamp(QUICK_LABEL if quick else None), \
            Progress("drawing figures", len(FIGURES), unit="figures", enabled=progress) as bar:
        for module in FIGURES:
            paths += module.plot({k: records.get(k, []) for k in module.SWEEPS}, out)
            bar.update(1, module.__name__.rsplit(".", 1)[-1])
    return paths


def write_report(records: dict[str, list[dict[str, Any]]], out: str | Path, *,
                 quick: bool = False) -> tuple[list[Path], dict[str, Any]]:
    """``report.md`` and ``report.json`` under ``out`` (mode 0644 under the usual umask); ``quick`` is recorded
    in the JSON and in the Markdown title."""
    from qtheory.experiments.report import render_markdown, summarize

    summary = summarize(records)
    summary["quick"] = quick
    out = Path(out)
    md, js = out / "report.md", out / "report.json"
    write_atomic(md, render_markdown(summary))
    write_atomic(js, json.dumps(summary, sort_keys=True, indent=1, allow_nan=False) + "\n")
    return [md, js], summary


def main_job(out: str | Path, *, quick: bool = False, jobs: int = 1, dask: str | None = None,
             progress: bool | None = None, say: Say = print) -> JobResult:
    """Run the default sweeps (resuming), then write every figure and the report under ``out``."""
    runs, records = run_sweeps(out, quick=quick, jobs=jobs, dask=dask, progress=progress, say=say)
    result = JobResult(runs=runs)
    result.figures = make_figures(records, out, quick=quick, progress=progress)
    result.report, result.summary = write_report(records, out, quick=quick)
    return result
