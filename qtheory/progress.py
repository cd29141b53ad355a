"""Progress of a long job on standard error, the same way for every command.

On a terminal: a tqdm bar.  Otherwise (a log file, a pipe, CI): plain lines, so that a log shows life without
carriage returns -- a start line, at most one line every ``interval`` seconds while the job advances, and an
end line with the elapsed time.  Nothing is shown for a job that ends within ``delay`` seconds (default 1 s):
a quick run, or bad input rejected at once, keeps stderr to its result or its one error line.  Standard output
is never touched (it may carry ``--json``).
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO

DEFAULT_INTERVAL = 5.0
DEFAULT_DELAY = 1.0


class Progress:
    """Progress of ``desc`` over ``total`` units (None: unknown total).

    ``enabled``: False shows nothing; True or None shows progress (a bar when ``stream`` is a terminal,
    throttled lines otherwise).  ``interval``: the least number of seconds between two plain lines (default
    ``DEFAULT_INTERVAL``); ``delay``: nothing appears before the job has run this long (default
    ``DEFAULT_DELAY``; the start line is written by a timer then).  Use as a context manager or call
    :meth:`close`.
    """

    def __init__(self, desc: str, total: int | None = None, *, unit: str = "it", enabled: bool | None = None,
                 interval: float | None = None, delay: float | None = None, stream: TextIO | None = None) -> None:
        self.desc, self.total, self.unit = desc, total, unit
        self.interval = float(DEFAULT_INTERVAL if interval is None else interval)
        delay = float(DEFAULT_DELAY if delay is None else delay)
        self.stream = sys.stderr if stream is None else stream
        self.done = 0
        self.enabled = enabled is not False
        self.closed = not self.enabled
        self.start = self.last = time.monotonic()
        self._bar: Any = None
        self._shown = False  # the start line is out
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        if not self.enabled:
            return
        if _is_terminal(self.stream):
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=desc, unit=unit, file=self.stream, dynamic_ncols=True, delay=delay)
        elif delay <= 0:
            self._announce()
        else:
            self._timer = threading.Timer(delay, self._announce)
            self._timer.daemon = True
            self._timer.start()

    def update(self, n: int = 1, note: str | None = None) -> None:
        """Advance by ``n`` units; ``note`` is a short status shown with the count."""
        self.advance_to(self.done + n, note)

    def advance_to(self, done: int, note: str | None = None) -> None:
        """Set the number of finished units to ``done`` (for callers that report a running count)."""
        if self.closed:
            return
        step, self.done = done - self.done, done
        if self._bar is not None:
            if note is not None:
                self._bar.set_postfix_str(note, refresh=False)
            self._bar.update(step)
            return
        now = time.monotonic()
        with self._lock:  # after the start line, never beside it
            finished = self.total is not None and done >= self.total  # the end line follows
            if self._shown and not self.closed and not finished and now - self.last >= self.interval:
                self.last = now
                self._line(self._count(now) + (f"; {note}" if note else ""))

    def close(self, note: str | None = None, *, failed: bool = False) -> None:
        """The end line (or the bar's last state), "stopped" instead of "done" when ``failed``; nothing when
        nothing was shown yet.  Further updates are ignored."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            shown = self._shown
        if self._timer is not None:
            self._timer.cancel()
        if self._bar is not None:
            if note is not None:
                self._bar.set_postfix_str(note, refresh=False)
            self._bar.close()
            return
        if shown:
            word = "stopped" if failed else "done"
            self._line(f"{word}, {self._count(time.monotonic())}" + (f"; {note}" if note else ""))

    def _announce(self) -> None:
        with self._lock:
            if self.closed or self._shown:
                return
            self._shown = True
            self.last = time.monotonic()
            self._line("started" + (f" ({self.total} {self.unit})" if self.total is not None else ""))

    def _count(self, now: float) -> str:
        of = f"/{self.total}" if self.total is not None else ""
        return f"{self.done}{of} {self.unit} in {now - self.start:.1f} s"

    def _line(self, text: str) -> None:
        print(f"{self.desc}: {text}", file=self.stream, flush=True)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        self.close(failed=exc_type is not None)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or file-like stream without isatty
        return False
