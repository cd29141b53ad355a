"""F2: the threshold lemma L2 on Q-CD outputs, with its negative control.

The threshold lemma L2.  Counts of |beta^_j|/d over the non-zero weights of certified Q-CD outputs,
with the threshold (a lam - d)/d of each penalty; L2 says no non-zero lies in (0, a lam - d].  Top: L2's
hypotheses met (a = 0.9/U_Q, nu = half its limit).  Bottom: the negative control a = 4/U_Q (a < 1/U broken),
nu = 0.  Source: sweep ``local``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from qtheory.experiments.plots import style

NAME = "f2_threshold"
SWEEPS = ("local",)
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd")


def _groups(recs: list[dict[str, Any]], applicable: bool) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for rec in recs:
        chk = rec["checks"].get("L2")
        if rec["config"]["solver"]["kind"] != "qcd" or chk is None or not rec["checks"]["local"]:
            continue
        if chk["applicable"] != applicable:
            continue
        d = rec["instance"]["d"]
        label = rf"$a\lambda = {rec['instance']['a'] * rec['instance']['lam'] / d:.3g}\,d$"
        g = out.setdefault(label, {"m": [], "zeros": 0, "runs": 0, "thresholds": set()})
        m = np.abs(np.asarray(rec["solution"]["codes"]))
        g["m"] += m[m > 0].tolist()
        g["zeros"] += int(np.sum(m == 0))
        g["runs"] += 1
        g["thresholds"].add(round(chk["threshold"] / d, 9))
    return dict(sorted(out.items()))


def _panel(ax, groups: dict[str, dict[str, Any]], letter: str, title: str, K: int) -> None:
    if not groups:
        style.no_data(ax, "no certified Q-CD outputs")
        return
    width = 0.8 / len(groups)
    for i, (label, g) in enumerate(groups.items()):
        color = _PALETTE[i % len(_PALETTE)]
        counts = np.bincount(np.asarray(g["m"], dtype=int), minlength=K + 1)[1:]
        xs = np.arange(1, K + 1) + (i - (len(groups) - 1) / 2) * width
        below = sum(c for m, c in zip(range(1, K + 1), counts) if m <= max(g["thresholds"]) + 1e-9)
        ax.bar(xs, counts, width=width, color=color,
               label=f"{label}: {len(g['m'])} non-zero, {below} below")
        for t in sorted(g["thresholds"]):
            ax.axvline(t, color=color, ls="--", lw=1.0)
            ax.axvspan(0, t, color=color, alpha=0.08, lw=0)
    ax.set_xlim(0.0, K + 0.7)
    ax.set_xticks(range(1, K + 1))
    ax.set_ylabel("count")
    style.panel_label(ax, f"{letter} {title}")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.88), handlelength=1.0)
    top = ax.get_ylim()[1]
    ax.set_ylim(0, top * 1.6)


def plot(records: dict[str, list[dict[str, Any]]], out_dir: str | Path) -> list[Path]:
    recs = records.get("local", [])
    fig, axes = style.figure(4.2, 2, 1, sharex=True)
    K = max((int(r["instance"]["K"]) for r in recs), default=4)
    _panel(axes[0], _groups(recs, True), "(a)", r"L2's hypotheses met ($a = 0.9/U_Q$)", K)
    _panel(axes[1], _groups(recs, False), "(b)", r"control: $a = 4/U_Q$, $\nu = 0$", K)
    axes[1].set_xlabel(r"$|\hat\beta_j|\,/\,d$ of non-zero weights; dashed: $(a\lambda - d)/d$")
    return style.save(fig, out_dir, NAME)
