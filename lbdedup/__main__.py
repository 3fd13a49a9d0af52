"""``python -m lbdedup`` and the ``lbdedup`` command (:func:`run`).

Ctrl-C ends lbdedup with exit code 130 and no traceback at any moment from the first line here: while the
command's modules load (nothing to clean up yet, so the process ends at once), then in
:func:`lbdedup.cli.console_main`, which stops the run and cleans up. Only the interpreter's own start-up,
before this module runs, is beyond its reach.
"""

from __future__ import annotations

# The C module under signal: importing signal itself builds its enum classes first, a millisecond and more
# during which Ctrl-C would still print a traceback.
import _signal  # type: ignore[import-not-found]  # typeshed has no stub for it
import os

TYPE_CHECKING = False  # not typing's: importing typing would keep Ctrl-C unhandled for milliseconds more
if TYPE_CHECKING:
    from typing import NoReturn


def _interrupted(signum: int, frame: object) -> NoReturn:
    os._exit(130)  # 128 + SIGINT, as shells report a command that Ctrl-C stopped


def run() -> NoReturn:
    """Run the ``lbdedup`` command and exit with its code."""
    # A command started in the background by a shell ignores Ctrl-C, and so does it here.
    if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
        _signal.signal(_signal.SIGINT, _interrupted)
    from lbdedup.cli import console_main

    console_main()


if __name__ == "__main__":
    run()
