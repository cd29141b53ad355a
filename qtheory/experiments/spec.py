"""Sweep files: a TOML description of an experiment that expands to *cells*.

A cell is one fully specified computation: one problem (its data sample included), one penalty rule, one
solver run, the confidence level delta' and the sparsity level s of the reference beta*_eps.  Its
configuration is a plain JSON-able dict; its id is a hash of that dict, so a cell keeps its id (and its result
file) from one run to the next, whatever the order of expansion.

Sweep file keys (unknown keys are errors naming the key).  Common to both kinds:

``name``            the sweep's name (its result directory).
``description``     free text.
``kind``            ``"toy"`` (default: enumerable teacher-student problems) or ``"data"`` (real data).
``delta``           confidence level delta' in (0, 1) (default 0.05).
``[axes]``          dotted path -> list of values; the cells are the product of all axes.
``[[variants]]``    a list of partial configurations (nested tables, merged into the base), one more axis whose
                    entries change several keys together; ``label`` names each entry.
``[quick]``         overrides for ``--quick``: ``axes`` (replaces listed axes), ``variants``, ``solvers``, and
                    for data sweeps ``data`` and ``config`` (merged).

Toy sweeps (axis paths start with ``problem.``, ``penalty.``, ``delta`` or ``s``):

``s``               sparsity of the reference: an integer, or ``"best"`` (default): the bound is evaluated at
                    every s = 1..p and the smallest value is reported.  This costs nothing: A and B are proved
                    on L1's event, which holds for all beta at once, hence for every s at once.
``max_seconds``     refuse any enumeration estimated to take longer (default 120).
``[problem]``       a problem file's tables (grid, model, loss, data) with a finite population;
                    ``data.teacher_values`` (an extension) gives the teacher's parameter *values*, converted
                    to codes on the cell's grid.
``[penalty]``       the MCP rule (see :mod:`qtheory.experiments.penalty`); omitted: no penalty.
``[[solvers]]``     solver runs (see :mod:`qtheory.experiments.cells`): ``kind`` = ``erm`` | ``global`` |
                    ``qcd``; ``repeats = r`` expands to r cells with ``repeat`` = 0..r-1.
``[oracle]``        optional: ``resamples`` R (and ``seed``): the oracle radius of the population at each n from
                    R resampled training sets (:mod:`qtheory.experiments.oracle`), and the oracle version of
                    A0, A and B in every record.
``select_over``     axis paths (and ``"solvers"``) selected among after seeing the data: V1's ln M
                    (V2's selection cost) uses M = the product of their sizes (default M = 1).

Scale sweeps (``kind = "scale"``, axis paths start with ``problem.``, ``penalty.`` or ``delta``): one cell is one
sample of the analytic population (``[problem]`` tables with ``data.kind = "rademacher"``) and every solution
of :mod:`qtheory.experiments.scale_cells`; ``[penalty]`` is a penalty rule resolved with the proven U = 2;
``[limits]`` bounds the work (``max_np``, ``ste_max_np``, ``enumerate_max_work``).

Data sweeps (axis paths start with ``dataset``, ``seed``, ``data.``, ``config.`` or ``delta``): one cell is
one run of :func:`qtheory.certify_data.certify_dataset` on ``dataset`` with ``seed``:

``dataset``, ``seed``  a bundled scikit-learn data set (or CSV path) and the split seed;
``[data]``          options of certify_dataset: test_fraction, prep_fraction, preprocessing, start_penalty, nu,
                    ste (a table of train_ste options: epochs, lr);
``[config]``        fields of :class:`qtheory.certify_data.Config` shared by every configuration, and ``lams``:
                    one configuration per MCP level lambda (M = len(lams) in V1's ln M).
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qtheory.validation import check_probability

KINDS = ("toy", "data", "scale")
COMMON_KEYS = {"name", "description", "kind", "delta", "axes", "variants", "quick"}
SWEEP_KEYS = {
    "toy": COMMON_KEYS | {"s", "max_seconds", "problem", "penalty", "solvers", "select_over", "oracle"},
    "data": COMMON_KEYS | {"dataset", "seed", "data", "config"},
    "scale": COMMON_KEYS | {"problem", "penalty", "limits"},
}
QUICK_KEYS = {"toy": {"axes", "variants", "solvers"}, "data": {"axes", "variants", "data", "config"},
              "scale": {"axes", "variants"}}
AXIS_ROOTS = {"toy": ("problem", "penalty", "delta", "s"), "data": ("dataset", "seed", "data", "config", "delta"),
              "scale": ("problem", "penalty", "delta")}
SOLVER_KINDS = ("erm", "global", "qcd")
SOLVER_KEYS = {
    "erm": {"kind", "label"},
    "global": {"kind", "label"},
    "qcd": {"kind", "label", "start", "order", "repeats", "max_moves"},
}
ORACLE_KEYS = {"resamples", "seed"}
DATA_KEYS = {"test_fraction", "prep_fraction", "preprocessing", "start_penalty", "nu", "ste"}
DEFAULT_DELTA = 0.05
DEFAULT_MAX_SECONDS = 120.0


@dataclass(frozen=True)
class Cell:
    """One computation of a sweep: ``config`` (JSON-able) and its stable ``id``."""

    id: str
    config: dict[str, Any]

    @property
    def kind(self) -> str:
        return self.config["kind"]

    @property
    def group_key(self) -> str:
        """Toy cells with the same problem share its exact quantities (one task); a data cell is a task of its
        own."""
        if self.kind in ("data", "scale"):
            return self.id
        return canonical_json({"problem": self.config["problem"], "max_seconds": self.config["max_seconds"]})


@dataclass(frozen=True)
class Sweep:
    """A parsed sweep file."""

    name: str
    description: str
    raw: dict[str, Any]
    source: str = ""

    @property
    def kind(self) -> str:
        return self.raw.get("kind", "toy")

    def cells(self, quick: bool = False) -> list[Cell]:
        """Expand to cells (the product of every axis, the variants and, for toy sweeps, the solver runs)."""
        return expand(self.raw, quick=quick)


# ====================================================================================== utilities
def canonical_json(obj: Any) -> str:
    """Deterministic JSON text of a configuration (sorted keys, no spaces)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def cell_id(config: dict[str, Any]) -> str:
    """The first 16 hex digits of the SHA-256 of the canonical JSON of ``config``."""
    return hashlib.sha256(canonical_json(config).encode()).hexdigest()[:16]


def set_path(table: dict[str, Any], path: str, value: Any) -> None:
    """table[a][b][c] = value for ``path`` = "a.b.c" (creating tables on the way)."""
    keys = path.split(".")
    for key in keys[:-1]:
        nxt = table.setdefault(key, {})
        if not isinstance(nxt, dict):
            raise ValueError(f"axis {path!r}: {key!r} is not a table")
        table = nxt
    table[keys[-1]] = copy.deepcopy(value)


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``base`` with ``extra`` merged in (nested tables merged, other values replaced)."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# ====================================================================================== loading
def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep file."""
    from qtheory.problem import read_toml

    path = Path(path)
    raw = read_toml(path, "sweep file")
    return sweep_from_dict(raw, source=str(path), default_name=path.stem)


def sweep_from_dict(raw: dict[str, Any], source: str = "", default_name: str = "sweep") -> Sweep:
    """Validate a parsed sweep file (every cell is expanded once, so errors show up before anything runs)."""
    raw = copy.deepcopy(raw)
    kind = raw.setdefault("kind", "toy")
    if kind not in KINDS:
        raise ValueError(f"kind == {kind!r}, must be one of {', '.join(map(repr, KINDS))}")
    unknown = sorted(set(raw) - SWEEP_KEYS[kind])
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} in a {kind} sweep file; accepted keys: "
                         f"{', '.join(sorted(SWEEP_KEYS[kind]))}")
    raw.setdefault("name", default_name)
    name = raw["name"]
    if not isinstance(name, str) or not name or any(c in name for c in "/\\ ") or name.startswith("."):
        raise ValueError(f"name == {name!r}, must be a non-empty word without spaces or slashes")
    if kind == "toy":
        if "problem" not in raw or not isinstance(raw["problem"], dict):
            raise ValueError("missing required table [problem] (grid, model, loss, data)")
        if "solvers" not in raw or not isinstance(raw["solvers"], list) or not raw["solvers"]:
            raise ValueError("missing required [[solvers]] (at least one solver run)")
    elif kind == "scale":
        if not isinstance(raw.get("problem"), dict) or not isinstance(raw.get("penalty"), dict):
            raise ValueError("a scale sweep needs the tables [problem] (data.kind = 'rademacher') and [penalty]")
    else:
        if "config" not in raw or not isinstance(raw["config"], dict):
            raise ValueError("missing required table [config] (certify_data.Config fields and lams)")
    quick = raw.get("quick", {})
    if not isinstance(quick, dict):
        raise ValueError("[quick] must be a table")
    bad = sorted(set(quick) - QUICK_KEYS[kind])
    if bad:
        raise ValueError(f"unknown key quick.{bad[0]}; accepted keys: {', '.join(sorted(QUICK_KEYS[kind]))}")
    for quick_mode in (False, True):
        expand(raw, quick=quick_mode)
    return Sweep(name=name, description=str(raw.get("description", "")), raw=raw, source=source)


# ====================================================================================== expansion
def _axes(raw: dict[str, Any], quick: bool) -> dict[str, list[Any]]:
    axes = dict(raw.get("axes", {}))
    if quick:
        axes.update(raw.get("quick", {}).get("axes", {}))
    roots = AXIS_ROOTS[raw.get("kind", "toy")]
    for path, values in axes.items():
        if path.split(".")[0] not in roots:
            raise ValueError(f"axis {path!r} must start with one of {', '.join(roots)}")
        if not isinstance(values, list) or not values:
            raise ValueError(f"axis {path!r} must be a non-empty list of values")
    return axes


def _variants(raw: dict[str, Any], quick: bool) -> list[dict[str, Any]]:
    variants = raw.get("variants", [{}])
    if quick and "variants" in raw.get("quick", {}):
        variants = raw["quick"]["variants"]
    if not isinstance(variants, list) or not variants or not all(isinstance(v, dict) for v in variants):
        raise ValueError("variants must be a non-empty list of tables")
    roots = AXIS_ROOTS[raw.get("kind", "toy")]
    for v in variants:
        bad = sorted(set(v) - {"label", *roots})
        if bad:
            raise ValueError(f"variant key {bad[0]!r} must be one of label, {', '.join(roots)}")
    return variants


def _solver_runs(raw: dict[str, Any], quick: bool) -> list[dict[str, Any]]:
    solvers = raw["solvers"]
    if quick and "solvers" in raw.get("quick", {}):
        solvers = raw["quick"]["solvers"]
    runs = []
    for i, solver in enumerate(solvers):
        if not isinstance(solver, dict) or "kind" not in solver:
            raise ValueError(f"solvers[{i}] must be a table with a kind ({', '.join(SOLVER_KINDS)})")
        kind = solver["kind"]
        if kind not in SOLVER_KINDS:
            raise ValueError(f"solvers[{i}].kind == {kind!r}, must be one of {', '.join(SOLVER_KINDS)}")
        bad = sorted(set(solver) - SOLVER_KEYS[kind])
        if bad:
            raise ValueError(f"unknown key solvers[{i}].{bad[0]} for kind {kind!r}; accepted: {', '.join(sorted(SOLVER_KEYS[kind]))}")
        repeats = solver.get("repeats", 1)
        if not isinstance(repeats, int) or isinstance(repeats, bool) or repeats < 1:
            raise ValueError(f"solvers[{i}].repeats == {repeats!r}, must be an integer >= 1")
        base = {k: v for k, v in solver.items() if k != "repeats"}
        base.setdefault("label", _default_label(base))
        for r in range(repeats):
            runs.append({**base, "repeat": r})
    return runs


def _default_label(solver: dict[str, Any]) -> str:
    if solver["kind"] == "qcd":
        return f"qcd-{solver.get('start', 'zero')}"
    return solver["kind"]


def _selection_size(raw: dict[str, Any], axes: dict[str, list[Any]], variants: list, solvers: list) -> int:
    M = 1
    for path in raw.get("select_over", []):
        if path == "solvers":
            M *= len({canonical_json({k: v for k, v in s.items() if k != "repeat"}) for s in solvers})
        elif path == "variants":
            M *= len(variants)
        elif path in axes:
            M *= len(axes[path])
        else:
            raise ValueError(f"select_over entry {path!r} is neither an axis, 'variants' nor 'solvers'")
    return M


def _toy_base(raw: dict[str, Any], axes: dict, variants: list, solvers: list) -> dict[str, Any]:
    base = _toy_common(raw, axes, variants, solvers)
    if "oracle" in raw:
        base["oracle"] = _oracle_rule(raw["oracle"])
    return base


def _oracle_rule(rule: Any) -> dict[str, int]:
    from qtheory.validation import check_positive_int

    if not isinstance(rule, dict):
        raise ValueError("[oracle] must be a table with resamples (and seed)")
    bad = sorted(set(rule) - ORACLE_KEYS)
    if bad:
        raise ValueError(f"unknown key oracle.{bad[0]}; accepted keys: {', '.join(sorted(ORACLE_KEYS))}")
    if "resamples" not in rule:
        raise ValueError("missing required key oracle.resamples")
    return {"resamples": check_positive_int(rule["resamples"], "oracle.resamples", min_val=2),
            "seed": check_positive_int(rule.get("seed", 0), "oracle.seed", min_val=0)}


def _toy_common(raw: dict[str, Any], axes: dict, variants: list, solvers: list) -> dict[str, Any]:
    return {
        "kind": "toy",
        "problem": raw["problem"],
        "penalty": raw.get("penalty"),
        "delta": raw.get("delta", DEFAULT_DELTA),
        "s": raw.get("s", "best"),
        "max_seconds": float(raw.get("max_seconds", DEFAULT_MAX_SECONDS)),
        "M": _selection_size(raw, axes, variants, solvers),
    }


def _data_base(raw: dict[str, Any], quick: bool) -> dict[str, Any]:
    data, config = raw.get("data", {}), raw["config"]
    if quick:
        data = deep_merge(data, raw.get("quick", {}).get("data", {}))
        config = deep_merge(config, raw.get("quick", {}).get("config", {}))
    return {"kind": "data", "dataset": raw.get("dataset"), "seed": raw.get("seed", 0), "data": data,
            "config": config, "delta": raw.get("delta", DEFAULT_DELTA)}


def expand(raw: dict[str, Any], quick: bool = False) -> list[Cell]:
    """The cells of a sweep, in a deterministic order (axes in file order, then variants, then solvers)."""
    kind = raw.get("kind", "toy")
    axes = _axes(raw, quick)
    variants = _variants(raw, quick)
    if kind == "toy":
        solvers = _solver_runs(raw, quick)
        base = _toy_base(raw, axes, variants, solvers)
    elif kind == "scale":
        solvers = [None]
        base = {"kind": "scale", "problem": raw["problem"], "penalty": raw["penalty"],
                "limits": raw.get("limits", {}), "delta": raw.get("delta", DEFAULT_DELTA)}
    else:
        solvers = [None]
        base = _data_base(raw, quick)
    cells, seen = [], set()
    paths = list(axes)
    for combo in itertools.product(*(axes[p] for p in paths)):
        for variant in variants:
            config = deep_merge(base, {k: v for k, v in variant.items() if k != "label"})
            for path, value in zip(paths, combo):
                set_path(config, path, value)
            labels = {path: value for path, value in zip(paths, combo)}
            if "label" in variant:
                labels["variant"] = variant["label"]
            for solver in solvers:
                cfg = {**copy.deepcopy(config), "labels": labels}
                if solver is not None:
                    cfg["solver"] = dict(solver)
                _check_cell(cfg)
                cid = cell_id(cfg)
                if cid in seen:
                    raise ValueError(f"two cells of the sweep have the same configuration: {canonical_json(cfg)}")
                seen.add(cid)
                cells.append(Cell(cid, cfg))
    return cells


def _check_cell(cfg: dict[str, Any]) -> None:
    check_probability(cfg["delta"], "delta")
    if cfg["kind"] == "data":
        _check_data_cell(cfg)
        return
    if cfg["kind"] == "scale":
        from qtheory.experiments.penalty import check_rule

        if cfg["problem"].get("data", {}).get("kind") != "rademacher":
            raise ValueError("a scale sweep needs problem.data.kind = 'rademacher'")
        check_rule(cfg["penalty"])
        return
    s = cfg["s"]
    if s != "best" and (not isinstance(s, int) or isinstance(s, bool) or s < 1):
        raise ValueError(f"s == {s!r}, must be a positive integer or 'best'")
    if cfg["penalty"] is not None:
        from qtheory.experiments.penalty import check_rule

        check_rule(cfg["penalty"])


def _check_data_cell(cfg: dict[str, Any]) -> None:
    if not cfg.get("dataset"):
        raise ValueError("a data sweep needs a dataset (top-level key or an axis 'dataset')")
    bad = sorted(set(cfg["data"]) - DATA_KEYS)
    if bad:
        raise ValueError(f"unknown key data.{bad[0]}; accepted keys: {', '.join(sorted(DATA_KEYS))}")
    lams = cfg["config"].get("lams")
    if not isinstance(lams, list) or not lams:
        raise ValueError("config.lams must be a non-empty list of MCP levels lambda (one configuration each)")


def group_cells(cells: list[Cell]) -> list[list[Cell]]:
    """Cells grouped into tasks (see :attr:`Cell.group_key`), in order of first appearance."""
    groups: dict[str, list[Cell]] = {}
    for cell in cells:
        groups.setdefault(cell.group_key, []).append(cell)
    return list(groups.values())


def default_sweeps_dir() -> Path:
    """The sweep files shipped with the package (used by ``qtheory figures``)."""
    return Path(__file__).with_name("sweeps")
