"""F8: each bound's looseness split into concentration + union bound and the excess-risk argument, against n.

Redraws the figure from stored sweep results: python figures/f8_looseness.py [--results DIR] [--out DIR]
(the plotting code is qtheory/experiments/plots/f8_looseness.py; `qtheory figures` runs the sweeps and every figure).
"""

import sys

from qtheory.experiments.figure_script import main
from qtheory.experiments.plots import f8_looseness

if __name__ == "__main__":
    sys.exit(main(f8_looseness))
