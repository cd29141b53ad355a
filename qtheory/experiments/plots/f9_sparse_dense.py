"""F9: sparse vs dense, measured — bounds and the exact realized excess against p on the analytic population.

The population R(p, beta*, sigma, B) of docs/theory.md section 5 (+-1 inputs, a sparse quantized teacher, Gaussian
noise, clipped squared loss) has exact L (E1) and L*_Q = L(beta*) (E2) at every p, so every point is measured,
none extrapolated.  Panels: teacher sparsity s* = 2 and 8 at a fixed n (the n with the most values of p).
Lines: medians over seeds, at Q-CD's certified nu-local output from the zero start, of the dense bound A0
(Gamma from a certified lower bound on min L_n), the sparse bounds A and B (beta*_eps = beta*, eps = 0), V1,
and the trivial bound B - L*_Q; black: the realized excess L(beta^) - L*_Q (exactly 0 when Q-CD returns the
teacher; the y axis is linear below 10^-2).  The vertical line marks the measured crossover p from which B is
below A0.  Source: sweep ``sparse_dense``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from qtheory.experiments.plots import style
from qtheory.experiments.scale_summary import crossover_p, medians_by_p

NAME = "f9_sparse_dense"
SWEEPS = ("sparse_dense",)


def _panel(ax, recs: list[dict[str, Any]], s_star: int, n: int, letter: str) -> None:
    med = medians_by_p(recs, s_star=s_star, n=n)
    if not med:
        style.no_data(ax, f"no results for s* = {s_star}, n = {n}")
        return
    ps = np.array(list(med), dtype=float)
    top = 0.0
    for name in ("A0", "A", "B", "V1"):
        ys = np.array([med[p][name] for p in med])
        ax.plot(ps, ys, "o-", ms=2.5, color=style.COLORS[name], label=style.BOUND_LABELS[name])
        top = max(top, float(np.nanmax(ys)))
    triv = np.array([med[p]["trivial"] for p in med])
    ax.plot(ps, triv, ":", color="0.4", label=r"trivial: $B - L^*_Q$")
    ax.plot(ps, [med[p]["excess"] for p in med], "s", mfc="white", color=style.COLORS["excess"],
            label=style.EXCESS_LABEL + " (exact)")
    cross = crossover_p(med)
    if cross is not None:
        ax.axvline(cross, color=style.COLORS["B"], lw=0.6, ls="--")
        first = "<= " if cross == ps.min() else ""
        ax.annotate(f"B < A0 from p {first or '= '}{cross:g}", (cross, 0.97), xycoords=ax.get_xaxis_transform(),
                    xytext=(3, 0), textcoords="offset points", fontsize=style.FONT_SIZE, va="top",
                    color=style.COLORS["B"])
    ax.set_xscale("log")
    style.symlog_zero(ax, 1e-2, top * 2)
    style.panel_label(ax, letter)


def plot(records: dict[str, list[dict[str, Any]]], out_dir: str | Path) -> list[Path]:
    recs = [r for r in records.get("sparse_dense", []) if "skipped" not in r]
    fig, axes = style.figure(4.8, 2, 1, sharex=True)
    counts = Counter((r["instance"]["n"], r["instance"]["p"]) for r in recs)
    by_n = Counter(n for n, _ in counts)
    n = max(by_n, key=lambda k: (by_n[k], k)) if by_n else 1000
    for ax, s_star, letter in zip(axes, (2, 8), ("a", "b")):
        _panel(ax, recs, s_star, n, f"({letter}) teacher sparsity s* = {s_star}, n = {n}")
        ax.set_ylabel("bound and excess risk")
    axes[1].set_xlabel(r"number of parameters $p$")
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside upper center", ncol=2)
    return style.save(fig, out_dir, NAME)
