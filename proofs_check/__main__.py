"""``python -m proofs_check [-v]``: run every proof step; exit 1 if any fails."""

import sys

from proofs_check import main

sys.exit(main(sys.argv[1:]))
