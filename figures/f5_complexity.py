"""F5: the dense bound A0 and the sparse bound B against p and against the bit width.

Redraws the figure from stored sweep results: python figures/f5_complexity.py [--results DIR] [--out DIR]
(the plotting code is qtheory/experiments/plots/f5_complexity.py; `qtheory figures` runs the sweeps and every figure).
"""

import sys

from qtheory.experiments.figure_script import main
from qtheory.experiments.plots import f5_complexity

if __name__ == "__main__":
    sys.exit(main(f5_complexity))
