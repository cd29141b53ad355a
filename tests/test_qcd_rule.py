"""Q-CD follows docs/theory.md's sweep rule move for move: on small problems (non-integer objectives, exact ties of
the zero-one loss, penalties), from every start, the toolkit's Q-CD (cyclic order) makes the same accepted
moves in the same order, the same number of sweeps and the same output as the rule stated literally
(``proofs_check.c.sweep_rule``).  A departure (stopping after one sweep and relying on the final
certificate, accepting a decrease of exactly nu, another coordinate or sign order) changes the trace."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_local_support import make_problem

from proofs_check.c import sweep_rule
from qtheory.solve.certify import objective_F
from qtheory.solve.qcd import qcd

pytestmark = pytest.mark.claim

CASES = [
    # (seed, layers, kind, loss, n, K, step, penalty): n = 16 makes zero-one risks k/16 exact, so nu = 1/16
    # produces decreases of exactly nu (accepted by a non-strict rule only)
    (3, (2, 1), "linear", "zero_one", 16, 2, 0.5, None),
    (5, (2, 1), "linear", "zero_one", 16, 2, 0.5, (1.0, 0.25)),
    (1, (1, 2, 1), "mlp", "squared", 12, 1, 0.5, (2.0, 0.5)),
    (2, (3, 1), "linear", "hinge", 10, 1, 1.0, None),
]


def _nus(problem) -> list[float]:
    """0, 1/16, and half the median non-zero |F difference| between neighbours (so that nu decides moves)."""
    codes = np.array(list(itertools.product(*[g.codes for g in problem.param_grids])), dtype=np.int64)
    F = np.asarray(objective_F(problem, codes))
    table = F.reshape(tuple(problem.radices))
    diffs = np.concatenate([np.abs(np.diff(table, axis=j)).ravel() for j in range(problem.p)])
    diffs = diffs[diffs > 1e-12]
    return [0.0, 1 / 16, float(np.median(diffs)) / 2]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[3]}-{c[2]}-{'pen' if c[7] else 'nopen'}" for c in CASES])
def test_qcd_trace_is_the_sweep_rule(case):
    seed, layers, kind, loss, n, K, step, penalty = case
    pb = make_problem(seed, layers=layers, kind=kind, loss=loss, n=n, K=K, step=step, penalty=penalty, B=4.0)
    starts = list(itertools.product(*[g.codes for g in pb.param_grids]))
    rng = np.random.default_rng(seed)
    if len(starts) > 24:
        starts = [starts[i] for i in rng.choice(len(starts), 24, replace=False)]
    compared = moved = 0
    for nu in _nus(pb):
        for start in starts:
            start = np.array(start, dtype=np.int64)
            want_codes, want_moves, want_sweeps = sweep_rule(pb, nu, start)
            got = qcd(pb, nu, start=start, max_moves=len(want_moves) + pb.n_codes)
            where = f"nu = {nu}, start = {start.tolist()}"
            assert not got.hit_cap, f"Q-CD made more moves than the rule ({len(want_moves)}) at {where}"
            assert [(t["j"], t["direction"]) for t in got.trace] == want_moves, where
            assert got.sweeps == want_sweeps, f"{got.sweeps} sweeps, the rule takes {want_sweeps}, at {where}"
            assert got.codes.tolist() == want_codes.tolist(), where
            compared += 1
            moved += bool(want_moves)
    assert moved >= compared // 4  # the starts exercise the rule (many runs move at all)
