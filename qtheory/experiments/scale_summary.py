"""Summaries of scale-sweep records (the analytic population): medians against p, the measured crossover p
where B falls below A0, violations, tightness and where each bound is vacuous; and the report's section.

Definitions (as in :mod:`qtheory.experiments.report`): a bound is *violated* when the exact realized excess
L(beta^) - L*_Q exceeds it; *tightness* = bound / realized excess over solutions with a positive excess; a bound
is *vacuous* when it is >= B - L*_Q (the trivial bound every network meets).  The crossover p of a (s*, n)
series is the smallest p of the sweep at which the median of B over seeds is below the median of A0, with
every larger p of the series also below (None when there is none; when it is the smallest p of the series,
the crossover lies at or below it and the report says "<=").
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

BOUNDS = ("A0", "A", "B", "V1", "V4")
#: the solution drawn and summarized against p (present in every cell)
MAIN_SOLUTION = "qcd-zero"


def scale_records(records: dict[str, list[dict[str, Any]]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(sweep, record) for every record of a scale sweep."""
    for sweep, recs in records.items():
        for rec in recs:
            if rec["config"]["kind"] == "scale":
                yield sweep, rec


def medians_by_p(recs: list[dict[str, Any]], *, s_star: int, n: int,
                 solution: str = MAIN_SOLUTION) -> dict[int, dict[str, float]]:
    """p -> medians over seeds of every bound, the trivial bound and the excess, for one (s*, n) series."""
    cols: dict[int, dict[str, list[float]]] = {}
    for r in recs:
        if "skipped" in r or r["instance"]["s_star"] != s_star or r["instance"]["n"] != n:
            continue
        sol = r["solutions"].get(solution)
        if sol is None:
            continue
        c = cols.setdefault(int(r["instance"]["p"]), {k: [] for k in (*BOUNDS, "trivial", "excess")})
        for k in (*BOUNDS, "trivial"):
            if k in sol["bounds"]:
                c[k].append(sol["bounds"][k])
        c["excess"].append(sol["excess"])
    return {p: {k: (float(np.median(v)) if v else float("nan")) for k, v in c.items()} for p, c in sorted(cols.items())}


def crossover_p(med: dict[int, dict[str, float]]) -> int | None:
    """Smallest p from which median B < median A0 at every p of the series (module doc)."""
    ps = sorted(med)
    below = [bool(med[p]["B"] < med[p]["A0"]) for p in ps]
    for i, p in enumerate(ps):
        if all(below[i:]):
            return p
    return None


def summarize_scale(records: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Violations, tightness, vacuous counts per bound, L1 on visited points, crossovers, skipped cells."""
    recs = [rec for _, rec in scale_records(records)]
    per_bound = {b: {"solutions": 0, "violations": 0, "vacuous": 0, "zero_excess": 0, "tightness": []} for b in BOUNDS}
    violations, skipped = [], []
    l1 = {"solutions": 0, "failed": 0, "visited_points": 0, "visited_failed": 0, "worst_ratio": 0.0}
    for sweep, rec in scale_records(records):
        if "skipped" in rec:
            skipped.append({"labels": rec["config"]["labels"], "reason": rec["skipped"]})
            continue
        for label, sol in rec["solutions"].items():
            trivial = sol["bounds"]["trivial"]
            for b in BOUNDS:
                if b not in sol["bounds"]:
                    continue
                v = per_bound[b]
                v["solutions"] += 1
                v["vacuous"] += int(sol["bounds"][b] >= trivial)
                if sol["excess"] > 0:
                    v["tightness"].append(sol["bounds"][b] / sol["excess"])
                else:
                    v["zero_excess"] += 1
                if sol["violated"][b]:
                    v["violations"] += 1
                    violations.append({"what": f"{b} below the exact excess", "sweep": sweep, "cell": rec["id"],
                                       "solution": label, "labels": rec["config"]["labels"]})
            l1["solutions"] += 1
            l1["failed"] += int(not sol["L1"]["held"])
            vis = sol.get("L1_visited")
            if vis:
                l1["visited_points"] += vis["points"]
                l1["visited_failed"] += int(not vis["held"])
                l1["worst_ratio"] = max(l1["worst_ratio"], vis["max_ratio"])
    for v in per_bound.values():
        t = np.asarray(v["tightness"], dtype=float)
        v["tightness"] = ({"n": int(t.size), "median": float(np.median(t)), "min": float(t.min()), "max": float(t.max())}
                          if t.size else {"n": 0, "median": None, "min": None, "max": None})
    series = sorted({(r["instance"]["s_star"], r["instance"]["n"]) for r in recs if "skipped" not in r})
    crossovers = []
    for s, n in series:
        med = medians_by_p(recs, s_star=s, n=n)
        ps = sorted(med)
        vacuous_from = {b: next((p for p in ps if med[p][b] >= med[p]["trivial"]), None) for b in BOUNDS}
        cross = crossover_p(med)
        crossovers.append({"s_star": s, "n": n, "p_values": ps, "crossover_p": cross,
                           "at_smallest_p": cross is not None and cross == ps[0], "vacuous_from_p": vacuous_from})
    return {"cells": len(recs), "skipped": skipped, "bounds": per_bound, "L1": l1, "series": crossovers,
            "violations": violations}


def _fmt(x: Any) -> str:
    return "n/a" if x is None else f"{x:.3g}"


def render_scale(summary: dict[str, Any]) -> list[str]:
    """The report's Markdown section for the scale sweep."""
    if not summary["cells"]:
        return []
    lines = ["## Sparse vs dense, measured (F9: the analytic population, exact L and L*_Q at any p)", "",
             f"{summary['cells']} cells ({len(summary['skipped'])} skipped: "
             + ("; ".join(sorted({s["reason"] for s in summary["skipped"]})) or "none")
             + f"). Violations: **{len(summary['violations'])}** (expected 0). The realized excess is exact (E1, E2); "
             "A0 uses Gamma = L_n(beta^) - (a certified lower bound on min L_n: the exact minimum where enumerated, "
             "else 0), so Gamma is an upper bound and A0 stays valid.", "",
             "| bound | solutions | violations | tightness median [range] | zero excess | vacuous (>= B - L*_Q) |",
             "|---|---|---|---|---|---|"]
    for b, v in summary["bounds"].items():
        t = v["tightness"]
        lines.append(f"| {b} | {v['solutions']} | {v['violations']} | {_fmt(t['median'])} [{_fmt(t['min'])}, "
                     f"{_fmt(t['max'])}] over {t['n']} | {v['zero_excess']} | {v['vacuous']} |")
    l1 = summary["L1"]
    lines += ["", f"L1 on the points Q-CD visited: {l1['visited_points']} points, event failed on "
              f"{l1['visited_failed']} runs; largest |L_n - L| / D(k) = {_fmt(l1['worst_ratio'])}.", "",
              "| s* | n | p values | crossover p (B < A0 from here on) | A0 vacuous from p | B vacuous from p |",
              "|---|---|---|---|---|---|"]
    for s in summary["series"]:
        cross = "none" if s["crossover_p"] is None else ("<= " if s["at_smallest_p"] else "") + str(s["crossover_p"])
        lines.append(f"| {s['s_star']} | {s['n']} | {', '.join(map(str, s['p_values']))} | {cross} | "
                     f"{s['vacuous_from_p']['A0']} | {s['vacuous_from_p']['B']} |")
    lines.append("")
    return lines
