"""F6: real data, test error and V4 certificate (V1 beside it) of Q-CD and STE nets across lambda.

Redraws the figure from stored sweep results: python figures/f6_realdata.py [--results DIR] [--out DIR]
(the plotting code is qtheory/experiments/plots/f6_realdata.py; `qtheory figures` runs the sweeps and every figure).
"""

import sys

from qtheory.experiments.figure_script import main
from qtheory.experiments.plots import f6_realdata

if __name__ == "__main__":
    sys.exit(main(f6_realdata))
