"""V3 (quantization bias), as stated in docs/theory.md: if L is M_inf-Lipschitz in the max-norm on [-R, R]^p,
then L*_Q <= inf over [-R, R]^p of L + M_inf d/2.  Checked with the exact continuous minimum ``Lcont`` and
the exact M_inf ``Linf`` (``qtheory.continuous``: models linear in beta with the squared loss, on
populations where the clip cannot bind on the box; NaN, hence undefined, elsewhere), on small grids so
that the clip stays inactive.

A second true claim uses the per-point indicator ``is_local``: every global minimizer of F is a nu-local
solution (for any nu >= 0, since no neighbour has F below min F).  Expected verdicts: not refuted."""

from qtheory.strategies import ProblemSpace
from qtheory.theory import RESULTS
from qtheory.variants import Lcont, Lstar, Variant, is_local

V3 = RESULTS["V3"]

VARIANTS = [
    Variant(
        name="V3",
        claim=Lstar <= Lcont + V3.value,
        solutions="global",
        space=ProblemSpace(models=("linear",), losses=("squared",), Bs=(4.0,), max_K=2, penalty="none",
                           noise=(0.0, 0.3)),
        description=V3.statement,
    ),
    Variant(
        name="global minimizers are nu-local",
        claim=is_local >= 1,
        solutions="global",
        space=ProblemSpace(nu="free", nu_frac=(0.0, 0.2)),
    ),
]
