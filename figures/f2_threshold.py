"""F2: the threshold lemma L2 on Q-CD outputs, with its negative control.

Redraws the figure from stored sweep results: python figures/f2_threshold.py [--results DIR] [--out DIR]
(the plotting code is qtheory/experiments/plots/f2_threshold.py; `qtheory figures` runs the sweeps and every figure).
"""

import sys

from qtheory.experiments.figure_script import main
from qtheory.experiments.plots import f2_threshold

if __name__ == "__main__":
    sys.exit(main(f2_threshold))
