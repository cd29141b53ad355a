"""Sweep records as one flat table (one CSV file that ``pandas.read_csv`` reads as it is).

One row per toy cell, and one row per configuration of a data cell (``result.chosen`` says which one the
selection rule picked).  Nested keys are joined with dots (``solution.excess``, ``bounds.B.value``,
``config.labels.problem.data.n``); lists are written as JSON text (``solution.codes``), missing values as
empty fields.  The first two columns are ``sweep`` and ``id``; the others are sorted by name.

    from qtheory.experiments.export import records_table, write_csv
    write_csv(records_table("figures/results"), "records.csv")
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from qtheory.experiments.store import Store

LEAD = ("sweep", "id")


def flatten(obj: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}, "c": [1, 2]}`` -> ``{"a.b": 1, "c": "[1, 2]"}`` (lists as JSON text)."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, (list, tuple)):
            out[name] = json.dumps(value)
        else:
            out[name] = value
    return out


def record_rows(sweep: str, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The table rows of one stored record."""
    head = {"sweep": sweep, "id": record["id"]}
    if record["config"]["kind"] != "data":
        return [{**head, **flatten({k: v for k, v in record.items() if k != "id"})}]
    result = record["result"]
    chosen = result["config"]["label"]
    rows = []
    for cfg in result["configs"]:
        rows.append({**head, "version": record.get("version"), **flatten(record["config"], "config."),
                     **flatten(cfg, "result."), "result.chosen": cfg["config"]["label"] == chosen,
                     **{f"result.{k}": result[k] for k in ("dataset", "M", "n_train", "n_test", "delta")}})
    return rows


def sweep_names(results: str | Path) -> list[str]:
    """Every sweep with stored cells under ``results``."""
    return sorted(p.parent.name for p in Path(results).glob("*/cells") if p.is_dir())


def records_table(results: str | Path, sweeps: list[str] | None = None) -> list[dict[str, Any]]:
    """Every stored record of the named sweeps (default: all) under ``results`` as flat rows."""
    rows = []
    for name in sweeps if sweeps is not None else sweep_names(results):
        for record in Store(results, name).records():
            rows += record_rows(name, record)
    return rows


def write_csv(rows: list[dict[str, Any]], path: str | Path) -> Path:
    """Write ``rows`` to ``path`` as CSV with a header (columns: ``sweep``, ``id``, then all others sorted)."""
    columns = list(LEAD) + sorted({k for row in rows for k in row} - set(LEAD))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, restval="")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return path


__all__ = ["flatten", "record_rows", "records_table", "sweep_names", "write_csv"]
