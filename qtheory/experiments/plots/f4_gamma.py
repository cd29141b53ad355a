"""F4: realized excess risk against Gamma, with B's bound as a function of Gamma.

Realized excess risk against Gamma = F(beta^) - min F for certified Q-CD outputs (L2's hypotheses
met), with B's bound as a function of Gamma: min over s of B(s, eps(s), Gamma), evaluated by
``qtheory.theory.B`` for every sample (band: the range over samples).  Any beta^ with F(beta^) - min F <= Gamma
also has F(beta^) <= F(beta*_eps) + Gamma, so B at this Gamma is a valid bound for the point.  Source: sweep
``local`` at its largest n.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from qtheory.experiments.plots import style

NAME = "f4_gamma"
SWEEPS = ("local",)


def bound_curve(instance: dict[str, Any], gammas: np.ndarray) -> np.ndarray:
    """min over s = 1..p of B's bound at Gamma (qtheory.theory.B; the instance's numbers)."""
    from qtheory.theory import B

    eps = np.asarray(instance["eps_by_s"], dtype=float)
    s = np.arange(1, eps.size + 1)
    num = {k: instance[k] for k in ("B", "n", "p", "Qsize", "delta", "a", "lam", "d")}
    vals = B.evaluate(s=s[:, None], eps=eps[:, None], Gamma=gammas[None, :], **num)
    return np.asarray(vals, dtype=float).min(axis=0)


def _area(count: Any) -> Any:
    """Marker area for ``count`` runs landing on the same point."""
    return 6 + 4 * np.asarray(count)


def plot(records: dict[str, list[dict[str, Any]]], out_dir: str | Path) -> list[Path]:
    recs = [r for r in records.get("local", []) if r.get("qcd") is not None and "B" in r["bounds"]]
    fig, ax = style.figure(3.0)
    if not recs:
        style.no_data(ax, "no certified Q-CD outputs with B applicable")
        return style.save(fig, out_dir, NAME)
    n = max(r["instance"]["n"] for r in recs)
    recs = [r for r in recs if r["instance"]["n"] == n]
    pts: dict[tuple[float, float], int] = {}
    for r in recs:
        key = (round(r["solution"]["gamma_F"], 9), round(max(r["solution"]["excess"], 0.0), 12))
        pts[key] = pts.get(key, 0) + 1
    gam = np.array([k[0] for k in pts])
    exc = np.array([k[1] for k in pts])
    count = np.array(list(pts.values()))
    grid = np.linspace(0.0, max(gam.max(), 1e-3) * 1.05, 60)
    instances = {r["config"]["problem"]["data"].get("seed", 0): r["instance"] for r in recs}
    curves = np.array([bound_curve(inst, grid) for inst in instances.values()])
    ax.fill_between(grid, curves.min(axis=0), curves.max(axis=0), color=style.COLORS["B"], alpha=0.35, lw=0)
    ax.plot(grid, curves.max(axis=0), color=style.COLORS["B"], lw=1.0,
            label=f"B's bound at $\\Gamma$, min over $s$\n(line: largest of {len(instances)} samples; band: their range)")
    ax.scatter(gam, exc, s=_area(count), alpha=0.7, color=style.COLORS["excess_qcd"], lw=0,
               label=f"realized excess of {len(recs)} certified Q-CD outputs")
    style.symlog_zero(ax, 1e-2, curves.max() * 60)
    ax.set_xlabel(r"$\Gamma = F(\hat\beta) - \min\, F$ over $Q^p$")
    ax.set_ylabel(r"$L(\hat\beta) - L^*_Q$")
    fig.legend(loc="outside upper center", ncol=1)
    sizes = sorted({1, int(np.median(count)), int(count.max())})
    keys = [ax.scatter([], [], s=_area(c), color=style.COLORS["excess_qcd"], alpha=0.7, lw=0) for c in sizes]
    ax.legend(keys, [str(c) for c in sizes], title="marker area: runs on the same point", loc="upper left",
              ncol=len(sizes), columnspacing=1.0, handletextpad=0.2)
    style.panel_label(ax, f"certified Q-CD outputs at n = {n}")
    return style.save(fig, out_dir, NAME)
