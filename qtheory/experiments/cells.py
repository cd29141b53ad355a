"""Run the cells of one task: solve, then measure; return one JSON-able record per cell.

Toy cells (enumerable problems), solver kinds:

* ``erm``    — beta~ = argmin L_n over Q^p (exact);
* ``global`` — beta^ = argmin F over Q^p (exact; needs a penalty), a 0-local solution;
* ``qcd``    — Q-CD (result C) from ``start`` (zero, random, round, ste) with the penalty rule's nu and
  ``order`` cyclic or random; the seed of random starts, orders and warm-start training is the cell's
  ``repeat``.

Data cells: one run of :func:`qtheory.certify_data.certify_dataset` (Q-CD from an STE warm start for every
lambda, V4 and V1 certificates with ln M, the STE baseline, test errors read once at the end).

A record holds the cell's configuration and measurements only: nothing in it depends on the time, the
machine or the number of workers, so the same configuration always gives the same bytes.  Wall times are
returned separately.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from qtheory.experiments.instance import Instance, InstanceCache
from qtheory.experiments.measure import instance_facts, measure_exact
from qtheory.experiments.spec import Cell
from qtheory.jsonable import to_jsonable
from qtheory.threads import torch_thread_limit

#: version of the measurement code behind a record; a stored record of another version is recomputed
RECORD_VERSION = 3
#: keys of certify_dataset's record that are wall times (dropped: records hold no times)
_TIME_KEYS = ("seconds",)


# ================================================================================= toy cells
def _qcd_part(inst: Instance, solver: dict[str, Any], nu: float) -> tuple[np.ndarray, dict[str, Any]]:
    from qtheory.solve.qcd import qcd
    from qtheory.theory import C

    res = qcd(inst.problem, nu, start=solver.get("start", "zero"), order=solver.get("order", "cyclic"),
              seed=int(solver.get("repeat", 0)), max_moves=solver.get("max_moves"))
    trace_F = [float(t["F"]) for t in res.trace]
    prev = np.concatenate([[res.F0], trace_F[:-1]]) if trace_F else np.zeros(0)
    drops = prev - np.asarray(trace_F)
    moves_bound = float(np.asarray(C.evaluate(F0=res.F0, nu=nu))) if nu > 0 else None
    part = {
        "F0": float(res.F0), "F": float(res.F), "moves": int(res.moves), "sweeps": int(res.sweeps),
        "local": bool(res.local), "hit_cap": bool(res.hit_cap), "nu": float(nu),
        "start_codes": [int(c) for c in res.start_codes], "trace_F": trace_F, "moves_bound": moves_bound,
        "checks": {
            "each_move_drops_more_than_nu": bool(np.all(drops > nu)),
            "moves_within_bound": bool(moves_bound is None or res.moves <= moves_bound),
            "F_not_above_F0": bool(res.F <= res.F0),
            "certified_local": bool(res.local and not res.hit_cap),
        },
    }
    return res.codes.astype(np.int64), part


def run_toy_cell(inst: Instance, cell: Cell) -> dict[str, Any]:
    """The record of one toy cell."""
    cfg = cell.config
    solver = cfg["solver"]
    kind = solver["kind"]
    nu = inst.resolved.nu if inst.resolved is not None else 0.0
    qcd_part = None
    if kind == "erm":
        codes = inst.base.Ln_argmin
    elif kind == "global":
        if inst.F_argmin is None:
            raise ValueError("solver kind 'global' (argmin F) needs a [penalty]")
        codes = inst.F_argmin
    else:
        codes, qcd_part = _qcd_part(inst, solver, nu)
    oracle = None
    if cfg.get("oracle"):
        from qtheory.experiments.oracle import oracle_radii

        oracle = oracle_radii(inst.problem, inst.problem.n, R=cfg["oracle"]["resamples"], delta=cfg["delta"],
                              seed=cfg["oracle"]["seed"])
    measured = measure_exact(inst, codes, delta=cfg["delta"], s_rule=cfg["s"], M=cfg["M"], nu=nu, oracle=oracle)
    record = {"version": RECORD_VERSION, "id": cell.id, "config": cfg,
              "instance": instance_facts(inst, cfg["delta"], cfg["M"], oracle=oracle), **measured}
    if qcd_part is not None:
        record["qcd"] = qcd_part
    return to_jsonable(record)


# ================================================================================= data cells
def run_data_cell(cell: Cell) -> dict[str, Any]:
    """The record of one data cell: certify_dataset's record without its wall times."""
    from qtheory.certify_data import Config, certify_dataset

    cfg = cell.config
    shared = {k: v for k, v in cfg["config"].items() if k != "lams"}
    if "hidden" in shared:
        shared["hidden"] = tuple(shared["hidden"])
    configs = [Config(lam=float(lam), **shared) for lam in cfg["config"]["lams"]]
    options = dict(cfg["data"])
    ste = options.pop("ste", None)
    result = certify_dataset(cfg["dataset"], seed=int(cfg["seed"]), delta=cfg["delta"], configs=configs,
                             ste_options=ste, **options)
    return to_jsonable({"version": RECORD_VERSION, "id": cell.id, "config": cfg, "result": _drop_times(result)})


def _drop_times(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _drop_times(v) for k, v in x.items() if k not in _TIME_KEYS}
    if isinstance(x, list):
        return [_drop_times(v) for v in x]
    return x


# ================================================================================= tasks
def run_task(cells: list[Cell]) -> tuple[list[tuple[str, dict[str, Any]]], float]:
    """Run the cells of one task; returns ((cell id, record), ...) and the wall time in seconds.

    BLAS (and torch) use one thread, so that results do not depend on the number of threads (sums taken in
    another order) and parallel tasks do not oversubscribe the cores.
    """
    from threadpoolctl import threadpool_limits

    t0 = time.perf_counter()
    cache = InstanceCache()
    out = []
    needs_torch = any(c.kind == "data" or (c.config.get("solver") or {}).get("start") in ("round", "ste") for c in cells)
    with threadpool_limits(limits=1), torch_thread_limit(1 if needs_torch else None):
        for cell in cells:
            if cell.kind == "data":
                out.append((cell.id, run_data_cell(cell)))
            elif cell.kind == "scale":
                from qtheory.experiments.scale_cells import run_scale_cell

                out.append((cell.id, run_scale_cell(cell, version=RECORD_VERSION)))
            else:
                out.append((cell.id, run_toy_cell(cache.build(cell.config), cell)))
    return out, time.perf_counter() - t0


