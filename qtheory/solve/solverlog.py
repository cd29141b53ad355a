"""Whether the exact solvers report their progress (incumbent, bound, gap) on standard error.

Off by default, so that library calls, sweeps and tests stay quiet; ``qtheory solve`` switches it on around a
branch-and-bound or MIP run (``with solver_log(): ...``).  The MIP solvers then print their own log (HiGHS,
SCIP: nodes, incumbent, best bound, gap, time), branch-and-bound a line every few seconds
(:class:`qtheory.progress.Progress`).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

_ENABLED: ContextVar[bool] = ContextVar("qtheory_solver_log", default=False)


def solver_log_enabled() -> bool:
    """True inside :func:`solver_log`."""
    return _ENABLED.get()


@contextmanager
def solver_log(enabled: bool = True) -> Iterator[None]:
    """Switch the solvers' progress reports on (or off) for the calls made inside the block."""
    token = _ENABLED.set(bool(enabled))
    try:
        yield
    finally:
        _ENABLED.reset(token)
