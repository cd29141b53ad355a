"""F7: real data, test error against the V4 certificate over the configurations: the Pareto front.

Redraws the figure from stored sweep results: python figures/f7_pareto.py [--results DIR] [--out DIR]
(the plotting code is qtheory/experiments/plots/f7_pareto.py; `qtheory figures` runs the sweeps and every figure).
"""

import sys

from qtheory.experiments.figure_script import main
from qtheory.experiments.plots import f7_pareto

if __name__ == "__main__":
    sys.exit(main(f7_pareto))
