"""The result store of a sweep: one JSON file per finished cell, written atomically.

Layout under the output directory::

    <out>/<sweep name>/sweep.json          the sweep file as parsed (for reference)
    <out>/<sweep name>/cells/<id>.json     one record per finished cell
    <out>/<sweep name>/timings.jsonl       wall time of each task (kept apart: results hold no times)

    <out>/<sweep name>/claims/<id>.pid     the process computing a cell (removed once its record is written)

A record is written to a temporary file in the same directory, flushed to disk and renamed over its final
name (``os.replace``, atomic on POSIX), so a cell file is either absent or complete: a sweep killed at any
moment leaves only finished cells (and perhaps a stray ``.tmp-<pid>-*`` file, removed on the next run).
Temporary names carry the writer's process id, and only the files of processes that are no longer alive are
removed, so two sweeps on one directory never remove each other's files.  A cell file that is not complete
JSON for its cell (truncated, corrupt, another cell's) counts as unfinished and is recomputed.

Several processes on one directory (on one machine) share the work through claims: a process computes a cell
only after creating its claim file (``O_CREAT | O_EXCL``, atomic), and a claim whose process has died is
stale and may be taken over; so a sweep killed by SIGKILL loses only the cells in flight.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

TMP_PREFIX = ".tmp-"
#: a claim file younger than this with no process id in it yet is being written, not stale
CLAIM_WRITE_SECONDS = 5.0


def _writer_pid(name: str) -> int:
    """The process id in a temporary file's name ``.tmp-<pid>-XXXX.json`` (0 for an older unnamed one)."""
    head = name[len(TMP_PREFIX):].split("-", 1)[0]
    return int(head) if head.isdigit() else 0


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:  # gone: nothing to wait for
        return float("inf")


def dumps(record: dict[str, Any]) -> str:
    """Deterministic JSON text of a record (sorted keys, shortest float repr, newline at the end)."""
    return json.dumps(record, sort_keys=True, indent=1, allow_nan=False) + "\n"


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (on this machine)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True


@functools.lru_cache(maxsize=1)
def file_mode() -> int:
    """The mode of a newly created file under the process umask (0644 under the usual umask 022); the
    temporary files of :func:`write_atomic` would otherwise keep ``mkstemp``'s private 0600.  Read once per
    process (reading the umask means setting it for a moment)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file named after this process + fsync + os.replace),
    with :func:`file_mode`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{TMP_PREFIX}{os.getpid()}-", suffix=".json")
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
        self.claims_dir = self.root / "claims"

    def path(self, cell_id: str) -> Path:
        return self.cells_dir / f"{cell_id}.json"

    def prepare(self, sweep_raw: dict[str, Any]) -> None:
        """Create the directories, remove stray temporary files, record the sweep file."""
        self.cells_dir.mkdir(parents=True, exist_ok=True)
        self.claims_dir.mkdir(parents=True, exist_ok=True)
        for folder in (self.root, self.cells_dir):
            for stray in folder.glob(TMP_PREFIX + "*"):
                if not pid_alive(_writer_pid(stray.name)):
                    stray.unlink(missing_ok=True)
        write_atomic(self.root / "sweep.json", dumps(sweep_raw))

    # ---------------------------------------------------------------- claims
    def claim(self, cell_id: str) -> bool:
        """Claim a cell for this process: True when this process may compute it (the claim is new, or was
        left by a process that no longer exists), False while another live process holds it."""
        path = self.claims_dir / f"{cell_id}.pid"
        for _ in range(3):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = _read_pid(path)
                if holder == os.getpid():
                    return True
                if holder is not None and pid_alive(holder):
                    return False
                if holder is None and _age(path) < CLAIM_WRITE_SECONDS:  # being written right now
                    return False
                path.unlink(missing_ok=True)  # stale: its process died; retry the atomic create
                continue
            with os.fdopen(fd, "w") as fh:
                fh.write(str(os.getpid()))
            return True
        return False

    def claimed_by_other(self, cell_id: str) -> bool:
        """Whether another live process holds the cell's claim."""
        holder = _read_pid(self.claims_dir / f"{cell_id}.pid")
        return holder is not None and holder != os.getpid() and pid_alive(holder)

    def release(self, cell_id: str) -> None:
        """Drop this process's claim of a cell (after its record is written, or when giving up)."""
        path = self.claims_dir / f"{cell_id}.pid"
        if _read_pid(path) == os.getpid():
            path.unlink(missing_ok=True)

    def finished(self, cell_id: str, version: int | None = None) -> bool:
        """Whether the cell's record exists and is complete JSON for this cell (and, when ``version`` is given,
        was made by that version of the measurement code)."""
        path = self.path(cell_id)
        if not path.is_file():
            return False
        try:
            record = json.loads(path.read_text())
        except (ValueError, OSError):  # truncated, corrupt or unreadable: recompute
            return False
        return isinstance(record, dict) and record.get("id") == cell_id and (
            version is None or record.get("version") == version
        )

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
                try:
                    record = json.loads(path.read_text())
                except ValueError as exc:
                    raise ValueError(f"{path}: corrupt cell record ({exc}); run the sweep again to recompute it") from None
                yield record
