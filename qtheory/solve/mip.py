"""Exact quantized training as a mixed-integer program through cvxpy (open solvers: SCIP, HiGHS).

Variables.  Parameter j with grid Q_j is encoded either as
* ``integer``: an integer variable m_j in [-K_j, K_j] with beta_j = d_j m_j (uniform grids only: Q_j = d_j {-K..K});
* ``onehot``: binaries z_jk, one per level l_jk, with sum_k z_jk = 1 and beta_j = sum_k l_jk z_jk (any levels).
``encoding="auto"`` takes ``integer`` for uniform grids and ``onehot`` otherwise; the formulations that multiply a
parameter by another quantity (the output weights of the ReLU network, the MILP linearization) use one-hot.

Model outputs f_i are affine in the variables; B_i^- <= f_i <= B_i^+ are exact interval bounds over the grid box
(:func:`qtheory.solve.linear_exact.affine_bounds`).  Losses (objective sum_i w_i l_i):

* squared, no clip: sum_i w_i (y_i - f_i)^2, a convex quadratic: MIQP (SCIP).
* squared, clipped min(r_i^2, B) with r_i = y_i - f_i: for a sample with max_box r_i^2 <= B (from the bounds
  on f_i) the clip is never active and the term is r_i^2.  Otherwise, with o_i binary and
  M_i = max_box r_i^2 - B > 0:  l_i >= r_i^2 - M_i o_i,  l_i >= B o_i,  l_i >= 0.  For o_i = 0 this is
  l_i >= r_i^2; for o_i = 1 it is l_i >= max(B, r_i^2 - M_i) = B (as r_i^2 - M_i <= B); minimizing over o_i
  gives exactly min(r_i^2, B).
* hinge, max(0, 1 - y_i f_i) (clipped at B when given): l_i >= 0, l_i >= 1 - y_i f_i (- M_i o_i), and with a
  clip that can be active (max_box(1 - y_i f_i) > B), o_i binary, M_i = max_box(1 - y_i f_i) - B and
  l_i >= B o_i: by the same argument, exactly min(max(0, 1 - y_i f_i), B).  MILP (HiGHS).
* zero_one, 1[y_i f_i <= 0]: e_i binary, y_i f_i >= tau - M_i e_i with M_i = tau - min_box(y_i f_i) (e_i fixed
  to 0 when min_box(y_i f_i) >= tau, to 1 when max_box(y_i f_i) < tau).  A MILP cannot state the strict
  y f > 0, so a sample counts as correct when y_i f_i >= tau (``margin``; default 1e-6 (1 + max_i |B_i|), far
  above the solver's feasibility tolerances, set to 1e-9 for this loss).  The MILP optimum is the 0-1
  optimum unless some grid point has a margin y_i f_i strictly between 0 and tau on some sample: tau is the
  numerical resolution of the formulation, and ``certified`` for this loss means "optimal at resolution
  tau" (``info["margin"]``).  If the returned point itself has such a margin, the result is not certified
  (status "margin_gap").
* MILP linearization of the squared loss (``formulation="milp"``, linear model; exact for any levels, meant for
  ternary/binary codes): with one-hot z, the products beta_j beta_k = sum_{a,b} l_ja l_kb Pi^{jk}_{ab} with
  Pi^{jk} >= 0, sum_b Pi^{jk}_{ab} = z_ja, sum_a Pi^{jk}_{ab} = z_kb, and beta_j^2 = sum_a l_ja^2 z_ja.
  At binary z with one 1 per coordinate (at a*, b*), the row sums vanish except row a*, the column sums
  except column b*, so Pi^{jk} is exactly the indicator of (a*, b*) and Pi^{jk}_{ab} = z_ja z_kb.  Every
  f_i^2 and sum_i w_i f_i^2 is then linear.  MILP (HiGHS).

One-hidden-layer ReLU network f(x) = sum_h v_h relu(a_h(x)) + c_0, a_h(x) = w_h . x + c_h (big-M, exact):
* bounds: L_ih <= a_h(x_i) <= U_ih from the grid box (exact, ``affine_bounds``);
* s_ih = relu(a_ih): s = 0 if U_ih <= 0; s = a if L_ih >= 0; otherwise delta_ih binary with
  s >= a, s >= 0, s <= a - L_ih (1 - delta_ih), s <= U_ih delta_ih.  delta = 1 forces s = a >= 0,
  delta = 0 forces s = 0 >= a, so s = relu(a) exactly, and 0 <= s <= S_ih := max(U_ih, 0);
* v_h one-hot over its levels (u_hk), products t_ihk = u_hk s_ih by 0 <= t <= S_ih u_hk, t <= s_ih,
  t >= s_ih - S_ih (1 - u_hk) (exact for binary u_hk and 0 <= s_ih <= S_ih), plus the valid sum_k t_ihk = s_ih;
* f_i = sum_h sum_k l_hk t_ihk + c_0, with bounds sum_h S_ih min(0, min V_h) + min Q_c0 <= f_i <=
  sum_h S_ih max(0, max V_h) + max Q_c0 feeding the loss formulations above.

Solving.  The solver status is checked every time: ``certified=True`` only on the status "optimal" (SCIP
"optimal"; HiGHS kOptimal, with mip_rel_gap 1e-9 and mip_abs_gap 1e-12 instead of the defaults 1e-4 / 1e-6).
With ``time_limit`` a time-out returns the incumbent with ``certified=False`` and status "time_limit".  The
codes are read from the solution (integrality checked) and re-scored in float64 by
:func:`qtheory.solve.linear_exact.objective`; a mismatch with the solver objective beyond 1e-6 (relative to
the scale of the loss terms) raises ``RuntimeError``.  A time-out incumbent is not optimal, so its epigraph
variables (l_i, h_i, q_i, e_i) need not be tight: its solver objective is only an upper bound on the loss of its
codes, and only a solver objective *below* the float64 value is a mismatch there.  Inside
:func:`qtheory.solve.solverlog.solver_log` the solver's own log (incumbent, best bound, gap) goes to stderr.
"""

from __future__ import annotations

import numbers
import os
import sys
import time
import warnings
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from qtheory.grid import Grid
from qtheory.solve.linear_exact import (
    affine_bounds,
    as_grids,
    check_data,
    check_loss,
    check_objective_name,
    check_time_limit,
    index_values,
    finish_solution,
    linear_outputs,
    objective,
    relu_layout,
    relu_n_params,
    max_squared_residual,
    relu_outputs,
    squared_clip_inactive,
)
from qtheory.solve.solution import Solution
from qtheory.solve.solverlog import solver_log_enabled
from qtheory.validation import check_choice, check_positive_int, check_scalar

ENCODINGS = ("auto", "integer", "onehot")
FORMULATIONS = ("auto", "miqp", "milp")
SOLVERS = ("auto", "SCIP", "HIGHS")
MIP_RTOL = 1e-6
INTEGRALITY_TOL = 1e-4


# ===================================================================================== variables
class CodeVariables:
    """MIP variables for p quantized parameters; ``beta`` is the (p,) affine expression of their values.

    ``onehot`` lists the coordinates forced to the one-hot encoding (whatever ``encoding`` says).
    """

    def __init__(self, grids: Sequence[Grid], encoding: str = "auto", onehot: Sequence[int] = ()) -> None:
        import cvxpy as cp

        check_choice(encoding, "encoding", ENCODINGS)
        self.grids = tuple(grids)
        p = len(self.grids)
        forced = set(int(j) for j in onehot)
        self.kind = []
        for j, g in enumerate(self.grids):
            if j in forced or encoding == "onehot" or (encoding == "auto" and not g.is_uniform):
                self.kind.append("onehot")
            elif not g.is_uniform:
                raise ValueError(
                    f"encoding == 'integer' needs uniform grids, but grid {j} is {g.describe()}; "
                    "use encoding 'onehot' or 'auto'"
                )
            else:
                self.kind.append("integer")
        self.int_cols = [j for j in range(p) if self.kind[j] == "integer"]
        self.oh_cols = [j for j in range(p) if self.kind[j] == "onehot"]
        # one-hot layout: coordinate j owns entries oh_start[j] .. oh_start[j] + |Q_j| - 1 of z
        self.oh_start: dict[int, int] = {}
        total = 0
        for j in self.oh_cols:
            self.oh_start[j] = total
            total += self.grids[j].size
        self.constraints: list[Any] = []
        parts = []
        self.m = self.z = None
        if self.int_cols:
            K = np.array([self.grids[j].K for j in self.int_cols], dtype=np.float64)
            self.m = cp.Variable(len(self.int_cols), integer=True, name="m")
            self.constraints += [self.m >= -K, self.m <= K]
            steps = np.array([self.grids[j].step for j in self.int_cols])
            S = sp.csr_matrix((steps, (self.int_cols, np.arange(len(self.int_cols)))), shape=(p, len(self.int_cols)))
            parts.append(S @ self.m)
        if self.oh_cols:
            self.z = cp.Variable(total, boolean=True, name="z")
            rows, cols, vals = [], [], []
            for j in self.oh_cols:
                q = self.grids[j].size
                rows += [j] * q
                cols += list(range(self.oh_start[j], self.oh_start[j] + q))
                vals += list(self.grids[j].levels)
            Lmat = sp.csr_matrix((vals, (rows, cols)), shape=(p, total))
            owner = [i for i, j in enumerate(self.oh_cols) for _ in range(self.grids[j].size)]
            ones = sp.csr_matrix((np.ones(total), (owner, np.arange(total))), shape=(len(self.oh_cols), total))
            self.constraints.append(ones @ self.z == 1)
            parts.append(Lmat @ self.z)
        self.beta = parts[0] if len(parts) == 1 else parts[0] + parts[1]
        self.lo = np.array([g.levels[0] for g in self.grids])
        self.hi = np.array([g.levels[-1] for g in self.grids])

    @property
    def n_onehot(self) -> int:
        return 0 if self.z is None else int(self.z.shape[0])

    def onehot(self, j: int):
        """The binaries z_j (|Q_j|,) of a one-hot coordinate."""
        s = self.oh_start[j]
        return self.z[s : s + self.grids[j].size]

    def level_indices(self) -> np.ndarray:
        """Level index of every parameter from the solver's values (integrality checked within 1e-4)."""
        idx = np.zeros(len(self.grids), dtype=np.int64)
        if self.m is not None:
            mv = np.asarray(self.m.value, dtype=np.float64).reshape(-1)
            r = np.round(mv)
            if np.any(np.abs(mv - r) > INTEGRALITY_TOL):
                raise RuntimeError(f"solver returned non-integral codes {mv.tolist()}")
            K = np.array([self.grids[j].K for j in self.int_cols])
            idx[self.int_cols] = np.clip(r.astype(np.int64), -K, K) + K  # uniform grid: code m is level m + K
        if self.z is not None:
            zv = np.asarray(self.z.value, dtype=np.float64).reshape(-1)
            for j in self.oh_cols:
                s = self.oh_start[j]
                zj = zv[s : s + self.grids[j].size]
                k = int(np.argmax(zj))
                if abs(zj[k] - 1.0) > INTEGRALITY_TOL or np.any(np.abs(np.delete(zj, k)) > INTEGRALITY_TOL):
                    raise RuntimeError(f"solver returned a non-binary one-hot vector {zj.tolist()} for parameter {j}")
                idx[j] = k
        return idx


class PairProducts:
    """The exact MILP linearization of beta_j beta_k over one-hot coordinates (module docstring).

    ``quad(C)`` turns the quadratic forms beta^T C_r beta (one symmetric C_r per row r of a stack
    C of shape (R, p, p)) into the linear expression (R,) in the product and one-hot variables.
    """

    def __init__(self, cv: CodeVariables) -> None:
        import cvxpy as cp

        if len(cv.oh_cols) != len(cv.grids):
            raise ValueError("the MILP linearization needs every parameter one-hot encoded")
        self.cv = cv
        p = len(cv.grids)
        self.pairs = [(j, k) for j in range(p) for k in range(j + 1, p)]
        self.start: dict[tuple[int, int], int] = {}
        total = 0
        for j, k in self.pairs:
            self.start[(j, k)] = total
            total += cv.grids[j].size * cv.grids[k].size
        self.n_vars = total
        self.constraints: list[Any] = []
        self.pi = None
        if total:
            self.pi = cp.Variable(total, nonneg=True, name="pi")
            rows_pi, cols_pi, rows_z, cols_z = [], [], [], []
            r = 0
            for j, k in self.pairs:
                qj, qk, s = cv.grids[j].size, cv.grids[k].size, self.start[(j, k)]
                for a in range(qj):  # sum_b Pi_ab = z_ja
                    rows_pi += [r] * qk
                    cols_pi += [s + a * qk + b for b in range(qk)]
                    rows_z.append(r)
                    cols_z.append(cv.oh_start[j] + a)
                    r += 1
                for b in range(qk):  # sum_a Pi_ab = z_kb
                    rows_pi += [r] * qj
                    cols_pi += [s + a * qk + b for a in range(qj)]
                    rows_z.append(r)
                    cols_z.append(cv.oh_start[k] + b)
                    r += 1
            E = sp.csr_matrix((np.ones(len(rows_pi)), (rows_pi, cols_pi)), shape=(r, total))
            F = sp.csr_matrix((np.ones(len(rows_z)), (rows_z, cols_z)), shape=(r, cv.n_onehot))
            self.constraints.append(E @ self.pi == F @ cv.z)

    def quad(self, C: np.ndarray):
        """Linear expressions equal to beta^T C_r beta at every feasible binary point, for C of shape (R, p, p)."""
        cv = self.cv
        C = np.asarray(C, dtype=np.float64)
        R = C.shape[0]
        Cz = np.zeros((R, cv.n_onehot))
        for j in range(len(cv.grids)):
            s, lv = cv.oh_start[j], cv.grids[j].levels
            Cz[:, s : s + lv.size] = C[:, j, j][:, None] * (lv * lv)[None, :]
        expr = sp.csr_matrix(Cz) @ cv.z
        if self.pi is not None:
            Cp = np.zeros((R, self.n_vars))
            for j, k in self.pairs:
                s = self.start[(j, k)]
                lj, lk = cv.grids[j].levels, cv.grids[k].levels
                outer = np.outer(lj, lk).reshape(-1)
                Cp[:, s : s + outer.size] = (C[:, j, k] + C[:, k, j])[:, None] * outer[None, :]
            expr = expr + sp.csr_matrix(Cp) @ self.pi
        return expr


# ===================================================================================== losses
@dataclass
class LossModel:
    """Objective and constraints of the loss layer, with what is needed to interpret the solution."""

    objective: Any
    constraints: list[Any]
    kind: str  # "quadratic" or "linear"
    info: dict[str, Any] = field(default_factory=dict)


def loss_model(
    loss: str,
    B: float | None,
    f: Any,
    fmin: np.ndarray,
    fmax: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    *,
    squares: Any = None,
    margin: float | None = None,
    design: tuple[np.ndarray, Any] | None = None,
) -> LossModel:
    """The loss formulations of the module docstring for outputs ``f`` (affine cvxpy expression (n,)).

    ``squares``: when given, a linear expression (n,) equal to f_i^2 at every feasible point (the MILP
    linearization); the squared loss is then linear, otherwise quadratic.  ``design``: (D, x) with f = D x for
    an affine expression x of fewer entries than samples, enabling the compact form of the unclipped terms.
    """
    import cvxpy as cp

    n = y.size
    cons: list[Any] = []
    info: dict[str, Any] = {}
    if loss == "squared":
        rmax2 = max_squared_residual(fmin, fmax, y)
        active = ~squared_clip_inactive(fmin, fmax, y, B)
        info["clip_active_samples"] = int(active.sum())
        inact = np.flatnonzero(~active)
        act = np.flatnonzero(active)
        if squares is None:
            obj = _compact_squares(design, f, y, w, inact) if inact.size else 0.0
            kind = "quadratic"  # a quadratic objective or quadratic (second-order cone) constraints
        else:
            r2 = y * y - 2.0 * cp.multiply(y, f) + squares
            obj = w[inact] @ r2[inact] if inact.size else 0.0
            kind = "linear"
        if act.size:
            q = cp.Variable(act.size, nonneg=True, name="q")
            o = cp.Variable(act.size, boolean=True, name="o")
            M = rmax2[act] - B
            if squares is None:
                cons.append(cp.square(y[act] - f[act]) <= q + cp.multiply(M, o))
            else:
                cons.append(r2[act] <= q + cp.multiply(M, o))
            cons.append(q >= B * o)
            obj = obj + w[act] @ q
        return LossModel(obj, cons, kind, info)
    if loss == "hinge":
        # y f ranges over [min(y fmin, y fmax), max(...)]
        yf_min = np.minimum(y * fmin, y * fmax)
        hmax = 1.0 - yf_min
        active = np.zeros(n, dtype=bool) if B is None else hmax > B
        info["clip_active_samples"] = int(active.sum())
        h = cp.Variable(n, nonneg=True, name="h")
        slack = 1.0 - cp.multiply(y, f)
        act = np.flatnonzero(active)
        inact = np.flatnonzero(~active)
        if inact.size:
            cons.append(h[inact] >= slack[inact])
        if act.size:
            o = cp.Variable(act.size, boolean=True, name="o")
            cons.append(h[act] >= slack[act] - cp.multiply(hmax[act] - B, o))
            cons.append(h[act] >= B * o)
        return LossModel(w @ h, cons, "linear", info)
    # zero_one
    yf_min = np.minimum(y * fmin, y * fmax)
    yf_max = np.maximum(y * fmin, y * fmax)
    tau = margin if margin is not None else 1e-6 * (1.0 + float(np.max(np.maximum(np.abs(fmin), np.abs(fmax)))))
    info["margin"] = tau
    always_right = yf_min >= tau
    always_wrong = yf_max < tau
    free = np.flatnonzero(~always_right & ~always_wrong)
    obj = float(w[always_wrong].sum())
    if free.size:
        e = cp.Variable(free.size, boolean=True, name="e")
        M = tau - yf_min[free]
        cons.append(cp.multiply(y[free], f[free]) >= tau - cp.multiply(M, e))
        obj = obj + w[free] @ e
    return LossModel(obj, cons, "linear", info)


def _compact_squares(design: tuple[np.ndarray, Any] | None, f: Any, y: np.ndarray, w: np.ndarray, rows: np.ndarray):
    """sum_{i in rows} w_i (y_i - f_i)^2 as a cvxpy expression.

    With f = D x (``design``) and more rows than columns of D, a thin QR sqrt(W) D = Q R with z = Q^T sqrt(W) y
    gives sum_i w_i (y_i - f_i)^2 = ||z - R x||^2 + ||sqrt(W) y - Q z||^2 exactly: a cone of dimension dim(x)
    instead of the number of samples, which the MIQP solver handles much faster.
    """
    import cvxpy as cp

    sw = np.sqrt(w[rows])
    if design is not None and rows.size > design[0].shape[1]:
        D, x = design
        Q, R = np.linalg.qr(D[rows] * sw[:, None], mode="reduced")
        b = y[rows] * sw
        z = Q.T @ b
        resid = b - Q @ z
        return cp.sum_squares(z - R @ x) + float(resid @ resid)
    return cp.sum_squares(cp.multiply(sw, y[rows] - f[rows]))


# ===================================================================================== solving
@dataclass
class MipOutcome:
    status: str  # "optimal", "time_limit", "time_limit_no_incumbent"
    certified: bool
    objective: float
    info: dict[str, Any]


def _pick_solver(solver: str, kind: str) -> str:
    check_choice(solver, "solver", SOLVERS)
    if solver == "auto":
        return "SCIP" if kind == "quadratic" else "HIGHS"
    if solver == "HIGHS" and kind == "quadratic":
        raise ValueError("solver == 'HIGHS' cannot solve this quadratic formulation; use 'SCIP' or formulation 'milp'")
    return solver


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence what the status check below handles anyway: cvxpy's "Solution may be inaccurate" warning on a
    time-out, and numpy's 0 * inf warning from cvxpy's bound propagation on unbounded slack variables.

    Solver libraries print banners and logs on file descriptor 1 (HiGHS) or through Python's ``sys.stdout``
    (SCIP under cvxpy); both are pointed at standard error meanwhile, so that standard output stays
    machine-readable (``qtheory solve --json``)."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with warnings.catch_warnings(), np.errstate(invalid="ignore"), redirect_stdout(sys.stderr):
            warnings.filterwarnings("ignore", message="Solution may be inaccurate", category=UserWarning)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def run_mip(problem: Any, solver: str, time_limit: float | None, *, tight: bool = False) -> MipOutcome:
    """Solve and check the status; never claims optimality unless the solver's own status is optimal.

    ``tight``: feasibility tolerances 1e-9 (needed by the 0-1 margin, far above them).  Inside
    :func:`qtheory.solve.solverlog.solver_log` the solver prints its log on standard error (nodes, incumbent,
    best bound, gap, time); cvxpy's compilation statistics (its logger) are left out.
    """
    log = solver_log_enabled()
    import cvxpy as cp
    from cvxpy import settings as cps

    t0 = time.perf_counter()
    info: dict[str, Any] = {"solver": solver}
    if solver == "SCIP":
        params: dict[str, Any] = {"numerics/feastol": 1e-9} if tight else {}
        if time_limit is not None:
            params["limits/time"] = float(time_limit)
        try:
            with _quiet(), _cvxpy_report_off():
                problem.solve(solver=cp.SCIP, scip_params=params, verbose=log)
        except cp.SolverError as exc:
            # cvxpy turns SCIP's "timelimit" without any solution into a solver error
            elapsed = time.perf_counter() - t0
            if time_limit is not None and elapsed >= time_limit:
                info.update(raw_status="timelimit (no solution)", seconds=elapsed)
                return MipOutcome("time_limit_no_incumbent", False, float("nan"), info)
            raise RuntimeError(f"SCIP failed: {exc}") from exc
        extra = problem.solver_stats.extra_stats
        raw = extra["scip_status"]
        model = extra["model"]
        info.update(raw_status=raw, gap=float(model.getGap()), nodes=int(model.getNNodes()))
        has_solution = max(model.getNSols(), model.getNCountedSols()) > 0 and problem.status in cps.SOLUTION_PRESENT
        timed_out = raw == "timelimit"
        optimal = raw == "optimal"
    else:
        opts: dict[str, Any] = {
            "mip_rel_gap": 1e-9,
            "mip_abs_gap": 1e-12,
            "mip_feasibility_tolerance": 1e-9,
            "primal_feasibility_tolerance": 1e-9,
            "output_flag": log,
            "log_to_console": log,
        }
        if time_limit is not None:
            opts["time_limit"] = float(time_limit)
        try:
            with _quiet():
                problem.solve(solver=cp.HIGHS, **opts)
        except cp.SolverError as exc:
            raise RuntimeError(f"HiGHS failed: {exc}") from exc
        extra = problem.solver_stats.extra_stats
        info.update(
            raw_status=problem.status,
            gap=float(getattr(extra, "mip_gap", float("nan"))),
            nodes=int(getattr(extra, "mip_node_count", -1)),
        )
        has_solution = problem.status in cps.SOLUTION_PRESENT and int(getattr(extra, "primal_solution_status", 2)) == 2
        optimal = problem.status == cp.OPTIMAL
        timed_out = problem.status == cp.USER_LIMIT
    info["seconds"] = time.perf_counter() - t0
    if optimal:
        return MipOutcome("optimal", True, float(problem.objective.value), info)
    if timed_out and time_limit is not None:
        if has_solution:
            return MipOutcome("time_limit", False, float(problem.objective.value), info)
        return MipOutcome("time_limit_no_incumbent", False, float("nan"), info)
    raise RuntimeError(
        f"{solver} ended with status {info['raw_status']!r} (cvxpy status {problem.status!r}); no certified solution"
    )


@contextmanager
def _cvxpy_report_off() -> Iterator[None]:
    """cvxpy's ``verbose`` (needed to make SCIP talk) also switches on its compilation statistics, written
    through its logger; they are left out (its section headings, plain prints, remain)."""
    from cvxpy import settings as cps

    disabled = cps.LOGGER.disabled
    cps.LOGGER.disabled = True
    try:
        yield
    finally:
        cps.LOGGER.disabled = disabled


def _nearest_zero(grids: Sequence[Grid]) -> np.ndarray:
    """Level indices of the levels nearest to 0 (a fallback point when a time-out leaves no incumbent)."""
    return np.array([int(np.argmin(np.abs(g.levels))) for g in grids], dtype=np.int64)


def _finish(
    cv: CodeVariables,
    out: MipOutcome,
    lm: LossModel,
    grids: Sequence[Grid],
    forward,
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    loss: str,
    B: float | None,
    *,
    name: str,
    scale: float,
    info: dict[str, Any],
) -> Solution:
    info = {**info, **lm.info, **out.info}
    evaluate = lambda beta: float(objective(loss, B, forward(X, beta), y, w))  # noqa: E731
    method = f"mip:{out.info['solver']}"
    if out.status == "time_limit_no_incumbent":
        idx = _nearest_zero(grids)
        value = evaluate(index_values(idx, grids))
        return finish_solution(idx, grids, evaluate, value, method=method, certified=False, status=out.status,
                               objective_name=name, rtol=MIP_RTOL, scale=scale, info=info)
    idx = cv.level_indices()
    certified, status, solver_obj = out.certified, out.status, out.objective
    if loss == "zero_one":
        # the MILP counts a sample as an error when y f < tau; with a margin in (0, tau) it is a true success
        f = forward(X, index_values(idx, grids))
        tau = lm.info["margin"]
        in_gap = (y * f > 0) & (y * f < tau)
        info["samples_in_margin_gap"] = int(in_gap.sum())
        if np.any(in_gap):
            info["milp_objective"] = solver_obj
            solver_obj = solver_obj - float(w[in_gap].sum())
            certified, status = False, "margin_gap"
    if status == "time_limit":
        # an incumbent that is not optimal need not have tight epigraph variables (h_i >= max(0, 1 - y_i f_i),
        # e_i = 1 with y_i f_i >= tau, ...): its solver objective only bounds the loss of its codes from above.
        # Below the float64 value it would still be a mismatch (finish_solution raises).
        value = evaluate(index_values(idx, grids))
        if solver_obj > value:
            info["incumbent_objective"] = solver_obj
            solver_obj = value
    return finish_solution(idx, grids, evaluate, solver_obj, method=method, certified=certified, status=status,
                           objective_name=name, rtol=MIP_RTOL, scale=scale, info=info)


def _loss_scale(loss: str, fmin: np.ndarray, fmax: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    big = np.maximum(np.abs(fmin), np.abs(fmax))
    if loss == "squared":
        return float(w @ ((np.abs(y) + big) ** 2))
    if loss == "hinge":
        return float(w @ (1.0 + big))
    return 1.0


def _check_margin(margin: Any) -> float | None:
    if margin is None:
        return None
    return float(check_scalar(margin, "margin", numbers.Real, min_val=0.0, include_boundaries="neither"))


# ===================================================================================== linear model
def solve_linear_mip(
    X: Any,
    y: Any,
    grid: Grid | Sequence[Grid],
    *,
    loss: str = "squared",
    B: float | None = None,
    weights: Any = None,
    bias: bool = False,
    formulation: str = "auto",
    encoding: str = "auto",
    solver: str = "auto",
    margin: float | None = None,
    time_limit: float | None = None,
    objective_name: str | None = None,
) -> Solution:
    """Global minimizer of sum_i w_i l(x_i . beta (+ b), y_i) over the grid box by a MIP (module docstring).

    Parameters: the d weights, then the bias when ``bias``.  ``formulation``: ``miqp`` (squared loss as a
    quadratic, SCIP), ``milp`` (squared loss linearized, one-hot; HiGHS), ``auto`` (``miqp`` for the squared
    loss; the hinge and 0-1 losses are always MILPs).  ``solver``: ``auto`` (SCIP for quadratic, HiGHS for
    linear formulations), ``SCIP`` or ``HIGHS``.  ``margin``: tau of the 0-1 formulation.
    """
    X, y, w = check_data(X, y, weights)
    loss, B = check_loss(loss, B, y)
    check_choice(formulation, "formulation", FORMULATIONS)
    time_limit = check_time_limit(time_limit)
    margin = _check_margin(margin)
    name = check_objective_name(objective_name, weights)
    n, d = X.shape
    Xa = np.hstack([X, np.ones((n, 1))]) if bias else X
    p = Xa.shape[1]
    grids = as_grids(grid, p)
    import cvxpy as cp

    linearize = formulation == "milp" and loss == "squared"
    cv = CodeVariables(grids, "onehot" if linearize else encoding)
    f = Xa @ cv.beta
    fmin, fmax = affine_bounds(Xa, cv.lo, cv.hi)
    cons = list(cv.constraints)
    squares = None
    if linearize:
        prods = PairProducts(cv)
        cons += prods.constraints
        squares = prods.quad(np.einsum("ij,ik->ijk", Xa, Xa))
    lm = loss_model(loss, B, f, fmin, fmax, y, w, squares=squares, margin=margin, design=(Xa, cv.beta))
    cons += lm.constraints
    problem = cp.Problem(cp.Minimize(lm.objective), cons)
    chosen = _pick_solver(solver, lm.kind)
    out = run_mip(problem, chosen, time_limit, tight=loss == "zero_one")
    info = {"formulation": "milp" if lm.kind == "linear" else "miqp", "encoding": "onehot" if linearize else encoding}
    return _finish(cv, out, lm, grids, lambda Xm, beta: linear_outputs(Xm, beta, bias), X, y, w, loss, B,
                   name=name, scale=_loss_scale(loss, fmin, fmax, y, w), info=info)


# ===================================================================================== ReLU network
def solve_relu_mip(
    X: Any,
    y: Any,
    grid: Grid | Sequence[Grid],
    *,
    hidden: int,
    loss: str = "squared",
    B: float | None = None,
    weights: Any = None,
    bias: bool = False,
    encoding: str = "auto",
    solver: str = "auto",
    margin: float | None = None,
    time_limit: float | None = None,
    objective_name: str | None = None,
) -> Solution:
    """Global minimizer for f(x) = sum_h v_h relu(w_h . x + c_h) + c_0 over the grid box, by big-M (module docstring).

    Parameter order (p = H d + H + H + 1 with ``bias``, H d + H without): the (H, d) first-layer weight matrix
    row-major, then the H first-layer biases c_h, then the H output weights v_h, then the output bias c_0 --
    biases present only when ``bias``.  ``grid``: one Grid or p Grids in that order.  The squared loss makes an
    MIQP (SCIP), the hinge and 0-1 losses MILPs (HiGHS).
    """
    X, y, w = check_data(X, y, weights)
    loss, B = check_loss(loss, B, y)
    hidden = check_positive_int(hidden, "hidden")
    time_limit = check_time_limit(time_limit)
    margin = _check_margin(margin)
    name = check_objective_name(objective_name, weights)
    n, d = X.shape
    H = hidden
    p = relu_n_params(d, H, bias)
    grids = as_grids(grid, p)
    lay = relu_layout(d, H, bias)
    import cvxpy as cp

    cv = CodeVariables(grids, encoding, onehot=lay["v"])
    cons = list(cv.constraints)
    # pre-activations a[i, h] (flattened r = i H + h) = x_i . W_h + c_h  as  Apre @ beta
    rows = np.repeat(np.arange(n * H), d)
    cols = np.tile(lay["W"].reshape(-1), n)
    vals = np.repeat(X, H, axis=0).reshape(-1)
    if bias:
        rows = np.concatenate([rows, np.arange(n * H)])
        cols = np.concatenate([cols, np.tile(lay["c"], n)])
        vals = np.concatenate([vals, np.ones(n * H)])
    Apre = sp.csr_matrix((vals, (rows, cols)), shape=(n * H, p))
    a = Apre @ cv.beta
    L, U = affine_bounds(Apre, cv.lo, cv.hi)
    S = np.maximum(U, 0.0)
    s = cp.Variable(n * H, nonneg=True, name="s")
    off = np.flatnonzero(U <= 0)
    on = np.flatnonzero((L >= 0) & (U > 0))
    amb = np.flatnonzero((L < 0) & (U > 0))
    if off.size:
        cons.append(s[off] == 0)
    if on.size:
        cons.append(s[on] == a[on])
    if amb.size:
        delta = cp.Variable(amb.size, boolean=True, name="delta")
        cons += [
            s[amb] >= a[amb],
            s[amb] <= a[amb] - cp.multiply(L[amb], 1 - delta),
            s[amb] <= cp.multiply(U[amb], delta),
        ]
    # products t[r, k] = u_{h(r), k} s_r for the levels of v_h
    t_rows, t_cols, t_vals = [], [], []  # f = Ft @ t + c0
    blocks = []
    total = 0
    for h in range(H):
        j = int(lay["v"][h])
        q = grids[j].size
        r_idx = np.arange(h, n * H, H)  # rows of unit h, sample order
        blocks.append((h, j, q, r_idx, total))
        for k in range(q):
            t_rows.append(np.arange(n))
            t_cols.append(total + np.arange(n) * q + k)
            t_vals.append(np.full(n, grids[j].levels[k]))
        total += n * q
    t = cp.Variable(total, nonneg=True, name="t")
    for h, j, q, r_idx, start in blocks:
        tb = cp.reshape(t[start : start + n * q], (n, q), order="C")
        u = cv.onehot(j)
        Sb = S[r_idx][:, None]
        sb = s[r_idx]
        ones_q = np.ones((1, q))
        s_mat = cp.reshape(sb, (n, 1), order="C") @ ones_q
        u_mat = np.ones((n, 1)) @ cp.reshape(u, (1, q), order="C")
        cons += [
            tb <= cp.multiply(Sb, u_mat),
            tb <= s_mat,
            tb >= s_mat - cp.multiply(Sb, 1 - u_mat),
            cp.sum(tb, axis=1) == sb,
        ]
    Ft = sp.csr_matrix((np.concatenate(t_vals), (np.concatenate(t_rows), np.concatenate(t_cols))), shape=(n, total))
    f = Ft @ t
    vmin = np.array([min(0.0, grids[int(j)].levels[0]) for j in lay["v"]])
    vmax = np.array([max(0.0, grids[int(j)].levels[-1]) for j in lay["v"]])
    S_mat = S.reshape(n, H)
    fmin, fmax = S_mat @ vmin, S_mat @ vmax
    if bias:
        jc = int(lay["c0"][0])
        f = f + cv.beta[jc]
        fmin, fmax = fmin + grids[jc].levels[0], fmax + grids[jc].levels[-1]
    lm = loss_model(loss, B, f, fmin, fmax, y, w, margin=margin)
    cons += lm.constraints
    problem = cp.Problem(cp.Minimize(lm.objective), cons)
    chosen = _pick_solver(solver, lm.kind)
    out = run_mip(problem, chosen, time_limit, tight=loss == "zero_one")
    info = {
        "formulation": "miqp" if lm.kind == "quadratic" else "milp",
        "relu_always_off": int(off.size),
        "relu_always_on": int(on.size),
        "relu_binary": int(amb.size),
    }
    return _finish(cv, out, lm, grids, lambda Xm, beta: relu_outputs(Xm, beta, H, bias), X, y, w, loss, B,
                   name=name, scale=_loss_scale(loss, fmin, fmax, y, w), info=info)


__all__ = [
    "CodeVariables",
    "PairProducts",
    "loss_model",
    "run_mip",
    "solve_linear_mip",
    "solve_relu_mip",
]
