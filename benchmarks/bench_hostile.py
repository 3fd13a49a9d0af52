"""Time and peak memory of ``lbdedup clean`` on hostile but realistic inputs (issue 12).

Each case runs ``python -m lbdedup clean -q CASE`` (with the options it names; stdout thrown away) in a child
process and prints its wall time, its peak resident memory (``os.wait4``) and that memory as a multiple of
the input's size. The inputs are made by the generators of ``tests/test_hostile_inputs.py``, which guards
the same cases with generous timeouts:

    python benchmarks/bench_hostile.py            # the sizes of the issue (8,000 <p>, a 50 MB line, ...)
    python benchmarks/bench_hostile.py --quick    # a tenth of the sizes
    python benchmarks/bench_hostile.py --only p   # the cases whose name contains "p"

Exit status: 0 when every case ran (whatever its figures), 1 when one ended with an unexpected exit code.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The generators live with the tests that use them.
from tests.test_hostile_inputs import (
    long_token,
    one_letter_lines,
    single_line,
    unclosed_div_spans,
    unclosed_paragraphs,
)


@dataclass(frozen=True)
class Case:
    """One input: its name, file suffix, generator and full size, the options given and the exit code."""

    name: str
    suffix: str
    make: Callable[[int], str]
    size: int
    options: tuple[str, ...] = ()
    expected: int = 0


CASES = [
    Case("unclosed <p>", ".html", unclosed_paragraphs, 8_000),
    Case("unclosed <div><span>", ".html", unclosed_div_spans, 4_000),
    Case("token without spaces", ".txt", long_token, 10_000_000),
    Case("single line", ".txt", single_line, 50_000_000),
    Case("one-letter lines", ".txt", one_letter_lines, 5_000_000),
    Case("drop pattern (a+)+$", ".txt", lambda size: "a" * size + "b\n", 40, ("--drop-pattern", "(a+)+$"), 2),
]


def run(args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB and exit code of ``python -m lbdedup ARGS``."""
    started = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-m", "lbdedup", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as child:
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, child.returncode


def main() -> int:
    """Run the cases and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of each size")
    parser.add_argument("--only", default="", help="only the cases whose name contains this")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'case':<24}{'size':>12}{'input MB':>10}{'seconds':>9}{'peak MiB':>10}{'x input':>9}  exit")
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        for case in CASES:
            if args.only not in case.name:
                continue
            size = case.size // 10 if args.quick and case.size > 100 else case.size
            path = Path(folder) / f"case{case.suffix}"
            path.write_text(case.make(size), encoding="utf-8")
            megabytes = path.stat().st_size / 1e6
            # Never ``-o /dev/null``: an atomic write would replace the device with a file.
            seconds, peak, code = run(["clean", "-q", *case.options, str(path)])
            # A multiple of a tiny input says nothing (the interpreter alone takes about 40 MiB).
            ratio = f"{peak * (1 << 20) / 1e6 / megabytes:>9.1f}" if megabytes >= 1 else f"{'-':>9}"
            figures = f"{megabytes:>10.2f}{seconds:>9.2f}{peak:>10.0f}{ratio}"
            print(f"{case.name:<24}{size:>12,}{figures}  {code}")
            failed |= code != case.expected
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
