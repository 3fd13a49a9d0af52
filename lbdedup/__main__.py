"""``python -m lbdedup``: the same as the ``lbdedup`` command."""

import sys

from lbdedup.cli import main

if __name__ == "__main__":
    sys.exit(main())
