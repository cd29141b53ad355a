"""F3: Q-CD's descent along accepted moves, and the moves used against C's bound F(beta^0)/nu.

Redraws the figure from stored sweep results: python figures/f3_qcd.py [--results DIR] [--out DIR]
(the plotting code is qtheory/experiments/plots/f3_qcd.py; `qtheory figures` runs the sweeps and every figure).
"""

import sys

from qtheory.experiments.figure_script import main
from qtheory.experiments.plots import f3_qcd

if __name__ == "__main__":
    sys.exit(main(f3_qcd))
