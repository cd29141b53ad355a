"""F3: Q-CD's descent along accepted moves, and the moves used against C's bound F(beta^0)/nu.

Q-CD (result C).  Top: F along the accepted moves from several starts on one sample (move 0 is the
start).  Bottom: moves used against the bound F(beta^0)/nu, every Q-CD run with nu > 0.  Source: sweep
``local`` (L2's hypotheses met).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from qtheory.experiments.plots import style

NAME = "f3_qcd"
SWEEPS = ("local",)
MAX_TRACES = 8
#: one colour per kind of start (every random start the same colour: one legend entry per colour)
START_COLORS = {"random": "#7f7f7f", "round": style.COLORS["excess_qcd"], "zero": style.COLORS["A0"],
                "ste": style.COLORS["ste"]}


def _runs(recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in recs if r.get("qcd") is not None and r["checks"].get("L2", {}).get("applicable")]


def _trace_sample(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Q-CD runs of the first sample (smallest n, seed and penalty label), at most MAX_TRACES, the
    non-random starts first."""
    if not runs:
        return []
    key = min((r["instance"]["n"], r["config"]["problem"]["data"].get("seed", 0), r["config"]["labels"].get("variant", ""))
              for r in runs)
    same = [r for r in runs if (r["instance"]["n"], r["config"]["problem"]["data"].get("seed", 0),
                                r["config"]["labels"].get("variant", "")) == key]
    same.sort(key=lambda r: (r["config"]["solver"].get("start") == "random", r["config"]["solver"].get("repeat", 0)))
    return same[:MAX_TRACES]


def plot(records: dict[str, list[dict[str, Any]]], out_dir: str | Path) -> list[Path]:
    runs = _runs(records.get("local", []))
    fig, axes = style.figure(4.4, 2, 1)
    ax = axes[0]
    sample = _trace_sample(runs)
    if sample:
        labelled: set[str] = set()
        for r in sample:
            q = r["qcd"]
            F = [q["F0"], *q["trace_F"]]
            start = r["config"]["solver"].get("start", "")
            random = start == "random"
            label = (f"{sum(x['config']['solver'].get('start') == 'random' for x in sample)} random starts"
                     if random else f"start: {start}")
            ax.plot(range(len(F)), F, "-", marker=".", lw=0.9, alpha=0.75 if random else 1.0,
                    color=START_COLORS.get(start, "#17becf"), label=None if label in labelled else label,
                    zorder=2 if random else 3)
            labelled.add(label)
        n = sample[0]["instance"]["n"]
        ax.axhline(sample[0]["instance"]["F_min"], color="0.3", ls="--", lw=0.8, label=r"$\min\, F$ over $Q^p$")
        ax.set_yscale("log")
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("accepted move")
        ax.set_ylabel(r"$F(\beta) = L_n(\beta) + P(\beta)$")
        style.panel_label(ax, f"(a) F along accepted moves, one sample (n = {n})")
        ax.legend(loc="lower left")
    else:
        style.no_data(ax, "no Q-CD runs")
    ax = axes[1]
    pts = [(r["qcd"]["moves_bound"], r["qcd"]["moves"]) for r in runs if r["qcd"]["moves_bound"] is not None]
    if pts:
        bound, moves = np.array(pts, dtype=float).T
        ax.plot(bound, moves, "o", ms=2.5, alpha=0.5, color=style.COLORS["excess_qcd"],
                mec="none", label=f"{len(pts)} Q-CD runs")
        hi = max(bound.max(), moves.max()) * 1.3
        ax.plot([], [], "-", color="0.3", lw=0.9, label=r"moves $= F(\beta^0)/\nu$")
        lo = bound.min() / 3
        line = np.geomspace(lo, hi, 50)
        ax.plot(line, line, "-", color="0.3", lw=0.9)
        ax.set_xscale("log")
        style.symlog_zero(ax, 1.0, hi)
        ax.set_xlim(lo, hi)
        ax.set_xlabel(r"bound $F(\beta^0)/\nu$")
        ax.set_ylabel("moves used")
        ax.legend(loc="upper left")
        from matplotlib.ticker import NullFormatter

        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())
        style.panel_label(ax, r"(b) moves used, all runs with $\nu > 0$")
    else:
        style.no_data(ax, r"no Q-CD runs with $\nu > 0$")
    return style.save(fig, out_dir, NAME)
