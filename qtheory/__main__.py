import sys

from qtheory.cli import main

sys.exit(main())
