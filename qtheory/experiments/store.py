"""The result store of a sweep: one JSON file per finished cell, written atomically.

Layout under the output directory::

    <out>/<sweep name>/sweep.json          the sweep file as parsed (for reference)
    <out>/<sweep name>/cells/<id>.json     one record per finished cell
    <out>/<sweep name>/timings.jsonl       wall time of each task (kept apart: results hold no times)

A record is written to a temporary file in the same directory, flushed to disk and renamed over its final
name (``os.replace``, atomic on POSIX), so a cell file is either absent or complete: a sweep killed at any
moment leaves only finished cells (and perhaps a stray ``.tmp-*`` file, removed on the next run).
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

TMP_PREFIX = ".tmp-"


def dumps(record: dict[str, Any]) -> str:
    """Deterministic JSON text of a record (sorted keys, shortest float repr, newline at the end)."""
    return json.dumps(record, sort_keys=True, indent=1, allow_nan=False) + "\n"


@functools.lru_cache(maxsize=1)
def file_mode() -> int:
    """The mode of a newly created file under the process umask (0644 under the usual umask 022); the
    temporary files of :func:`write_atomic` would otherwise keep ``mkstemp``'s private 0600.  Read once per
    process (reading the umask means setting it for a moment)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file + fsync + os.replace), with :func:`file_mode`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TMP_PREFIX, suffix=".json")
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class Store:
    """The result directory of one sweep."""

    def __init__(self, out_dir: str | Path, sweep_name: str) -> None:
        self.root = Path(out_dir) / sweep_name
        self.cells_dir = self.root / "cells"

    def path(self, cell_id: str) -> Path:
        return self.cells_dir / f"{cell_id}.json"

    def prepare(self, sweep_raw: dict[str, Any]) -> None:
        """Create the directories, remove stray temporary files, record the sweep file."""
        self.cells_dir.mkdir(parents=True, exist_ok=True)
        for stray in self.cells_dir.glob(TMP_PREFIX + "*"):
            stray.unlink(missing_ok=True)
        write_atomic(self.root / "sweep.json", dumps(sweep_raw))

    def finished(self, cell_id: str, version: int | None = None) -> bool:
        """Whether the cell's record exists and is complete JSON for this cell (and, when ``version`` is given,
        was made by that version of the measurement code)."""
        path = self.path(cell_id)
        if not path.is_file():
            return False
        try:
            record = json.loads(path.read_text())
            return record.get("id") == cell_id and (version is None or record.get("version") == version)
        except (json.JSONDecodeError, OSError, AttributeError):
            return False

    def write(self, cell_id: str, record: dict[str, Any]) -> None:
        write_atomic(self.path(cell_id), dumps(record))

    def log_timing(self, entry: dict[str, Any]) -> None:
        with open(self.root / "timings.jsonl", "a") as fh:
            fh.write(json.dumps(entry, sort_keys=True) + "\n")

    def records(self, ids: list[str] | None = None) -> Iterator[dict[str, Any]]:
        """Records of the given cells (or of every cell file), in sorted id order."""
        paths = [self.path(i) for i in ids] if ids is not None else sorted(self.cells_dir.glob("*.json"))
        for path in sorted(paths):
            if path.is_file() and not path.name.startswith(TMP_PREFIX):
                yield json.loads(path.read_text())
