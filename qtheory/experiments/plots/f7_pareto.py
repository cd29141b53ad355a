"""F7: real data, test error against the V4 certificate over the configurations: the Pareto front.

For each data set, every configuration of every run is a point (its V4 certificate on the certification
rows, its test error): Q-CD networks (dots) and their STE baselines (triangles).  The line is the Pareto
front of the Q-CD points averaged over the split seeds, configuration by configuration: the configurations
that no other one beats on both mean V4 and mean test error.  Stars: the networks the train-only selection
rule chose, one per seed.  Source: sweep ``realdata``; ``benchmarks/certify_real_data.py --figure`` draws the
same figure from the benchmark's runs over the default configurations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from qtheory.experiments.plots import style

NAME = "f7_pareto"
SWEEPS = ("realdata",)


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the points (x, y) that no other point dominates (x' <= x and y' <= y, one strictly), in
    increasing x; of equal points the first is kept."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], points[i][1], i))
    front: list[int] = []
    best_y = np.inf
    for i in order:
        if points[i][1] < best_y:
            front.append(i)
            best_y = points[i][1]
    return front


def _mean_by_config(results: list[dict[str, Any]]) -> tuple[list[str], np.ndarray]:
    """Per configuration label: (mean V4, mean test error) over the runs."""
    acc: dict[str, list[tuple[float, float]]] = {}
    for res in results:
        for row in res["configs"]:
            acc.setdefault(row["config"]["label"], []).append((row["bound_V4"], row["test_error"]))
    labels = list(acc)
    return labels, np.array([np.mean(acc[k], axis=0) for k in labels])


def draw(results: list[dict[str, Any]], out_dir: str | Path, name: str = NAME) -> list[Path]:
    """The figure from ``certify_dataset`` records (any number of data sets and seeds)."""
    datasets = sorted({r["dataset"] for r in results})
    fig, axes = style.figure(2.3 * max(1, len(datasets)), max(1, len(datasets)), 1, squeeze=False)
    axes = axes[:, 0]
    if not datasets:
        style.no_data(axes[0], "no results for sweep realdata")
    for i, (ax, dataset) in enumerate(zip(axes, datasets)):
        runs = [r for r in results if r["dataset"] == dataset]
        rows = [row for r in runs for row in r["configs"]]
        ax.plot([row["ste"]["bound_V4"] for row in rows], [row["ste"]["test_error"] for row in rows], "^",
                color=style.COLORS["ste"], alpha=0.35, ms=2.5, label="STE baselines")
        ax.plot([row["bound_V4"] for row in rows], [row["test_error"] for row in rows], "o",
                color=style.COLORS["V4"], alpha=0.35, ms=2.5, label="Q-CD, one run")
        labels, means = _mean_by_config(runs)
        front = pareto_front([tuple(m) for m in means])
        ax.plot(means[front, 0], means[front, 1], "-", color="black", lw=1.0, label="Pareto front (seed means)")
        ax.plot([r["bound_V4"] for r in runs], [r["test_error"] for r in runs], "*", color="black", ms=6,
                label="chosen (train-only rule)")
        ax.set_xlim(0, min(1.02, 1.1 * max(max(row["bound_V4"], row["ste"]["bound_V4"]) for row in rows)))
        ax.set_ylim(0, max(0.2, 1.1 * max(row["test_error"] for row in rows)))
        ax.set_xlabel("V4 certificate (0-1 error, with ln M)")
        ax.set_ylabel("test error")
        M = int(np.median([r["M"] for r in runs]))
        style.panel_label(ax, f"({'abcdefgh'[i]}) {Path(dataset).stem}: {len(runs)} runs, M = {M}")
    if datasets:
        axes[0].legend(loc="best")
    return style.save(fig, out_dir, name)


def plot(records: dict[str, list[dict[str, Any]]], out_dir: str | Path) -> list[Path]:
    return draw([rec["result"] for rec in records.get("realdata", [])], out_dir)
