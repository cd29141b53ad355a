"""Run the default sweeps and write every figure and the tightness report: the same as `qtheory figures`.

    python figures/make_all.py [--quick] [--out DIR] [--jobs N] [--dask ADDRESS]
"""

import sys

from qtheory.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", *sys.argv[1:]]))
