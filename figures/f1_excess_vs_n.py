"""F1: realized excess risk and the bounds A0, A, B, V1 against the sample size n.

Redraws the figure from stored sweep results: python figures/f1_excess_vs_n.py [--results DIR] [--out DIR]
(the plotting code is qtheory/experiments/plots/f1_excess_vs_n.py; `qtheory figures` runs the sweeps and every figure).
"""

import sys

from qtheory.experiments.figure_script import main
from qtheory.experiments.plots import f1_excess_vs_n

if __name__ == "__main__":
    sys.exit(main(f1_excess_vs_n))
