"""V2 (selection among M configurations): a union over M costs ln M in every complexity term."""

from __future__ import annotations

import sympy as sp

from proofs_check.core import Step, identity
from qtheory.theory import A0, B, L1, V1, V2, A
from qtheory.theory.symbols import M, delta

RESULT = "V2"

STEPS: list[Step] = [
    identity(RESULT, "union over M configurations at delta'/M each: M (delta'/M) = delta'", M * (delta / M), delta),
    identity(RESULT, "ln(2(p+1)/(delta'/M)) = ln(2(p+1)/delta') + ln M",
             sp.log(2 / (delta / M)), sp.log(2 / delta) + sp.log(M)),
    identity(RESULT, "toolkit's V2 value is L1's radius at delta'/M", V2.value, L1.value.subs(delta, delta / M)),
    identity(RESULT, "toolkit's V1 with M is V1 (M = 1) at delta'/M", V1.value, V1.value.subs(M, 1).subs(delta, delta / M)),
    *[
        identity(RESULT, f"{R.name} at delta'/M adds ln M inside every logarithm of delta'",
                 sp.expand_log(R.value.subs(delta, delta / M), force=True),
                 sp.expand_log(R.value, force=True).subs(sp.log(delta), sp.log(delta) - sp.log(M)))
        for R in (A0, A, B)
    ],
]
