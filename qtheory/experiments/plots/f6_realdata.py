"""F6: real data, test error and V4 certificate (V1 beside it) of Q-CD and STE nets across lambda.

Real data.  For breast_cancer and digits, against the MCP level lambda: the test error and the V4
certificate (0-1 error, exact count C(p,k)(|Q|-1)^k, with V2's ln M; V1, the same with (p|Q|)^k, dashed) of
the quantized linear classifier trained by Q-CD from an STE warm start, and of the rounded STE baseline.  Mean over split seeds, bars: min to max; the numbers are the
mean non-zero counts ||beta^||_0 (Q-CD under its certificates, STE at its last lambda).  Source: sweep
``realdata``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from qtheory.experiments.plots import style

NAME = "f6_realdata"
SWEEPS = ("realdata",)
#: height of a count label and the half-height of a marker, in data units of the 0-1 error axis (0 to YLIM)
LABEL_HEIGHT, MARKER_PAD = 0.085, 0.025
YLIM = 1.1


def _table(recs: list[dict[str, Any]], dataset: str) -> dict[str, dict[float, list[float]]]:
    out: dict[str, dict[float, list[float]]] = {}
    for rec in recs:
        res = rec["result"]
        if res["dataset"] != dataset:
            continue
        for row in res["configs"]:
            lam = float(row["config"]["lam"])
            for key, val in (("qcd_test", row["test_error"]), ("qcd_V4", row["bound_V4"]), ("qcd_V1", row["bound_V1"]),
                             ("qcd_k", row["nonzeros"]), ("ste_test", row["ste"]["test_error"]),
                             ("ste_V4", row["ste"]["bound_V4"]),
                             ("ste_k", row["ste"]["nonzeros"]), ("p", row["p"])):
                out.setdefault(key, {}).setdefault(lam, []).append(float(val))
    return out


def _series(ax, table, key: str, color: str, marker: str, ls: str, label: str, mfc: str | None = None) -> None:
    lams = np.array(sorted(table[key]))
    vals = [np.asarray(table[key][lam]) for lam in lams]
    mean = np.array([v.mean() for v in vals])
    err = np.array([[m - v.min() for m, v in zip(mean, vals)], [v.max() - m for m, v in zip(mean, vals)]])
    ax.errorbar(lams, mean, yerr=err, fmt=marker, ls=ls, color=color, mfc=mfc or color, capsize=1.5, lw=1.0,
                elinewidth=0.7, label=label)


def _spans(table: dict[str, dict[float, list[float]]], lam: float) -> list[tuple[float, float]]:
    """The vertical extent of every drawn series at ``lam``: its range over the splits, plus a marker."""
    keys = ("qcd_V4", "qcd_V1", "qcd_test", "ste_V4", "ste_test")
    return [(min(table[k][lam]) - MARKER_PAD, max(table[k][lam]) + MARKER_PAD) for k in keys if lam in table.get(k, {})]


def _free_spot(taken: list[tuple[float, float]], y: float, top: float) -> float:
    """The bottom of the label slot [b, b + LABEL_HEIGHT] within [0, top] that overlaps nothing in ``taken`` and
    whose centre is nearest ``y`` (the slot nearest ``y`` if every one overlaps something)."""
    slots = np.arange(0.0, top - LABEL_HEIGHT, 0.005)

    def overlap(b: float) -> float:
        return sum(max(0.0, min(b + LABEL_HEIGHT, hi) - max(b, lo)) for lo, hi in taken)

    cost = np.array([overlap(b) for b in slots])
    free = slots[cost == 0] if (cost == 0).any() else slots[cost == cost.min()]
    return float(free[np.argmin(np.abs(free + LABEL_HEIGHT / 2 - y))])


def plot(records: dict[str, list[dict[str, Any]]], out_dir: str | Path) -> list[Path]:
    from matplotlib.ticker import NullFormatter

    recs = records.get("realdata", [])
    datasets = sorted({r["result"]["dataset"] for r in recs})
    fig, axes = style.figure(4.6, 2, 1)
    for i, ax in enumerate(axes):
        if i >= len(datasets):
            style.no_data(ax, "no results for sweep realdata")
            continue
        name = datasets[i]
        t = _table(recs, name)
        _series(ax, t, "qcd_V4", style.COLORS["V4"], "s", "-", "Q-CD: V4 certificate")
        _series(ax, t, "qcd_V1", style.COLORS["V1"], "x", "--", "Q-CD: V1")
        _series(ax, t, "qcd_test", style.COLORS["V4"], "o", ":", "Q-CD: test error", mfc="white")
        _series(ax, t, "ste_V4", style.COLORS["ste"], "^", "-", "STE: V4 certificate")
        _series(ax, t, "ste_test", style.COLORS["ste"], "v", ":", "STE: test error", mfc="white")
        lams = sorted(t["qcd_test"])
        for lam in lams:
            taken = _spans(t, lam)
            for key, k_key, color in (("qcd_V4", "qcd_k", style.COLORS["V4"]), ("ste_V4", "ste_k", style.COLORS["ste"])):
                if key == "ste_V4" and lam != lams[-1]:
                    continue  # the STE net does not depend on lambda: its count once, at the last lambda
                bottom = _free_spot(taken, float(np.mean(t[key][lam])), YLIM)
                taken.append((bottom, bottom + LABEL_HEIGHT))
                ax.annotate(f"{np.mean(t[k_key][lam]):.0f}", (lam, bottom), ha="center", va="bottom", color=color)
        ax.set_xscale("log")
        ax.set_xticks(lams, [f"{lam:g}" for lam in lams])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_ylim(0, YLIM)
        ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        ax.set_ylabel("0-1 error")
        ax.set_xlabel(r"MCP level $\lambda$")
        p = int(np.median([v for vs in t["p"].values() for v in vs]))
        M = int(np.median([r["result"]["M"] for r in recs if r["result"]["dataset"] == name]))
        style.panel_label(ax, f"({'ab'[i]}) {name}: p = {p}, M = {M}")
    if datasets:
        splits = max(len(v) for v in _table(recs, datasets[0])["qcd_test"].values())
        axes[0].legend(loc="upper right", title=f"mean over {splits} splits, bars: min to max\n"
                                                r"numbers: mean $\|\hat\beta\|_0$")
    return style.save(fig, out_dir, NAME)
