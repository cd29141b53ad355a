"""F8: where each bound loses — its looseness split into concentration + union bound and the excess-risk
argument, against n.

For A0, A and B (one panel each), medians over cells with a positive realized excess of: tightness = bound /
excess; bound / oracle bound (what concentration and the union bound cost: the oracle bound runs the same
argument with the population's oracle radius O, the (1 - delta') quantile of the exact sup over Q^p of
|L_n - L| over resampled training sets); oracle bound / excess (what the excess-risk argument costs); and the
radius ratio D / O (dashed).  The first is exactly the product of the next two.  Source: sweep ``looseness``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from qtheory.experiments.looseness import SPLIT_BOUNDS, split_summary
from qtheory.experiments.plots import style

NAME = "f8_looseness"
SWEEPS = ("looseness",)

_SERIES = (("tightness", "bound / excess", "k", "-"), ("union", "bound / oracle bound (concentration + union)",
           "#1f77b4", "-"), ("argument", "oracle bound / excess (excess-risk argument)", "#ff7f0e", "-"),
           ("radius", "radius D / oracle radius O", "0.5", "--"))


def plot(records: dict[str, list[dict[str, Any]]], out_dir: str | Path) -> list[Path]:
    split = split_summary({"looseness": records.get("looseness", [])})
    fig, axes = style.figure(5.6, nrows=len(SPLIT_BOUNDS), sharex=True)
    for ax, name in zip(axes, SPLIT_BOUNDS):
        style.panel_label(ax, f"{name}")
        rows = split.get(name)
        if not rows:
            style.no_data(ax, f"no cells with an oracle bound for {name}")
            continue
        n = np.array([int(k) for k in rows])
        for key, label, color, ls in _SERIES:
            y = np.array([rows[str(v)][key] if rows[str(v)][key] is not None else np.nan for v in n], dtype=float)
            ax.plot(n, y, ls, color=color, marker="o" if ls == "-" else None, label=label if name == "A0" else None)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.axhline(1.0, color="0.8", lw=0.6, zorder=0)
        ax.set_ylabel("factor (median)")
    axes[-1].set_xlabel("sample size n")
    if any(ax.get_legend_handles_labels()[1] for ax in axes):
        fig.legend(loc="outside upper center", ncol=1)
    return style.save(fig, out_dir, NAME)
