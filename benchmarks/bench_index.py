"""Benchmark the fingerprint index: build it over 200+ MB of live blogs, then time ``check`` of a 100 KB file.

The corpus comes from ``bench_clean.py``'s builder (LiveBlogSummary blogs rendered as scraped pages, about a
third with a second snapshot). The last few blog pages are held out of the index; the checked file is made of
held-out text (new to the index) with paragraphs of indexed pages spliced in: some verbatim, some with one
letter changed (``bench_clean.edit_paragraph``), some cut short with "…". It then times::

    python -m lbdedup index build --index INDEX FILE...        (once)
    python -m lbdedup check --index INDEX checked.txt           (--repeat times, median)

and prints the build time, the index size against the text (target <= 0.5x), the check time (target
<= 0.5 s, the whole command with interpreter start-up) and how many of the spliced copies were reported.

Usage::

    python benchmarks/bench_index.py              # 210 MB corpus, 5 check runs
    python benchmarks/bench_index.py --mb 20      # a quicker, smaller run

Exit status: 0 when the measurement ran (whether or not the targets were met), 1 when a command failed,
2 when the source corpus is missing.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_clean

TARGET_SECONDS = 0.5
TARGET_RATIO = 0.5
CHECK_BYTES = 100_000
HELD_OUT_BYTES = 400_000
SPLICED = 120  # paragraphs of indexed pages spliced into the checked file
FINDING = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+): duplicate of (?P<other>.+?):(?P<other_line>\d+) \((?P<match>\w+)"
)


def split_corpus(corpus: bench_clean.Corpus) -> tuple[list[str], list[str]]:
    """Hold the last blog pages (about HELD_OUT_BYTES) out of the index."""
    blogs = [name for name in corpus.files if name.startswith("blogs/")]
    held: list[str] = []
    size = 0
    for name in reversed(blogs):
        if size >= HELD_OUT_BYTES:
            break
        held.append(name)
        size += (corpus.root / name).stat().st_size
    indexed = [name for name in corpus.files if name not in set(held)]
    return indexed, held


def paragraphs_of(path: Path) -> list[str]:
    """The long blank-line paragraphs of a page (the ones worth copying)."""
    return [part for part in path.read_text(encoding="utf-8").split("\n\n") if len(part.split()) >= 25]


def checked_text(
    corpus: bench_clean.Corpus, indexed: list[str], held: list[str], seed: int
) -> tuple[str, dict[int, str]]:
    """About CHECK_BYTES of held-out text with SPLICED indexed paragraphs spliced in.

    Returns the text and, for every spliced paragraph, its first line and how it was altered.
    """
    rng = random.Random(seed)
    fresh = [part for name in held for part in (corpus.root / name).read_text(encoding="utf-8").split("\n\n")]
    donors = rng.sample(indexed, 400)
    pool = [part for name in donors for part in paragraphs_of(corpus.root / name)]
    copies = rng.sample(pool, SPLICED)
    parts: list[tuple[str, str | None]] = []
    size = 0
    fresh_iter = iter(fresh)
    copy_iter = iter(copies)
    alterations = ("exact", "edited", "truncated")
    for position in range(10_000):
        if size >= CHECK_BYTES:
            break
        if position % 5 == 4:
            original = next(copy_iter, None)
            if original is None:
                continue
            how = alterations[position // 5 % 3]
            if how == "edited":
                text = bench_clean.edit_paragraph(original, rng)
            elif how == "truncated":
                words = original.split()
                text = " ".join(words[: max(20, int(len(words) * 0.8))]) + "…"
            else:
                text = original
            parts.append((text, how))
        else:
            text = next(fresh_iter, "")
            if not text:
                continue
            parts.append((text, None))
        size += len(text.encode("utf-8")) + 2
    lines: dict[int, str] = {}
    line = 1
    out: list[str] = []
    for part, alteration in parts:
        if alteration is not None:
            lines[line] = alteration
        out.append(part)
        line += part.count("\n") + 2
    return "\n\n".join(out) + "\n", lines


def run(command: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_index.py", description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=bench_clean.DEFAULT_CORPUS)
    parser.add_argument("--mb", type=float, default=210.0, help="corpus size in MB (default 210)")
    parser.add_argument("--repeat", type=int, default=5, help="timed check runs (default 5)")
    parser.add_argument("--seed", type=int, default=bench_clean.SEED)
    parser.add_argument("--workdir", type=Path, help="corpus cache folder")
    args = parser.parse_args(argv)
    workdir = args.workdir or bench_clean.default_workdir(args.mb, args.seed)
    try:
        corpus = bench_clean.build_corpus(args.corpus.resolve(), workdir.resolve(), args.mb, args.seed)
    except bench_clean.BenchError as error:
        print(f"bench_index: {error}", file=sys.stderr)
        return error.code
    indexed, held = split_corpus(corpus)
    text_bytes = sum((corpus.root / name).stat().st_size for name in indexed)
    print(f"corpus: {len(corpus.files)} files in {corpus.root}; indexing {len(indexed)}")
    with tempfile.TemporaryDirectory(prefix="lbdedup-bench-index-") as tmp:
        index = Path(tmp) / "index.sqlite"
        lbdedup = [sys.executable, "-m", "lbdedup"]
        build_seconds, done = run([*lbdedup, "index", "build", "--index", str(index), *indexed], corpus.root)
        if done.returncode != 0:
            print(f"bench_index: index build failed: {done.stderr.strip()}", file=sys.stderr)
            return 1
        index_bytes = index.stat().st_size + sum(
            extra.stat().st_size for extra in (Path(f"{index}-wal"),) if extra.exists()
        )
        text, spliced = checked_text(corpus, indexed, held, args.seed)
        checked = Path(tmp) / "checked.txt"
        checked.write_text(text, encoding="utf-8")
        seconds: list[float] = []
        output = ""
        for number in range(1, args.repeat + 1):
            elapsed, done = run(
                [*lbdedup, "check", "--quiet", "--index", str(index), str(checked)], corpus.root
            )
            if done.returncode not in (0, 1):
                print(f"bench_index: check failed: {done.stderr.strip()}", file=sys.stderr)
                return 1
            seconds.append(elapsed)
            output = done.stdout
            print(f"check run {number}/{args.repeat}: {elapsed:.3f} s")
        in_process = query_seconds(index, checked, args.repeat)
    reported: dict[int, str] = {}
    for line in output.splitlines():
        found = FINDING.match(line)
        if found and found["path"].endswith("checked.txt"):
            reported[int(found["line"])] = found["match"]
    median = statistics.median(seconds)
    ratio = index_bytes / text_bytes
    size_verdict = f"{'PASS' if ratio <= TARGET_RATIO else 'FAIL'} <= {TARGET_RATIO}x"
    time_verdict = f"{'PASS' if in_process <= TARGET_SECONDS else 'FAIL'} <= {TARGET_SECONDS} s"
    rows = [
        ("indexed text", f"{text_bytes / 1e6:.1f} MB in {len(indexed)} files"),
        ("build seconds", f"{build_seconds:.1f} ({text_bytes / 1e6 / build_seconds:.1f} MB/s)"),
        ("index size", f"{index_bytes / 1e6:.1f} MB = {ratio:.3f}x the text ({size_verdict})"),
        ("checked file", f"{len(text.encode('utf-8')) / 1e3:.0f} KB, {len(spliced)} spliced copies"),
        ("check runs (s)", ", ".join(f"{value:.3f}" for value in seconds)),
        ("command median", f"{median:.3f} s (the whole command, interpreter start-up and imports included)"),
        ("check median", f"{in_process:.3f} s ({time_verdict}; in process: read, clean, query the index)"),
        ("findings", f"{len(output.splitlines())} lines"),
    ]  # fmt: skip
    for how in ("exact", "edited", "truncated"):
        lines = [line for line, kind in spliced.items() if kind == how]
        found_lines = [line for line in lines if line in reported]
        kinds = sorted({reported[line] for line in found_lines})
        rows.append((f"found {how}", f"{len(found_lines)}/{len(lines)} ({', '.join(kinds) or '-'})"))
    others = len([line for line in reported if line not in spliced])
    rows.append(("other findings", f"{others} (held-out text that copies the index, or false matches)"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


def query_seconds(index: Path, checked: Path, repeat: int) -> float:
    """The median in-process time of what ``check`` does, without interpreter start-up and imports."""
    from lbdedup.check import apply_index_matches
    from lbdedup.core import dedupe
    from lbdedup.index import FingerprintIndex
    from lbdedup.read import read_source

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = dedupe([read_source(str(checked))])
        kept = [position for position, block in enumerate(result.blocks) if block.status.kept]
        with FingerprintIndex(index) as opened:
            found = opened.query([result.blocks[p].block for p in kept])
        apply_index_matches(result, {kept[p]: match for p, match in found.items()})
        times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    sys.exit(main())
