"""python -m cspdash → the command line."""

import sys

from cspdash.cli import main

sys.exit(main())
