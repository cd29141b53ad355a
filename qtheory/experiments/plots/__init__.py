"""One module per figure (F1-F8).  Each exposes ``NAME`` (the file stem), ``SWEEPS`` (the sweeps it reads) and
``plot(records, out_dir) -> list[Path]``: it draws only from stored sweep records (``{sweep: [record, ...]}``)
and writes ``<out_dir>/<NAME>.png`` and ``.pdf``."""

from qtheory.experiments.plots import (
    f1_excess_vs_n,
    f2_threshold,
    f3_qcd,
    f4_gamma,
    f5_complexity,
    f6_realdata,
    f7_pareto,
    f8_looseness,
    f9_sparse_dense,
)

FIGURES = (f1_excess_vs_n, f2_threshold, f3_qcd, f4_gamma, f5_complexity, f6_realdata, f7_pareto, f8_looseness,
           f9_sparse_dense)

__all__ = ["FIGURES"]
