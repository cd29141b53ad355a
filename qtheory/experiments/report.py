"""The tightness report: for every result, cells run, violations and the tightness bound / realized excess.

Input: the records of finished sweeps (``{sweep name: [record, ...]}``).  Output: a JSON-able summary
(:func:`summarize`) and its Markdown rendering (:func:`render_markdown`).  Definitions:

* a bound is *violated* at a cell when the realized quantity exceeds it (excess risk > bound; for V1, L > the
  certified risk; for B's sparsity bound, ||beta^||_0 > bound; for L2, a non-zero |beta^_j| <= a lam - d;
  for C, a move that does not lower F by more than nu, more moves than F(beta^0)/nu, or an uncertified
  output).  A0, A, B and V1 are claims *with probability 1 - delta'*, so a violation is reported together with
  whether L1's event held on that sample (a violation on L1's event contradicts the theorem); L1's event
  itself may fail with probability delta', and its failures are tested against delta' with a binomial tail;
* *tightness* = bound / realized excess risk, over cells with a positive excess (cells where the realized
  excess is 0 within round-off are counted apart);
* a bound on the excess risk is *vacuous* when it is at least B - L*_Q (every network satisfies that);
  a certificate of a [0, 1] risk when it is at least 1.

On real data the true risk is unknown: the certificate is compared with the test error, and "test error above
the certificate" is counted as a violation (it can also happen by chance on a finite test split).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

EXCESS_BOUNDS = ("A0", "A", "B", "V1", "V4")
#: the binomial tail below which L1's failure frequency is called inconsistent with delta'
L1_ALPHA = 1e-3


# ================================================================================== utilities
def _stats(values: list[float]) -> dict[str, Any]:
    arr = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if arr.size == 0:
        return {"n": 0, "median": None, "min": None, "max": None}
    return {"n": int(arr.size), "median": float(np.median(arr)), "min": float(arr.min()), "max": float(arr.max())}


def _seed(record: dict[str, Any]) -> Any:
    cfg = record["config"]
    if cfg["kind"] == "data":
        return cfg["seed"]
    return cfg["problem"]["data"].get("seed", 0)


def _where(sweep: str, record: dict[str, Any], what: str) -> dict[str, Any]:
    cfg = record["config"]
    return {"sweep": sweep, "cell": record["id"], "file": f"{sweep}/cells/{record['id']}.json", "seed": _seed(record),
            "labels": cfg.get("labels", {}), "solver": (cfg.get("solver") or {}).get("label"), "what": what,
            "config": cfg}


def binomial_tail(k: int, m: int, q: float) -> float:
    """P(X >= k) for X ~ Binomial(m, q)."""
    if k <= 0:
        return 1.0
    from scipy.stats import binom

    return float(binom.sf(k - 1, m, q))


def _toy(records: dict[str, list[dict[str, Any]]]):
    for sweep, recs in records.items():
        for rec in recs:
            if rec["config"]["kind"] == "toy":
                yield sweep, rec


def _data(records: dict[str, list[dict[str, Any]]]):
    for sweep, recs in records.items():
        for rec in recs:
            if rec["config"]["kind"] == "data":
                yield sweep, rec


# ================================================================================== per result
def _l1(records) -> dict[str, Any]:
    """L1's event on every distinct sample (instance), its failure frequency against delta'."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for sweep, rec in _toy(records):
        from qtheory.experiments.spec import canonical_json

        key = (sweep, canonical_json(rec["config"]["problem"]))
        seen.setdefault(key, rec)
    held = [r["instance"]["L1"]["held"] for r in seen.values()]
    ratios = [r["instance"]["L1"]["worst_ratio"] for r in seen.values()]
    deltas = [r["config"]["delta"] for r in seen.values()]
    m, fails = len(held), int(sum(not h for h in held))
    delta = max(deltas) if deltas else None
    tail = binomial_tail(fails, m, delta) if m else None
    dense = [r["instance"]["dense_event"]["held"] for r in seen.values()]
    return {"samples": m, "event_failed": fails, "delta": delta, "binomial_tail": tail,
            "violations": int(tail is not None and tail < L1_ALPHA), "dense_event_failed": int(sum(not d for d in dense)),
            "worst_deviation_over_radius": _stats(ratios)}


def _bound(records, name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    tight, zero, vacuous, cells, viol, viol_on_event, breakdown = [], 0, 0, 0, [], 0, {}
    for sweep, rec in _toy(records):
        entry = rec["bounds"].get(name)
        if entry is None:
            continue
        cells += 1
        inst = rec["instance"]
        trivial = inst["B"] - inst["L_star"]
        if entry["tightness"] is None:
            zero += 1
        else:
            tight.append(entry["tightness"])
        if entry["value"] >= trivial:
            vacuous += 1
        key = f"{sweep} / {rec['config']['solver']['label']}"
        row = breakdown.setdefault(key, {"cells": 0, "violations": 0, "tightness": []})
        row["cells"] += 1
        row["tightness"].append(entry["tightness"])
        if entry["violated"]:
            row["violations"] += 1
            event = inst["dense_event"]["held"] if name == "A0" else inst["L1"]["held"]
            viol_on_event += int(event and name not in ("V1", "V4"))
            viol.append(_where(sweep, rec, f"{name}: excess {rec['solution']['excess']:.6g} > bound "
                               f"{entry['value']:.6g} (L1 event {'held' if inst['L1']['held'] else 'failed'})"))
    rows = {k: {"cells": v["cells"], "violations": v["violations"], "tightness": _stats(v["tightness"])}
            for k, v in sorted(breakdown.items())}
    summary = {"cells": cells, "violations": len(viol), "violations_on_event": viol_on_event,
               "tightness": _stats(tight), "zero_excess": zero, "vacuous": vacuous, "by_sweep_solver": rows}
    return summary, viol


def _sparsity(records) -> tuple[dict[str, Any], list]:
    cells, viol, ratio = 0, [], []
    for sweep, rec in _toy(records):
        chk = rec["checks"].get("B_sparsity")
        if chk is None:
            continue
        cells += 1
        if chk["nnz"] > 0:
            ratio.append(chk["bound"] / chk["nnz"])
        if chk["violated"]:
            viol.append(_where(sweep, rec, f"B sparsity: ||beta||_0 = {chk['nnz']} > {chk['bound']:.6g}"))
    return {"cells": cells, "violations": len(viol), "bound_over_nnz": _stats(ratio)}, viol


def _l2(records) -> tuple[dict[str, Any], list]:
    out = {"cells": 0, "nonzeros": 0, "violations": 0, "control_cells": 0, "control_nonzeros": 0, "control_below": 0}
    viol = []
    for sweep, rec in _toy(records):
        chk = rec["checks"].get("L2")
        if chk is None or not rec["checks"].get("local"):
            continue
        if chk["applicable"]:
            out["cells"] += 1
            out["nonzeros"] += chk["nonzeros"]
            if chk["violated"]:
                viol.append(_where(sweep, rec, f"L2: {chk['below']} non-zero(s) with |beta_j| <= a lam - d"))
        else:
            out["control_cells"] += 1
            out["control_nonzeros"] += chk["nonzeros"]
            out["control_below"] += chk["below"]
    out["violations"] = len(viol)
    return out, viol


def _c(records) -> tuple[dict[str, Any], list]:
    cells, viol, ratio, failed = 0, [], [], {}
    for sweep, rec in _toy(records):
        q = rec.get("qcd")
        if q is None:
            continue
        cells += 1
        bad = [k for k, ok in q["checks"].items() if not ok]
        for k in bad:
            failed[k] = failed.get(k, 0) + 1
        if bad:
            viol.append(_where(sweep, rec, f"C: {', '.join(bad)} failed"))
        if q["moves_bound"] is not None and q["moves"] > 0:
            ratio.append(q["moves_bound"] / q["moves"])
    return {"cells": cells, "violations": len(viol), "failed_checks": failed, "moves_bound_over_moves": _stats(ratio)}, viol


def _realdata(records, name: str = "V4") -> tuple[dict[str, Any], list]:
    """Per data set and method: the certificate ``name`` (V4, the one certify-data reports; or V1) of every
    configuration against its test error."""
    key = f"bound_{name}"
    out: dict[str, Any] = {}
    viol = []
    for sweep, rec in _data(records):
        res = rec["result"]
        for who in ("qcd", "ste"):
            row = out.setdefault(f"{res['dataset']} / {who}", {"cells": 0, "violations": 0, "tightness": [],
                                                               "vacuous": 0, "bound": [], "test_error": []})
            for cfg_row in res["configs"]:
                r = cfg_row if who == "qcd" else cfg_row["ste"]
                row["cells"] += 1
                row["bound"].append(r[key])
                row["test_error"].append(r["test_error"])
                if r["test_error"] > 0:
                    row["tightness"].append(r[key] / r["test_error"])
                row["vacuous"] += int(r[key] >= 1.0)
                if r["test_error"] > r[key]:
                    row["violations"] += 1
                    viol.append(_where(sweep, rec, f"{name} ({who}, lam = {cfg_row['config']['lam']:g}): test error "
                                       f"{r['test_error']:.4g} > certificate {r[key]:.4g}"))
    summary = {k: {"cells": v["cells"], "violations": v["violations"], "vacuous": v["vacuous"],
                   "tightness": _stats(v["tightness"]), "bound": _stats(v["bound"]), "test_error": _stats(v["test_error"])}
               for k, v in sorted(out.items())}
    return summary, viol


# ================================================================================== summary
def summarize(records: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Every result's summary and the list of violations (each with its cell's seed and configuration)."""
    results: dict[str, Any] = {"L1": _l1(records)}
    violations: list[dict[str, Any]] = []
    if results["L1"]["violations"]:
        violations.append({"what": "L1: event failures inconsistent with delta' (binomial tail "
                                   f"{results['L1']['binomial_tail']:.3g})", "sweep": None})
    for name in EXCESS_BOUNDS:
        results[name], v = _bound(records, name)
        violations += v
    for name, fn in (("B_sparsity", _sparsity), ("L2", _l2), ("C", _c)):
        results[name], v = fn(records)
        violations += v
    if any(True for _ in _data(records)):
        results["V4_realdata"], v = _realdata(records, "V4")
        # V1 >= V4, so V1's violations are among V4's: listed once, under V4
        results["V1_realdata"], _ = _realdata(records, "V1")
        violations += v
    from qtheory.experiments.looseness import budget_summary, radius_summary, split_summary

    results["budget"], results["looseness"] = budget_summary(records), split_summary(records)
    results["oracle_radius"] = radius_summary(records)
    from qtheory.experiments.scale_summary import summarize_scale

    results["scale"] = summarize_scale(records)
    violations += [{**v, "what": f"scale: {v['what']} ({v['solution']})", "file": f"{v['sweep']}/cells/{v['cell']}.json",
                    "seed": v["labels"].get("problem.data.seed"), "solver": v["solution"]}
                   for v in results["scale"]["violations"]]
    return {
        "sweeps": {name: len(recs) for name, recs in records.items()},
        "results": results,
        "violations": violations,
        "total_violations": len(violations),
        "observations": observations(records),
    }


# ================================================================================== observations
#: |Spearman rho| below which the report calls the relation of excess risk and Gamma "no clear trend"
NO_TREND = 0.3
#: F(beta^) - min F at most this counts as reaching the global minimum of F (round-off)
AT_MIN_F = 1e-9


def _spearman(x: list[float], y: list[float]) -> float | None:
    if len(x) < 3 or len(set(x)) < 2 or len(set(y)) < 2:
        return None
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


def _qcd_starts(records) -> dict[str, Any]:
    """Per Q-CD start kind: runs, how many reach min F (Gamma = 0), and the realized excess."""
    out: dict[str, dict[str, list[float]]] = {}
    for _, rec in _toy(records):
        if rec.get("qcd") is None:
            continue
        row = out.setdefault(rec["config"]["solver"].get("start", "?"), {"gamma": [], "excess": []})
        row["gamma"].append(rec["solution"]["gamma_F"])
        row["excess"].append(rec["solution"]["excess"])
    return {start: {"runs": len(v["gamma"]), "at_min_F": int(sum(g <= AT_MIN_F for g in v["gamma"])),
                    "excess": _stats(v["excess"])} for start, v in sorted(out.items())}


def _excess_vs_gamma(records) -> dict[str, Any]:
    """Per sweep with certified Q-CD outputs where B applies (F4's points), at the sweep's largest n: the rank
    correlation of realized excess with Gamma = F(beta^) - min F, and B's bound over the realized excess."""
    out = {}
    for sweep, recs in records.items():
        recs = [r for r in recs if r["config"]["kind"] == "toy" and r.get("qcd") is not None and "B" in r["bounds"]]
        if not recs:
            continue
        n = max(r["instance"]["n"] for r in recs)
        recs = [r for r in recs if r["instance"]["n"] == n]
        gam = [r["solution"]["gamma_F"] for r in recs]
        exc = [r["solution"]["excess"] for r in recs]
        out[sweep] = {"n": n, "runs": len(recs), "spearman": _spearman(gam, exc),
                      "B_over_excess": _stats([r["bounds"]["B"]["tightness"] for r in recs
                                               if r["bounds"]["B"]["tightness"] is not None])}
    return out


def _realdata_means(records) -> dict[str, Any]:
    """Per data set, over every configuration: mean test error and mean V1 certificate of Q-CD and of STE, and
    how many Q-CD networks have a higher test error than the STE network of the same configuration."""
    rows: dict[str, dict[str, list[float]]] = {}
    for _, rec in _data(records):
        res = rec["result"]
        row = rows.setdefault(res["dataset"], {"qcd_test": [], "ste_test": [], "qcd_V1": [], "ste_V1": [],
                                               "qcd_V4": [], "ste_V4": []})
        for cfg in res["configs"]:
            row["qcd_test"].append(cfg["test_error"])
            row["ste_test"].append(cfg["ste"]["test_error"])
            for name in ("V1", "V4"):
                row[f"qcd_{name}"].append(cfg[f"bound_{name}"])
                row[f"ste_{name}"].append(cfg["ste"][f"bound_{name}"])
    return {name: {"configs": len(r["qcd_test"]), **{f"{k}_mean": float(np.mean(v)) for k, v in r.items()},
                   "qcd_test_higher": int(sum(q > t for q, t in zip(r["qcd_test"], r["ste_test"])))}
            for name, r in sorted(rows.items())}


def observations(records: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Facts computed from the records that the figures illustrate (rendered as sentences by the report)."""
    glob = [rec for _, rec in _toy(records) if rec["config"]["solver"]["kind"] == "global"]
    zero = [rec for rec in glob if rec["solution"]["nnz"] == 0]
    return {
        "global_minimizers_of_F": len(glob),
        "zero_network": len(zero),
        "zero_network_excess": _stats([rec["solution"]["excess"] for rec in zero]),
        "qcd_by_start": _qcd_starts(records),
        "excess_vs_gamma": _excess_vs_gamma(records),
        "realdata": _realdata_means(records),
    }


def render_observations(obs: dict[str, Any]) -> list[str]:
    """One sentence per computed observation (nothing for what the records do not contain)."""
    lines = []
    if obs["global_minimizers_of_F"]:
        text = f"{obs['zero_network']} of {obs['global_minimizers_of_F']} global minimizers of F are the zero network"
        ex = obs["zero_network_excess"]
        if ex["n"]:
            text += (f"; their realized excess, the penalty's bias L(0) - L*_Q (carried by A and B in their "
                     f"s a lam^2/2 and eps terms), has median {_fmt(ex['median'])} [{_fmt(ex['min'])}, "
                     f"{_fmt(ex['max'])}]")
        lines.append(f"- {text}.")
    for start, r in obs["qcd_by_start"].items():
        lines.append(f"- Q-CD from {start} starts: {r['at_min_F']} of {r['runs']} runs reach min F; realized excess "
                     f"median {_tight(r['excess'])}.")
    for sweep, r in obs["excess_vs_gamma"].items():
        rho = r["spearman"]
        trend = ("undefined" if rho is None else "no clear trend" if abs(rho) < NO_TREND
                 else "increasing" if rho > 0 else "decreasing")
        lines.append(f"- Realized excess against Gamma = F(beta^) - min F, certified Q-CD outputs of sweep `{sweep}` at "
                     f"n = {r['n']} ({r['runs']} runs): Spearman rho {_fmt(rho, 2)} ({trend}); B's bound over the "
                     f"realized excess {_tight(r['B_over_excess'])}.")
    for name, r in obs["realdata"].items():
        lines.append(f"- {name}, mean over {r['configs']} configurations: test error Q-CD {_fmt(r['qcd_test_mean'])} "
                     f"against STE {_fmt(r['ste_test_mean'])} (Q-CD higher in {r['qcd_test_higher']}); V1 certificate "
                     f"Q-CD {_fmt(r['qcd_V1_mean'])} against STE {_fmt(r['ste_V1_mean'])}.")
    return lines


# ================================================================================== Markdown
def _fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return str(x)


def _tight(st: dict[str, Any]) -> str:
    if not st["n"]:
        return "–"
    return f"{_fmt(st['median'])} [{_fmt(st['min'])}, {_fmt(st['max'])}]"


def _verdict_bound(name: str, r: dict[str, Any]) -> str:
    words = []
    if r["violations"]:
        words.append(f"**VIOLATED in {r['violations']} cell(s)** ({r['violations_on_event']} on L1's event)")
    st = r["tightness"]
    if st["n"]:
        if st["median"] >= 10:
            words.append(f"loose: the bound is a median {st['median']:.3g} times the realized excess")
        elif st["median"] >= 2:
            words.append(f"within a factor {st['median']:.2g} (median) of the realized excess")
        else:
            words.append(f"tight: median ratio {st['median']:.2g}")
    if r["zero_excess"]:
        words.append(f"{r['zero_excess']} of {r['cells']} cells have zero realized excess (ratio undefined)")
    if r["vacuous"]:
        words.append(f"vacuous (>= B - L*_Q) in {r['vacuous']} of {r['cells']} cells")
    return "; ".join(words) or "no applicable cell"


def render_markdown(summary: dict[str, Any]) -> str:
    """The report as Markdown (tables, plain statements about looseness, every violation listed)."""
    res = summary["results"]
    lines = ["# Tightness report" + (" — QUICK RUN" if summary.get("quick") else ""), ""]
    if summary.get("quick"):
        lines += ["**Quick run:** the small versions of the sweeps (`qtheory figures --quick`), a smoke test of the "
                  "pipeline. Its numbers are not those of the full run and may tell a different story.", ""]
    lines.append("Cells per sweep: " + ", ".join(f"{k} {v}" for k, v in summary["sweeps"].items()) + ".")
    lines.append(f"**Violations: {summary['total_violations']}.**")
    lines.append("")
    lines.append("Tightness = bound / realized excess risk L(beta^) - L*_Q over cells with a positive excess; "
                 "median [min, max]. A bound on the excess is vacuous when it is >= B - L*_Q.")
    lines.append("")
    lines.append("| result | cells | violations | tightness median [range] | zero excess | vacuous | verdict |")
    lines.append("|---|---|---|---|---|---|---|")
    for name in EXCESS_BOUNDS:
        r = res[name]
        lines.append(f"| {name} | {r['cells']} | {r['violations']} | {_tight(r['tightness'])} | {r['zero_excess']} | "
                     f"{r['vacuous']} | {_verdict_bound(name, r)} |")
    lines.append("")
    l1 = res["L1"]
    ratio = l1["worst_deviation_over_radius"]
    lines += ["## L1 (uniform deviation)", "",
              f"{l1['samples']} samples; L1's event failed on {l1['event_failed']} (allowed frequency delta' = "
              f"{_fmt(l1['delta'])}, binomial tail {_fmt(l1['binomial_tail'])}); violations: {l1['violations']}. "
              f"A0's dense event failed on {l1['dense_event_failed']}.", ""]
    if ratio["n"]:
        lines.append(f"Largest deviation max_k dev(k)/D(k) per sample: median {_fmt(ratio['median'])}, range "
                     f"[{_fmt(ratio['min'])}, {_fmt(ratio['max'])}]: the radius D(k) is loose by a factor of about "
                     f"{_fmt(1 / ratio['max'] if ratio['max'] else None, 2)} or more on every sample.")
        lines.append("")
    sp = res["B_sparsity"]
    lines += ["## B's sparsity bound", "",
              f"{sp['cells']} cells, {sp['violations']} violations; bound / ||beta^||_0 (non-zero outputs): "
              f"{_tight(sp['bound_over_nnz'])}" + (" — loose." if (sp['bound_over_nnz']['median'] or 0) >= 10 else "."), ""]
    l2 = res["L2"]
    lines += ["## L2 (threshold lemma)", "",
              f"Hypotheses met: {l2['cells']} certified local solutions, {l2['nonzeros']} non-zero weights, "
              f"{l2['violations']} below a lam - d (violations).",
              f"Negative control (hypotheses broken): {l2['control_cells']} solutions, {l2['control_nonzeros']} non-zeros, "
              f"{l2['control_below']} at or below a lam - d" +
              (" — the hypotheses matter." if l2["control_below"] else " — no counterexample from the control."), ""]
    c = res["C"]
    lines += ["## C (Q-CD)", "",
              f"{c['cells']} runs, {c['violations']} violations" +
              (f" ({', '.join(f'{k}: {v}' for k, v in c['failed_checks'].items())})" if c["failed_checks"] else "") +
              f"; move bound F(beta^0)/nu over moves used: {_tight(c['moves_bound_over_moves'])}" +
              (" — the move bound is loose." if (c['moves_bound_over_moves']['median'] or 0) >= 10 else "."), ""]
    if "V4_realdata" in res:
        lines += ["## V4 on real data (certificate of the 0-1 error, with V2's ln M; V1 beside it)", "",
                  "| data set / method | networks | test error > certificate | certificate / test error | "
                  "certificate V4 median [range] | V1 median [range] | test error median [range] | vacuous (>= 1) |",
                  "|---|---|---|---|---|---|---|---|"]
        for k, r in res["V4_realdata"].items():
            v1 = res.get("V1_realdata", {}).get(k, {}).get("bound", {"n": 0})
            lines.append(f"| {k} | {r['cells']} | {r['violations']} | {_tight(r['tightness'])} | {_tight(r['bound'])} | "
                         f"{_tight(v1)} | {_tight(r['test_error'])} | {r['vacuous']} |")
        lines.append("")
    from qtheory.experiments.scale_summary import render_scale

    lines += render_scale(res["scale"]) if "scale" in res else []
    obs = render_observations(summary["observations"])
    if obs:
        lines += ["## Observations", "", *obs, ""]
    from qtheory.experiments.looseness import render as render_looseness

    lines += render_looseness(summary)
    lines += ["## Breakdown by sweep and solver", "",
              "| result | sweep / solver | cells | violations | tightness median [range] |", "|---|---|---|---|---|"]
    for name in EXCESS_BOUNDS:
        for key, r in res[name]["by_sweep_solver"].items():
            lines.append(f"| {name} | {key} | {r['cells']} | {r['violations']} | {_tight(r['tightness'])} |")
    lines.append("")
    lines += ["## Violations", ""]
    if not summary["violations"]:
        lines.append("None.")
    for v in summary["violations"]:
        if v.get("sweep") is None:
            lines.append(f"- {v['what']}")
            continue
        lines.append(f"- {v['what']} — sweep `{v['sweep']}`, cell `{v['cell']}` (`{v['file']}`), seed {v['seed']}, "
                     f"solver {v['solver']}, {v['labels']}. Reproduce: the cell's `config` in its result file "
                     f"(and in report.json).")
    lines.append("")
    return "\n".join(lines)
