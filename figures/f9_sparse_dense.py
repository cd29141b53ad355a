"""F9: sparse vs dense, measured: bounds and the exact realized excess against p on the analytic population.

Redraws the figure from stored sweep results: python figures/f9_sparse_dense.py [--results DIR] [--out DIR]
(the plotting code is qtheory/experiments/plots/f9_sparse_dense.py; `qtheory figures` runs the sweeps and every figure).
"""

import sys

from qtheory.experiments.figure_script import main
from qtheory.experiments.plots import f9_sparse_dense

if __name__ == "__main__":
    sys.exit(main(f9_sparse_dense))
