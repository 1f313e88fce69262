"""`python -m vigil ...` runs the command line, like the `vigil` script."""

import sys

from vigil.cli import main

sys.exit(main())
