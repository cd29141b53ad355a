"""Where the bounds lose: the budget of each bound and the split of its looseness (report sections).

* **Budget.**  Every sweep record stores each bound's named terms (``Result.terms``; they sum to the bound):
  toy records under ``bounds.<name>.terms``, scale records under ``solutions.<label>.terms.<name>``.
  For each result (A0, A, B, V1) and regime, :func:`budget_summary` gives how often each term is the largest
  and its median share term / bound.  Regimes: n small or large (at most / above the median of the distinct
  n of that result's cells) and, where the records have more than one p, p small or large (same rule).
* **Split.**  Records of sweeps with an ``[oracle]`` carry, for A0, A and B, the oracle bound (the same
  argument with the oracle radius of the population in place of D, ``qtheory.theory.oracle``).  Then
  bound / excess = (bound / oracle bound) x (oracle bound / excess): "concentration + union bound" times
  "the excess-risk argument".  :func:`split_summary` gives, per result and n, the medians of the tightness,
  of both factors (over cells with a positive excess) and of the radius ratios D_dense / O_dense and
  D(s) / O(s) at the bound's s; :func:`radius_summary` gives O(k), O_dense and D(k)/O(k), D_dense/O_dense
  per n.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from qtheory.experiments.report import _fmt, _toy

BUDGET_BOUNDS = ("A0", "A", "B", "V1", "V4")
SPLIT_BOUNDS = ("A0", "A", "B")


def _median(values: Iterable[Any]) -> float | None:
    arr = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return float(np.median(arr)) if arr else None


def _regime(value: int, cut: float, name: str) -> str:
    return f"{name} <= {cut:g}" if value <= cut else f"{name} > {cut:g}"


def _budget_rows(records: dict[str, list[dict[str, Any]]], name: str) -> Iterable[tuple[int, int, dict[str, Any]]]:
    """(n, p, {"value", "terms"}) of bound ``name`` in every toy record and every solution of a scale record."""
    for _, rec in _toy(records):
        entry = rec["bounds"].get(name)
        if entry is not None and entry.get("terms"):
            yield rec["instance"]["n"], rec["instance"]["p"], entry
    for recs in records.values():
        for rec in recs:
            if rec["config"]["kind"] != "scale" or "solutions" not in rec:
                continue
            for sol in rec["solutions"].values():
                if name in sol["bounds"] and name in sol.get("terms", {}):
                    yield rec["instance"]["n"], rec["instance"]["p"], {"value": sol["bounds"][name],
                                                                       "terms": sol["terms"][name]}


def budget_summary(records: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Per result and regime: cells, how often each term is the largest, and each term's median share."""
    out: dict[str, Any] = {}
    for name in BUDGET_BOUNDS:
        rows = list(_budget_rows(records, name))
        if not rows:
            continue
        n_cut = float(np.median(sorted({r[0] for r in rows})))
        ps = sorted({r[1] for r in rows})
        p_cut = float(np.median(ps)) if len(ps) > 1 else None
        regimes: dict[str, dict[str, Any]] = {}
        for n, p, entry in rows:
            key = _regime(n, n_cut, "n") + ("" if p_cut is None else ", " + _regime(p, p_cut, "p"))
            reg = regimes.setdefault(key, {"cells": 0, "largest": {}, "shares": {}})
            reg["cells"] += 1
            terms = entry["terms"]
            top = max(terms, key=lambda t: terms[t])
            reg["largest"][top] = reg["largest"].get(top, 0) + 1
            if entry["value"] > 0:
                for t, v in terms.items():
                    reg["shares"].setdefault(t, []).append(v / entry["value"])
        for reg in regimes.values():
            reg["shares"] = {t: _median(v) for t, v in reg["shares"].items()}
            reg["dominant"] = max(reg["largest"], key=lambda t: reg["largest"][t])
        out[name] = {"n_cut": n_cut, "p_cut": p_cut, "regimes": dict(sorted(regimes.items()))}
    return out


def split_summary(records: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Per result and n: medians of tightness, bound / oracle bound, oracle bound / excess and the radius
    ratios (cells with an oracle bound and a positive excess)."""
    out: dict[str, Any] = {}
    for name in SPLIT_BOUNDS:
        by_n: dict[int, dict[str, list]] = {}
        for _, rec in _toy(records):
            entry = rec["bounds"].get(name)
            if entry is None or "oracle" not in entry or entry["tightness"] is None:
                continue
            orc, inst = entry["oracle"], rec["instance"]
            row = by_n.setdefault(inst["n"], {"tightness": [], "union": [], "argument": [], "radius": []})
            row["tightness"].append(entry["tightness"])
            row["union"].append(orc["union_factor"])
            row["argument"].append(orc["argument_factor"])
            ratios = inst["oracle"]["radius_ratio_by_k"]
            row["radius"].append(inst["oracle"]["dense_ratio"] if name == "A0" else ratios[orc.get("s", entry["s"])])
        if by_n:
            out[name] = {str(n): {"cells": len(v["tightness"]), **{k: _median(x) for k, x in v.items()}}
                         for n, v in sorted(by_n.items())}
    return out


def radius_summary(records: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Per sweep and n: the oracle radii O(k), O_dense and the ratios D(k)/O(k), D_dense/O_dense (the oracle
    depends on the population and n only, so one instance per n is shown)."""
    out: dict[str, Any] = {}
    for sweep, rec in _toy(records):
        inst = rec["instance"]
        if "oracle" not in inst:
            continue
        out.setdefault(sweep, {}).setdefault(str(inst["n"]), {
            "O_by_k": inst["oracle"]["by_k"], "D_by_k": inst["L1"]["D_by_k"],
            "ratio_by_k": inst["oracle"]["radius_ratio_by_k"],
            "O_dense": inst["oracle"]["dense"], "D_dense": inst["dense_event"]["D_dense"],
            "dense_ratio": inst["oracle"]["dense_ratio"], "R": inst["oracle"]["R"]})
    return {sw: dict(sorted(rows.items(), key=lambda kv: int(kv[0]))) for sw, rows in out.items()}


def render(summary: dict[str, Any]) -> list[str]:
    """Markdown lines: the budget table and the looseness split (empty if the summary has neither)."""
    res = summary["results"]
    lines: list[str] = []
    budget = res.get("budget") or {}
    if budget:
        lines += ["## Budget: which term dominates each bound", "",
                  "Each bound is a sum of named terms (`qtheory evaluate` prints them for one point). Largest term "
                  "(how many cells) and the median share term / bound of each term, per regime.", "",
                  "| result | regime | cells | largest term (cells) | median shares |", "|---|---|---|---|---|"]
        for name, b in budget.items():
            for key, reg in b["regimes"].items():
                largest = ", ".join(f"{t} ({c})" for t, c in sorted(reg["largest"].items(), key=lambda x: -x[1]))
                shares = ", ".join(f"{t} {_fmt(v, 2)}" for t, v in reg["shares"].items())
                lines.append(f"| {name} | {key} | {reg['cells']} | {largest} | {shares} |")
        lines.append("")
    split = res.get("looseness") or {}
    if split:
        lines += ["## Where the looseness comes from", "",
                  "Oracle radius O: the (1 - delta') quantile over resampled training sets of the exact "
                  "sup |L_n - L| over Q^p (per sparsity k, and overall for A0): the smallest radius any uniform bound "
                  "could have on that population. Oracle bound: the same excess-risk argument with O in place of D. "
                  "bound / excess = (bound / oracle bound: concentration + union bound) x (oracle bound / excess: the "
                  "excess-risk argument). Medians over cells with a positive excess.", "",
                  "| result | n | cells | bound / excess | bound / oracle bound | oracle bound / excess | D / O |",
                  "|---|---|---|---|---|---|---|"]
        for name, rows in split.items():
            for n, r in rows.items():
                lines.append(f"| {name} | {n} | {r['cells']} | {_fmt(r['tightness'])} | {_fmt(r['union'])} | "
                             f"{_fmt(r['argument'])} | {_fmt(r['radius'])} |")
        lines.append("")
    for sweep, rows in (res.get("oracle_radius") or {}).items():
        lines += [f"Oracle radius of the `{sweep}` population against the theorem's radius, per sparsity k "
                  "(O from R resampled training sets; ratio = D(k)/O(k)):", "",
                  "| n | O_dense | D_dense / O_dense | O(k), k = 0..p | D(k) / O(k), k = 0..p |",
                  "|---|---|---|---|---|"]
        for n, r in rows.items():
            radii = " ".join(_fmt(x, 2) for x in r["O_by_k"])
            ratios = " ".join(_fmt(x, 2) for x in r["ratio_by_k"])
            lines.append(f"| {n} | {_fmt(r['O_dense'])} | {_fmt(r['dense_ratio'])} | {radii} | {ratios} |")
        lines.append("")
    return lines


__all__ = ["budget_summary", "radius_summary", "render", "split_summary"]
