"""``python -m lbdedup``: the same as the ``lbdedup`` command."""

from lbdedup.cli import console_main

if __name__ == "__main__":
    console_main()
