"""F4: realized excess risk against Gamma, with B's bound as a function of Gamma.

Redraws the figure from stored sweep results: python figures/f4_gamma.py [--results DIR] [--out DIR]
(the plotting code is qtheory/experiments/plots/f4_gamma.py; `qtheory figures` runs the sweeps and every figure).
"""

import sys

from qtheory.experiments.figure_script import main
from qtheory.experiments.plots import f4_gamma

if __name__ == "__main__":
    sys.exit(main(f4_gamma))
