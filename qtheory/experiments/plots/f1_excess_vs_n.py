"""F1: realized excess risk and the bounds A0, A, B, V1 against the sample size n.

Realized excess risk and the bounds A0, A, B, V1 against n, for global solutions (top) and Q-CD
solutions (bottom), with an n^(-1/2) guide.  Source: sweep ``excess_vs_n``.

Excess: mean over samples (and starts), markers.  On a finite grid the realized excess is often exactly 0
(the population minimizer is found), so the y axis is logarithmic above 10^-4 and linear below (0 is drawn).
Bounds: median over the same cells, lines; dotted: the trivial bound B - L*_Q (above it a bound is vacuous).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from qtheory.experiments.plots import style

NAME = "f1_excess_vs_n"
SWEEPS = ("excess_vs_n",)
LINTHRESH = 1e-4
EXCESS_STYLE = {
    "erm": (r"$\arg\min L_n$", "o", style.COLORS["excess"], "white"),
    "global": (r"$\arg\min F$", "s", style.COLORS["excess"], style.COLORS["excess"]),
    "qcd-round": ("Q-CD, rounded start", "D", style.COLORS["excess_qcd"], style.COLORS["excess_qcd"]),
    "qcd-random": ("Q-CD, random starts", "d", style.COLORS["excess_qcd"], "white"),
}


def _by_n(records: list[dict[str, Any]], kind: str, start: str | None = None) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for rec in records:
        solver = rec["config"]["solver"]
        if solver["kind"] == kind and (start is None or solver.get("start") == start):
            out.setdefault(int(rec["instance"]["n"]), []).append(rec)
    return dict(sorted(out.items()))


def _median_bound(recs: list[dict[str, Any]], name: str) -> float:
    vals = [r["bounds"][name]["value"] for r in recs if name in r["bounds"]]
    return float(np.median(vals)) if vals else np.nan


def _panel(ax, groups: dict[str, dict[int, list]], bounds_from: dict[str, str], letter: str) -> None:
    ns_all = sorted({n for g in groups.values() for n in g})
    groups = {k: v for k, v in groups.items() if v}
    for bound, group in bounds_from.items():
        ns = np.array(sorted(groups[group]))
        vals = np.array([_median_bound(groups[group][n], bound) for n in ns])
        ok = np.isfinite(vals)
        if ok.any():
            ax.plot(ns[ok], vals[ok], "-", color=style.COLORS[bound], label=bound)
    for group, by_n in groups.items():
        if group not in EXCESS_STYLE or not by_n:
            continue
        label, marker, color, mfc = EXCESS_STYLE[group]
        ns = np.array(sorted(by_n))
        mean = np.array([np.mean([r["solution"]["excess"] for r in by_n[n]]) for n in ns])
        ax.plot(ns, mean, marker, color=color, mfc=mfc, ls=":", lw=0.8, label=label)
    any_recs = [r for g in groups.values() for rs in g.values() for r in rs]
    # (a record may sit in two groups of a panel; the median below is unaffected)
    trivial = float(np.median([r["instance"]["B"] - r["instance"]["L_star"] for r in any_recs]))
    ax.axhline(trivial, color="0.4", ls=":", lw=0.8, label=r"$B - L^*_Q$")
    first = [_median_bound(groups[g][ns_all[0]], b) for b, g in bounds_from.items()]
    top = np.nanmax(first)
    ns = np.array([ns_all[0], ns_all[-1]], dtype=float)
    ax.plot(ns, 0.3 * top * np.sqrt(ns[0] / ns), "--", color="0.5", lw=0.8, label=r"$\propto n^{-1/2}$")
    ax.set_xscale("log")
    style.symlog_zero(ax, LINTHRESH, top * 3)
    ax.set_ylabel(r"$L(\hat\beta) - L^*_Q$ and bounds")
    style.panel_label(ax, letter)


def plot(records: dict[str, list[dict[str, Any]]], out_dir: str | Path) -> list[Path]:
    recs = records.get("excess_vs_n", [])
    fig, axes = style.figure(5.0, 2, 1, sharex=True)
    if not recs:
        for ax in axes:
            style.no_data(ax, "no results for sweep excess_vs_n")
        return style.save(fig, out_dir, NAME)
    glob = {"erm": _by_n(recs, "erm"), "global": _by_n(recs, "global")}
    _panel(axes[0], glob, {"A0": "erm", "A": "global", "B": "global", "V1": "global"},
           "(a) exact minimizers")
    local = {"qcd": _by_n(recs, "qcd"), "qcd-round": _by_n(recs, "qcd", "round"),
             "qcd-random": _by_n(recs, "qcd", "random")}
    _panel(axes[1], local, {"A0": "qcd", "A": "qcd", "B": "qcd", "V1": "qcd"},
           "(b) Q-CD outputs (certified local)")
    axes[1].set_xlabel(r"sample size $n$")
    handles, labels = axes[0].get_legend_handles_labels()
    h2, l2 = axes[1].get_legend_handles_labels()
    for h, lab in zip(h2, l2):
        if lab not in labels:
            handles.append(h)
            labels.append(lab)
    fig.legend(handles, labels, loc="outside upper center", ncol=3, handlelength=1.5, columnspacing=0.8,
               title="lines: bounds (median); markers: realized excess (mean)")
    return style.save(fig, out_dir, NAME)
