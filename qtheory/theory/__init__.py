"""The single source of every formula of docs/theory.md (sympy), with vectorized numeric forms.

Numeric helpers (stable names and signatures):

- :func:`mcp_penalty` ``(t, a, lam)`` -- the MCP penalty P_lam(t), elementwise;
- :func:`deviation_radius` ``(k, *, B, n, p, Qsize, delta)`` -- D(k);
- :func:`dense_radius` ``(*, B, n, p, Qsize, delta)`` -- D_dense;
- :func:`kl_inverse` ``(q, c)`` -- kl^{-1}(q, c);
- :func:`log_binomial` ``(p, k)`` -- ln C(p, k) (V4's exact count), accurate at p = 10^5;
- :func:`quantity` ``(name, **numbers)`` -- A, C0, pi_min, c_Q, R, D, D_dense by name.

Results, one object each (see :class:`Result`): ``L1, A0, A, L2, B, C, V1, V2, V3, V4``, also in ``RESULTS``.
Importing this package imports sympy, numpy and scipy only.
"""

from qtheory.theory.bounds import A, A0, B, L1
from qtheory.theory.counting import log_binomial, logbinomial
from qtheory.theory.kl import kl_divergence, kl_inverse, klinv
from qtheory.theory.local import C, L2
from qtheory.theory.quantities import (
    A_CONST,
    C0_CONST,
    C_Q,
    DENSE_RADIUS,
    DEVIATION_RADIUS,
    GRID_RANGE,
    PI_MIN,
    QUANTITIES,
    dense_radius,
    deviation_radius,
    mcp,
    mcp_penalty,
    quantity,
    radius,
)
from qtheory.theory.result import Result
from qtheory.theory.symbols import SYMBOLS, latex
from qtheory.theory.variants import V1, V2, V3, V4, selection_delta

#: every result by its label
RESULTS: dict[str, Result] = {r.name: r for r in (L1, A0, A, L2, B, C, V1, V2, V3, V4)}

__all__ = [
    "A", "A0", "A_CONST", "B", "C", "C0_CONST", "C_Q", "DENSE_RADIUS", "DEVIATION_RADIUS", "GRID_RANGE",
    "L1", "L2", "PI_MIN", "QUANTITIES", "RESULTS", "Result", "SYMBOLS", "V1", "V2", "V3", "V4", "dense_radius", "deviation_radius",
    "kl_divergence", "kl_inverse", "klinv", "latex", "log_binomial", "logbinomial", "mcp", "mcp_penalty", "quantity", "radius",
    "selection_delta",
]
