"""F5: the dense bound A0 and the sparse bound B against p and against the bit width.

Complexity.  The dense bound A0 (at argmin L_n, Gamma = 0) and the sparse bound B (at argmin F)
against the number of parameters p (top; the net is padded with inputs the teacher does not use) and against
the bit width log2|Q| at a fixed range R (bottom).  Markers: medians over samples of the measured bounds, and
the realized excess risks.  Dotted: the trivial bound B - L*_Q that every network meets (a bound above it is
vacuous).  Dashed: the same formulas (``qtheory.theory``) continued beyond what can be
enumerated, at eps = Gamma = 0 and the teacher's s, with the numbers of the largest enumerated problem.
Sources: sweeps ``complexity_p`` and ``complexity_bits``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from qtheory.experiments.plots import style

NAME = "f5_complexity"
SWEEPS = ("complexity_p", "complexity_bits")
TEACHER_S = 2  # the teacher f = tanh(x_1) has two non-zero weights


def _medians(recs: list[dict[str, Any]], key: str) -> dict[float, dict[str, float]]:
    """x -> {A0, B, excess_erm, excess_global}: medians over samples."""
    cols: dict[float, dict[str, list[float]]] = {}
    for r in recs:
        inst = r["instance"]
        x = float(inst["p"]) if key == "p" else float(np.log2(inst["Qsize"]))
        c = cols.setdefault(x, {"A0": [], "B": [], "excess_erm": [], "excess_global": []})
        kind = r["config"]["solver"]["kind"]
        if kind == "erm":
            c["A0"].append(r["bounds"]["A0"]["value"])
            c["excess_erm"].append(r["solution"]["excess"])
        elif kind == "global":
            if "B" in r["bounds"]:
                c["B"].append(r["bounds"]["B"]["value"])
            c["excess_global"].append(r["solution"]["excess"])
    return {x: {k: (float(np.median(v)) if v else np.nan) for k, v in c.items()} for x, c in sorted(cols.items())}


def _formula(inst: dict[str, Any], *, p: np.ndarray | None = None, Qsize: np.ndarray | None = None):
    """A0 at Gamma = 0 and B at eps = Gamma = 0, s = TEACHER_S, continued in p or |Q| (same R, a, a lam)."""
    from qtheory.theory import A0, B

    num = {k: inst[k] for k in ("B", "n", "delta")}
    pp = np.asarray(p if p is not None else inst["p"], dtype=float)
    qq = np.asarray(Qsize if Qsize is not None else inst["Qsize"], dtype=float)
    R = inst["d"] * (inst["Qsize"] - 1) / 2
    d = 2 * R / (qq - 1)
    a, alam = inst["a"], inst["a"] * inst["lam"]
    a0 = A0.evaluate(Gamma=0.0, p=pp, Qsize=qq, **num)
    b = B.evaluate(s=TEACHER_S, eps=0.0, Gamma=0.0, p=pp, Qsize=qq, a=a, lam=alam / a, d=d, **num)
    return np.asarray(a0, dtype=float), np.asarray(b, dtype=float)


def _panel(ax, recs: list[dict[str, Any]], key: str, letter: str) -> None:
    if not recs:
        style.no_data(ax, f"no results for the {'p' if key == 'p' else 'bit-width'} sweep")
        return
    med = _medians(recs, key)
    xs = np.array(list(med))
    for name, marker in (("A0", "o"), ("B", "s")):
        ys = np.array([med[x][name] for x in xs])
        ax.plot(xs, ys, marker, color=style.COLORS[name], label=f"{name} (measured)")
    last = max(recs, key=lambda r: (r["instance"]["p"], r["instance"]["Qsize"]))["instance"]
    if key == "p":
        ext = np.unique(np.concatenate([xs, np.round(np.geomspace(xs.min(), 1000, 40))]))
        a0, b = _formula(last, p=ext)
    else:
        qs = np.unique(np.concatenate([np.round(2 ** xs), np.arange(5, 257, 2)]))
        ext = np.log2(qs)
        a0, b = _formula(last, Qsize=qs)
    ax.plot(ext, a0, "--", color=style.COLORS["A0"], lw=0.9, label=r"A0 formula, $\Gamma = 0$")
    ax.plot(ext, b, "--", color=style.COLORS["B"], lw=0.9, label=rf"B formula, $\varepsilon = \Gamma = 0$, $s = {TEACHER_S}$")
    for name, marker, label in (("excess_erm", "o", r"excess, $\arg\min L_n$"), ("excess_global", "s", r"excess, $\arg\min F$")):
        ys = np.array([med[x][name] for x in xs])
        ax.plot(xs, ys, marker, mfc="white", color=style.COLORS["excess"], label=label)
    trivial = float(np.median([r["instance"]["B"] - r["instance"]["L_star"] for r in recs]))
    ax.axhline(trivial, color="0.4", ls=":", lw=0.9, label=r"trivial bound $B - L^*_Q$")
    style.symlog_zero(ax, 1e-2, max(np.nanmax(a0), np.nanmax(b), trivial) * 2)
    style.panel_label(ax, letter)


def plot(records: dict[str, list[dict[str, Any]]], out_dir: str | Path) -> list[Path]:
    fig, axes = style.figure(4.8, 2, 1)
    _panel(axes[0], records.get("complexity_p", []), "p", "(a) against the number of parameters")
    axes[0].set_xscale("log")
    axes[0].set_xlabel(r"number of parameters $p$ (teacher uses 2)")
    _panel(axes[1], records.get("complexity_bits", []), "bits", "(b) against the bit width")
    axes[1].set_xlabel(r"bit width $\log_2|Q|$ (range $R = Kd = 1$)")
    for ax in axes:
        ax.set_ylabel("bound and excess risk")
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside upper center", ncol=2)
    return style.save(fig, out_dir, NAME)
