"""Q-CD: quantized coordinate descent to a certified nu-local solution (docs/theory.md, result C).

Input integer codes m^0 and nu >= 0.  A sweep visits the coordinates j = 1..p (cyclic order, or a fresh
seeded random permutation each sweep); at coordinate j it tries the neighbour one level up (s = +1), then one
level down (s = -1), where that level exists, and accepts the move when

    F(m + s e_j) < F(m) - nu,            F = L_n + P   (P = 0 when the problem has no penalty).

It stops after a sweep with no accepted move.  Claims of C: F drops by more than nu at every accepted move;
with nu > 0 at most (F(beta^0) - min F)/nu <= F(beta^0)/nu moves; with nu = 0 it stops because Q^p is finite
and no point repeats; the output is a nu-local solution with F(beta^) <= F(beta^0).

Candidates are scored by :class:`qtheory.incremental.IncrementalEvaluator` (only what a move touches is
recomputed).  A decision whose incremental decrease lies within a round-off margin of nu (or rests on a
zero-one margin within round-off of a tie) is taken on the reference evaluation ``Problem.objective``, so that
every accepted move decreases the reference F by more than nu.  The output is then checked by
:func:`qtheory.solve.certify.certify_local`; should that check find a violation, Q-CD continues from there, so
that the returned point is certified whenever no move cap was hit.

Warm starts: ``"zero"`` (all codes 0), ``"round"`` (the same net trained in float, each weight rounded to the
grid half-to-even), ``"ste"`` (straight-through-estimator training, rounded), ``"random"`` (uniform random
codes from ``seed``), or an explicit code vector.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from qtheory.problem import Problem
from qtheory.solve.certify import Certificate, certify_local, objective_F
from qtheory.validation import check_choice, check_positive_int, check_positive_real

if TYPE_CHECKING:
    from qtheory.solve.solution import Solution

STARTS = ("zero", "round", "ste", "random")
ORDERS = ("cyclic", "random")


@dataclass
class QCDResult:
    """The output of Q-CD.

    codes : the final integer codes (int64, length p).
    F : F(beta^) at the final codes (reference evaluation); F0 : F(beta^0) at the start.
    moves : number of accepted moves; trace : one dict per accepted move, in order, with keys ``move``
        (1-based count), ``j`` (coordinate), ``direction`` (+1: one level up, -1: one level down), ``F`` (F
        after the move).
    local : True when :func:`certify_local` certified the final codes nu-local.
    hit_cap : True when ``max_moves`` stopped the run: a further move would have been accepted.
    start_codes : beta^0's codes; start : the name of the start ("zero", "round", "ste", "random", "codes").
    sweeps : sweeps run; evaluations : candidate evaluations (incremental); reference_checks : decisions
        taken on the reference evaluation; seconds : wall time (starts excluded); certificate : the final
        :class:`Certificate`.
    """

    codes: np.ndarray
    F: float
    F0: float
    moves: int
    trace: list[dict[str, Any]]
    local: bool
    hit_cap: bool
    start_codes: np.ndarray
    nu: float
    start: str = "codes"
    order: str = "cyclic"
    seed: int | None = None
    sweeps: int = 0
    evaluations: int = 0
    reference_checks: int = 0
    seconds: float = 0.0
    certificate: Certificate | None = None
    info: dict[str, Any] = field(default_factory=dict)

    def to_solution(self, problem: Problem) -> "Solution":
        """The result as a :class:`~qtheory.solve.solution.Solution` of the penalized objective (F = L_n + P;
        L_n without a penalty).  ``certified`` is False: a nu-local solution is not proven globally optimal."""
        from qtheory.solve.solution import Solution

        return Solution(
            codes=self.codes.copy(),
            weights=problem.values(self.codes),
            objective=float(self.F),
            objective_name="penalized" if problem.penalty is not None else "empirical",
            method="qcd",
            certified=False,
            status="nu-local" if self.local else ("move cap" if self.hit_cap else "not local"),
            info={"nu": self.nu, "moves": self.moves, "F0": self.F0, "start": self.start, "order": self.order,
                  "seed": self.seed, "sweeps": self.sweeps},
        )

    def to_json(self, *, trace: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "codes": [int(c) for c in self.codes],
            "F": float(self.F),
            "F0": float(self.F0),
            "moves": int(self.moves),
            "local": bool(self.local),
            "hit_cap": bool(self.hit_cap),
            "nu": float(self.nu),
            "start": self.start,
            "start_codes": [int(c) for c in self.start_codes],
            "order": self.order,
            "seed": self.seed,
            "sweeps": int(self.sweeps),
            "evaluations": int(self.evaluations),
            "reference_checks": int(self.reference_checks),
            "seconds": float(self.seconds),
        }
        if trace:
            out["trace"] = [dict(t) for t in self.trace]
        if self.certificate is not None:
            out["violations"] = self.certificate.to_json()["violations"]
        return out


def start_codes(problem: Problem, start: str | np.ndarray | list, *, seed: int | None = None,
                progress: Callable[[int], None] | None = None) -> tuple[np.ndarray, str]:
    """beta^0's codes for a named start or an explicit code vector; returns (codes, start name).

    ``progress``: called with the epochs done after each training epoch of the "ste" and "round" starts."""
    if isinstance(start, str):
        check_choice(start, "start", STARTS)
        if start == "zero":
            if not all(g.has_zero for g in problem.param_grids):
                raise ValueError("start == 'zero' needs 0 on every parameter's grid")
            return np.zeros(problem.p, dtype=np.int64), start
        if start == "random":
            rng = np.random.default_rng(seed)
            idx = np.array([rng.integers(g.size) for g in problem.param_grids], dtype=np.int64)
            return problem.codes_from_indices(idx).astype(np.int64), start
        from qtheory.populations.sign_problem import is_sign_problem

        if is_sign_problem(problem):  # +-1 inputs at any p: warm starts without a dense float copy of X
            from qtheory.solve.sign_start import sign_warm_start

            codes = sign_warm_start(problem, start, seed=0 if seed is None else seed, progress=progress)
            return problem.check_codes(codes), start
        from qtheory.ste import train_float_rounded, train_ste

        train = train_ste if start == "ste" else train_float_rounded
        codes = train(problem, seed=0 if seed is None else seed, progress=progress)
        return problem.check_codes(codes, "start codes"), start
    return problem.check_codes(start, "start"), "codes"


def qcd(
    problem: Problem,
    nu: float,
    *,
    start: str | np.ndarray | list = "zero",
    order: str = "cyclic",
    seed: int | None = None,
    max_moves: int | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
    start_progress: Callable[[int], None] | None = None,
) -> QCDResult:
    """Run Q-CD from ``start`` with tolerance ``nu`` >= 0; return the certified result.

    ``order``: ``"cyclic"`` (j = 1..p every sweep) or ``"random"`` (a fresh permutation per sweep drawn from
    ``seed``; seed None means 0).  ``seed`` also seeds the ``"random"``, ``"round"`` and ``"ste"`` starts.
    ``max_moves``: optional cap on accepted moves (None: no cap; the theory bounds the moves); when a move
    beyond the cap would be accepted the run stops there with ``hit_cap`` True, and the result is certified
    (or not) as it stands.  ``progress``, if given, is
    called after every sweep with a dict (sweep, moves so far, F, and the sweep's cpu_seconds and
    wall_seconds).  ``start_progress``, if given, is called with the epochs done after every training epoch
    of the "ste" and "round" starts.
    """
    from qtheory.incremental import single_thread_blas

    nu = check_positive_real(nu, "nu", allow_zero=True)
    check_choice(order, "order", ORDERS)
    if max_moves is not None:
        max_moves = check_positive_int(max_moves, "max_moves", min_val=0)
    if seed is not None:
        seed = check_positive_int(seed, "seed", min_val=0)
    codes0, start_name = start_codes(problem, start, seed=seed, progress=start_progress)
    from qtheory.populations.sign_problem import is_sign_problem

    if is_sign_problem(problem):  # all moves scored from the residual: qtheory.solve.qcd_signs
        from qtheory.solve.qcd_signs import qcd_signs

        return QCDResult(**qcd_signs(problem, nu, codes0, start_name, order, seed, max_moves, progress))
    with single_thread_blas():
        return _qcd(problem, nu, codes0, start_name, order, seed, max_moves, progress)


def _qcd(problem, nu, codes0, start_name, order, seed, max_moves, progress) -> QCDResult:
    from qtheory.incremental import IncrementalEvaluator

    t0 = time.perf_counter()
    ev = IncrementalEvaluator(problem, codes0)
    F0 = float(objective_F(problem, codes0))
    rng = np.random.default_rng(0 if seed is None else seed)
    trace: list[dict[str, Any]] = []
    state = {"moves": 0, "sweeps": 0, "evaluations": 0, "reference": 0}

    def accept(j: int, direction: int, new_index: int) -> bool:
        """Apply a move unless the cap forbids it; returns False when the cap stops the run."""
        if max_moves is not None and state["moves"] >= max_moves:
            return False
        ev.apply(j, new_index)
        state["moves"] += 1
        trace.append({"move": state["moves"], "j": int(j), "direction": int(direction), "F": ev.current_F()})
        return True

    while True:
        # ---- sweeps until one accepts nothing (or the cap stops the run)
        while True:
            sweep_order = np.arange(problem.p) if order == "cyclic" else rng.permutation(problem.p)
            before = state["moves"]
            c0, w0 = time.process_time(), time.perf_counter()
            hit_cap = not _sweep(ev, sweep_order, nu, state, accept)
            state["sweeps"] += 1
            if progress is not None:
                progress({"sweep": state["sweeps"], "moves": state["moves"], "F": ev.F,
                          "cpu_seconds": time.process_time() - c0, "wall_seconds": time.perf_counter() - w0})
            if hit_cap or state["moves"] == before:
                break
        cert = certify_local(problem, ev.codes, nu)
        if cert.local or hit_cap:
            break
        # A violation the sweep missed (possible only through round-off): take the largest one, as found by
        # the reference evaluation, and sweep again.
        j, direction, _ = max(cert.violations, key=lambda v: v[2])
        state["reference"] += 1
        if not accept(j, direction, int(ev.index[j]) + direction):
            hit_cap = True
            break

    return QCDResult(
        codes=ev.codes.copy(),
        F=cert.F,
        F0=F0,
        moves=state["moves"],
        trace=trace,
        local=cert.local,
        hit_cap=hit_cap,
        start_codes=codes0,
        nu=nu,
        start=start_name,
        order=order,
        seed=seed,
        sweeps=state["sweeps"],
        evaluations=state["evaluations"],
        reference_checks=state["reference"] + ev.reference_checks,
        seconds=time.perf_counter() - t0,
        certificate=cert,
    )


def _sweep(ev, sweep_order: np.ndarray, nu: float, state: dict, accept) -> bool:
    """One sweep over ``sweep_order``; returns False when the move cap stopped it.

    Consecutive coordinates that share a rank-1 group (one hidden unit's incoming weights, one output
    unit's weights) are scored together from the current point; after an accepted move the rest of the block
    is scored again from the new point, so the result is exactly that of visiting coordinates one by one.
    The block size adapts: it doubles after a block without moves and halves after a move.
    """
    pos, p = 0, len(sweep_order)
    block = 8
    while pos < p:
        js = ev.block(sweep_order, pos, block)
        cands = ev.evaluate(js)
        state["evaluations"] += len(cands.j)
        # candidates come coordinate by coordinate, s = +1 before s = -1
        accepted = ev.first_accepted(cands, nu)
        if accepted is None:
            pos += len(js)
            block = min(2 * block, 256)
            continue
        j = int(cands.j[accepted])
        if not accept(j, int(cands.direction[accepted]), int(cands.new_index[accepted])):
            return False
        # coordinates of the block before j were rejected at the point the move started from; j itself is done
        pos += js.index(j) + 1
        block = max(1, block // 2)
    return True
