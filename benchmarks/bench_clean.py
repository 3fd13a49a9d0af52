"""Benchmark ``lbdedup clean`` on a realistic corpus of scraped live blogs.

The script builds (once, then caches) a corpus of plain-text live-blog pages from the
LiveBlogSummary JSONL.gz files in ``../shared/corpus/liveblogs`` and times::

    python -m lbdedup clean --format json -o REPORT FILE...

over all of them. Each page is written the way a scraper saves it: the blog title, then for every
post its time line, its headline (if any) and its paragraphs (1-3 sentences each), all separated
by blank lines. To give the deduplicator realistic work, about a third of the blogs get a second
"snapshot" page (an earlier or later scrape: the newest or the oldest 10-20% of the posts missing,
and a few paragraphs with their quote style or one letter changed), and about a quarter repeat
their top post (a pinned summary) lower down the page. Everything is deterministic (fixed seed).

It reports the median wall time over ``--repeat`` runs, the throughput (input MB / median seconds,
1 MB = 10**6 bytes), the peak resident memory of the child process (from ``os.wait4``), the
number of blocks in the report by status, and whether the target (>= 10 MB/s) is met. Each round
also times a plain tokenizing pass over the same files in a fresh process (read, casefold, one
``\\w+`` regex), and the figures of the columnar core are printed against it with PASS/FAIL: wall time
over the tokenizer's (<= 1.5x), peak RSS over the input bytes (<= 3x), CPU seconds per MB, and with
``--scaling-mb`` the CPU per MB against a corpus of that size (<= 1.1x: linear).

Usage::

    python benchmarks/bench_clean.py                # 40 MB corpus, 3 runs, --format json
    python benchmarks/bench_clean.py --quick        # 5 MB smoke run
    python benchmarks/bench_clean.py --output-format jsonl --repeat 5
    python benchmarks/bench_clean.py --build-only   # only build (or reuse) the corpus
    python benchmarks/bench_clean.py --jobs 1,2     # compare lbdedup --jobs 1 and --jobs 2, runs alternating
    python benchmarks/bench_clean.py --mb 160 --scaling-mb 40   # the columnar core's four figures

Exit status: 0 when the measurement ran (whether or not the target was met), 1 when the lbdedup
command failed or is not installed, 2 when the source corpus is missing or the options are wrong.
Standard library only; Unix only (``os.wait4``).
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import gzip
import importlib.util
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
CORPUS_FORMAT = 1  # bump when the generated text changes, so cached corpora are rebuilt
SEED = 20240917
TARGET_MB_S = 10.0
# The columnar core's targets (issue "Scale 1"), against a plain tokenizing pass over the same files.
TARGET_TOKENIZE_RATIO = 1.5
TARGET_RSS_RATIO = 3.0
TARGET_CPU_SCALING = 1.1
# The yardstick: read every file, casefold it and split it into words with one regex, in a fresh process.
TOKENIZE = (
    "import re, sys\n"
    "words = re.compile(r'\\w+')\n"
    "count = 0\n"
    "for name in sys.argv[1:]:\n"
    "    with open(name, encoding='utf-8') as handle:\n"
    "        count += len(words.findall(handle.read().casefold()))\n"
    "print(count)\n"
)
QUICK_MB = 5.0
MANIFEST = "manifest.json"
MARKER = ".lbdedup-bench"
PAGE_DIRS = ("blogs", "snapshots")
ARGV_LIMIT = 1 << 20  # keep argv well below the usual 2 MiB ARG_MAX
SNAPSHOT_RATE = 1 / 3
PINNED_RATE = 0.25
STATUSES = ("unique", "canonical", "duplicate", "boilerplate")

# Straight-to-curly and curly-to-straight quote edits; a scraper copy often differs only in these.
CURLY_TO_STRAIGHT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Post:
    """One live-blog post as it will be rendered: time line, optional headline, paragraphs."""

    time: str
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Corpus:
    """A built corpus: page paths relative to ``root`` and their total size in bytes."""

    root: Path
    files: tuple[str, ...]
    total_bytes: int
    build_seconds: float | None  # None when reused from the cache


@dataclass(frozen=True)
class Run:
    """One timed run of the lbdedup command."""

    seconds: float
    max_rss_mib: float
    cpu_seconds: float = 0.0  # user + system time of the child


class BenchError(Exception):
    """A failure reported as one line on stderr; ``code`` is the exit status."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------- corpus generation


def source_files(corpus: Path) -> list[Path]:
    """Return the JSONL.gz files of the corpus (``corpus/liveblogs/*`` or ``corpus/*``)."""
    for folder in (corpus / "liveblogs", corpus):
        found = sorted(folder.glob("*.jsonl.gz"))
        if found:
            return found
    return []


def iter_blogs(paths: Sequence[Path]) -> Iterator[dict[str, Any]]:
    """Yield blogs from all files in turn (one from each), so BBC and Guardian blogs mix."""
    with contextlib.ExitStack() as stack:
        live = [stack.enter_context(gzip.open(path, "rt", encoding="utf-8")) for path in paths]
        while live:
            still_live = []
            for handle in live:
                line = handle.readline()
                if not line:
                    continue
                still_live.append(handle)
                if line.strip():
                    record = json.loads(line)
                    if isinstance(record, dict):
                        yield record
            live = still_live


def make_posts(blog: dict[str, Any], rng: random.Random) -> list[Post]:
    """Turn a blog's posts into renderable posts, grouping sentences into 1-3 sentence paragraphs."""
    posts: list[Post] = []
    for raw in blog.get("posts") or []:
        sentences = [str(s).strip() for s in raw.get("text") or [] if str(s).strip()]
        title = str(raw.get("title") or "").strip()
        if not sentences and not title:
            continue
        paragraphs: list[str] = []
        i = 0
        while i < len(sentences):
            size = rng.choice((1, 2, 2, 3))
            paragraphs.append(" ".join(sentences[i : i + size]))
            i += size
        posts.append(Post(str(raw.get("time") or "").strip(), title, tuple(paragraphs)))
    return posts


def render(title: str, posts: Sequence[Post]) -> str:
    """Render a page: title, then each post's time, headline and paragraphs, blank-line separated."""
    blocks = [title]
    for post in posts:
        if post.time:
            blocks.append(post.time)
        if post.title:
            blocks.append(post.title)
        blocks.extend(post.paragraphs)
    return "\n\n".join(blocks) + "\n"


def edit_paragraph(text: str, rng: random.Random) -> str:
    """Make one small edit: swap the quote style, or failing that change one letter inside a word."""
    if any(q in text for q in "\u2018\u2019\u201c\u201d"):
        return text.translate(CURLY_TO_STRAIGHT)
    if "'" in text or '"' in text:
        out: list[str] = []
        opened = False
        for char in text:
            if char == "'":
                out.append("\u2019")
            elif char == '"':
                out.append("\u201d" if opened else "\u201c")
                opened = not opened
            else:
                out.append(char)
        return "".join(out)
    inner = [
        i
        for i in range(1, len(text) - 1)
        if text[i] in LETTERS and text[i - 1].isalpha() and text[i + 1].isalpha()
    ]
    if not inner:
        return text
    i = rng.choice(inner)
    return text[:i] + rng.choice(LETTERS.replace(text[i], "")) + text[i + 1 :]


def edit_posts(posts: Sequence[Post], count: int, rng: random.Random) -> list[Post]:
    """Return a copy of ``posts`` with ``count`` randomly chosen paragraphs slightly edited."""
    spots = [(p, q) for p, post in enumerate(posts) for q in range(len(post.paragraphs))]
    chosen = set(rng.sample(spots, min(count, len(spots))))
    edited: list[Post] = []
    for p, post in enumerate(posts):
        paragraphs = tuple(
            edit_paragraph(text, rng) if (p, q) in chosen else text for q, text in enumerate(post.paragraphs)
        )
        edited.append(Post(post.time, post.title, paragraphs))
    return edited


def blog_pages(blog: dict[str, Any], seed: int) -> tuple[str, str | None]:
    """Return the page text of a blog and, for about a third of blogs, a second snapshot page."""
    rng = random.Random(f"{seed}:{blog.get('id', '')}")
    title = str(blog.get("title") or "").strip() or "Live blog"
    posts = make_posts(blog, rng)
    if len(posts) >= 4 and rng.random() < PINNED_RATE:
        # A pinned summary: the top post appears again at its place lower down, sometimes edited.
        pinned = posts[0]
        if rng.random() < 0.5:
            pinned = edit_posts([pinned], 1, rng)[0]
        posts.insert(rng.randint(len(posts) // 3, len(posts)), pinned)
    page = render(title, posts)
    snapshot = None
    if len(posts) >= 3 and rng.random() < SNAPSHOT_RATE:
        drop = max(1, round(len(posts) * rng.uniform(0.10, 0.20)))
        # Posts are newest first: an earlier scrape lacks the newest ones, a later one has lost
        # the oldest to pagination.
        kept = posts[drop:] if rng.random() < 0.5 else posts[:-drop]
        snapshot = render(title, edit_posts(kept, rng.randint(1, 4), rng))
    return page, snapshot


def default_workdir(mb: float, seed: int) -> Path:
    """Return the default cache directory for a corpus of ``mb`` MB."""
    return Path(tempfile.gettempdir()) / f"lbdedup-bench-{mb:g}mb-seed{seed}-v{CORPUS_FORMAT}"


def load_cached(workdir: Path, params: dict[str, Any]) -> Corpus | None:
    """Return the corpus cached in ``workdir`` if it was built with ``params`` and is intact."""
    try:
        manifest = json.loads((workdir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("params") != params:
        return None
    files = manifest.get("files")
    total = manifest.get("bytes")
    if not isinstance(files, list) or not isinstance(total, int):
        return None
    try:
        size = sum((workdir / str(name)).stat().st_size for name in files)
    except OSError:
        return None
    if size != total:
        return None
    return Corpus(workdir, tuple(str(name) for name in files), total, None)


def prepare_workdir(workdir: Path) -> None:
    """Empty the page folders of a previous build, refusing to touch a folder we did not create."""
    workdir.mkdir(parents=True, exist_ok=True)
    ours = (workdir / MARKER).exists()
    for name in PAGE_DIRS:
        folder = workdir / name
        if folder.exists():
            if not ours:
                raise BenchError(f"{workdir} was not made by this script; choose another --workdir", 2)
            shutil.rmtree(folder)
    (workdir / MANIFEST).unlink(missing_ok=True)
    (workdir / MARKER).write_text("lbdedup benchmark corpus; safe to delete\n", encoding="utf-8")
    for name in PAGE_DIRS:
        (workdir / name).mkdir()


def build_corpus(corpus: Path, workdir: Path, mb: float, seed: int) -> Corpus:
    """Build the page corpus in ``workdir`` (or reuse a matching cached one) and return it."""
    params: dict[str, Any] = {"format": CORPUS_FORMAT, "mb": mb, "seed": seed, "corpus": str(corpus)}
    cached = load_cached(workdir, params)
    if cached is not None:
        return cached
    sources = source_files(corpus)
    if not sources:
        raise BenchError(f"corpus not found: no liveblogs/*.jsonl.gz under {corpus} (use --corpus)", 2)
    start = time.perf_counter()
    prepare_workdir(workdir)
    budget = int(mb * 1_000_000)
    blogs: list[str] = []
    snapshots: list[str] = []
    total = 0
    for number, blog in enumerate(iter_blogs(sources), 1):
        if total >= budget:
            break
        page, snapshot = blog_pages(blog, seed)
        stem = f"{number:05d}-{blog.get('source', 'blog')}-{str(blog.get('id', ''))[:10]}.txt"
        for folder, text, names in (("blogs", page, blogs), ("snapshots", snapshot, snapshots)):
            if text is None:
                continue
            data = text.encode("utf-8")
            (workdir / folder / stem).write_bytes(data)
            names.append(f"{folder}/{stem}")
            total += len(data)
    if total < budget:
        print(f"bench_clean: the source corpus holds only {total / 1e6:.1f} MB of text", file=sys.stderr)
    # Originals first, then the later scrapes, as a crawl would collect them.
    files = blogs + snapshots
    manifest = {"params": params, "files": files, "bytes": total, "blogs": len(blogs)}
    (workdir / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return Corpus(workdir, tuple(files), total, time.perf_counter() - start)


# --------------------------------------------------------------------------- timing


def rss_mib(maxrss: int) -> float:
    """Convert ``ru_maxrss`` to MiB (kilobytes on Linux, bytes on macOS)."""
    return maxrss / (1 << 20) if sys.platform == "darwin" else maxrss / 1024


def time_run(command: Sequence[str], cwd: Path, log: Path) -> Run:
    """Run ``command`` once, timing it and taking the child's own peak RSS from ``os.wait4``."""
    with log.open("wb") as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
    if proc.returncode != 0:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        reason = lines[-1] if lines else "no message"
        raise BenchError(
            f"{Path(command[2]).name if command[1] == '-m' else 'a timed command'} failed "
            f"(exit {proc.returncode}): {reason}",
            1,
        )
    return Run(seconds, rss_mib(usage.ru_maxrss), usage.ru_utime + usage.ru_stime)


def count_blocks(report_path: Path, output_format: str) -> Counter[str] | None:
    """Count the report's blocks by status (None for the text format, which has no block list)."""
    statuses: Counter[str] = Counter()
    if output_format == "json":
        report = json.loads(report_path.read_text(encoding="utf-8"))
        blocks = report.get("blocks") if isinstance(report, dict) else None
        for block in blocks if isinstance(blocks, list) else []:
            statuses[str(block.get("status") if isinstance(block, dict) else None)] += 1
        return statuses
    if output_format == "jsonl":
        with report_path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    block = json.loads(line)
                    statuses[str(block.get("status") if isinstance(block, dict) else None)] += 1
        return statuses
    return None


def format_counts(statuses: Counter[str] | None) -> str:
    """Format block counts as ``N (unique a, canonical b, ...)``."""
    if statuses is None:
        return "n/a (text output)"
    names = [s for s in STATUSES if s in statuses] + sorted(set(statuses) - set(STATUSES))
    detail = ", ".join(f"{name} {statuses[name]}" for name in names)
    return f"{sum(statuses.values())} ({detail})"


# --------------------------------------------------------------------------- command line


def _job_counts(text: str) -> list[int]:
    """``--jobs 1,2`` -> [1, 2]."""
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of job counts: {text!r}") from None
    if not counts or min(counts) < 0:
        raise argparse.ArgumentTypeError(f"job counts are whole numbers >= 0: {text!r}")
    return counts


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="bench_clean.py",
        description="Time `lbdedup clean` on a generated corpus of scraped live blogs.",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help="folder holding liveblogs/*.jsonl.gz (%(default)s)",
    )
    parser.add_argument("--mb", type=float, default=40.0, help="corpus size in MB of text (default 40)")
    parser.add_argument("--quick", action="store_true", help=f"smoke run on a {QUICK_MB:g} MB corpus")
    parser.add_argument(
        "--workdir", type=Path, help="corpus cache folder (default: a folder in the temp dir)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the median is reported (3)")
    parser.add_argument(
        "--output-format", choices=("text", "json", "jsonl"), default="json", help="lbdedup --format (json)"
    )
    parser.add_argument("--seed", type=int, default=SEED, help="random seed of the corpus generator")
    parser.add_argument("--target", type=float, default=TARGET_MB_S, help="target MB/s (default 10)")
    parser.add_argument("--build-only", action="store_true", help="only build the corpus and print its size")
    parser.add_argument(
        "--scaling-mb",
        type=float,
        default=0.0,
        help="also time a corpus of this many MB and compare CPU per MB (e.g. --mb 160 --scaling-mb 40)",
    )
    parser.add_argument(
        "--jobs",
        type=_job_counts,
        help="compare lbdedup --jobs values, e.g. 1,2 (runs alternate; default: lbdedup's own default)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.mb = QUICK_MB
    if args.mb <= 0 or args.repeat < 1:
        parser.error("--mb must be positive and --repeat at least 1")
    return args


def benchmark(args: argparse.Namespace) -> int:
    """Build the corpus, run the timed command and print the table."""
    corpus_dir = Path(args.corpus).resolve()
    workdir = Path(args.workdir) if args.workdir else default_workdir(args.mb, args.seed)
    corpus = build_corpus(corpus_dir, workdir.resolve(), args.mb, args.seed)
    built = "reused" if corpus.build_seconds is None else f"built in {corpus.build_seconds:.1f} s"
    input_mb = corpus.total_bytes / 1e6
    print(f"corpus: {len(corpus.files)} files, {input_mb:.2f} MB in {corpus.root} ({built})")
    if args.build_only:
        return 0
    spec = importlib.util.find_spec("lbdedup")
    if spec is None:
        raise BenchError(f"lbdedup is not installed for {sys.executable} (pip install -e .)", 1)
    # An installed lbdedup runs from cached bytecode (pip compiles it). An editable checkout under
    # PYTHONDONTWRITEBYTECODE never caches it, and each run would also time compiling the package again.
    for folder in spec.submodule_search_locations or ():
        compileall.compile_dir(folder, quiet=1)

    with tempfile.TemporaryDirectory(prefix="lbdedup-bench-out-") as tmp:
        report = Path(tmp) / f"report.{args.output_format}"
        command = [
            sys.executable, "-m", "lbdedup", "clean", "--format", args.output_format, "-o", str(report),
            *corpus.files,
        ]  # fmt: skip
        argv_bytes = sum(len(os.fsencode(arg)) + 1 for arg in command)
        if argv_bytes > ARGV_LIMIT:
            raise BenchError(f"argument list too long ({argv_bytes} bytes); use a smaller --mb", 2)
        variants: list[int | None] = args.jobs or [None]
        runs: dict[int | None, list[Run]] = {jobs: [] for jobs in variants}
        tokenize_runs: list[Run] = []
        tokenize = [sys.executable, "-c", TOKENIZE, *corpus.files]
        load = os.getloadavg()[0]
        # Variants alternate run by run, so that a busy spell of a shared machine hits them alike.
        for number in range(1, args.repeat + 1):
            tokenize_runs.append(time_run(tokenize, corpus.root, Path(tmp) / "stderr.log"))
            print(f"run {number}/{args.repeat} tokenize: {tokenize_runs[-1].seconds:.2f} s")
            for jobs in variants:
                jobs_args = [] if jobs is None else ["--jobs", str(jobs)]
                # Freeing the last run's 100+ MB report is the file system's work, not lbdedup's: every run
                # writes a new file, after the old one is gone for good (on a disk mounted with ``discard``,
                # writing soon after a large delete runs at a tenth of the speed until the blocks are freed).
                report.unlink(missing_ok=True)
                os.sync()
                run = time_run([*command, *jobs_args], corpus.root, Path(tmp) / "stderr.log")
                runs[jobs].append(run)
                label = "" if jobs is None else f" --jobs {jobs}"
                rss = f"peak RSS {run.max_rss_mib:.0f} MiB"
                print(f"run {number}/{args.repeat}{label}: {run.seconds:.2f} s, {rss}")
        output_mb = report.stat().st_size / 1e6
        statuses = count_blocks(report, args.output_format)

    rows = [
        ("command", f"lbdedup clean --format {args.output_format}"),
        ("input files", f"{len(corpus.files)}"),
        ("input MB", f"{input_mb:.2f}"),
        ("output MB", f"{output_mb:.2f}"),
        ("blocks", format_counts(statuses)),
        ("load average", f"{load:.2f} before the runs (on {os.cpu_count()} cores)"),
    ]
    for jobs, timed in runs.items():
        median = statistics.median(run.seconds for run in timed)
        rate = input_mb / median if median > 0 else float("inf")
        verdict = "PASS" if rate >= args.target else "FAIL"
        label = "" if jobs is None else f" (--jobs {jobs})"
        rows += [
            (f"runs (s){label}", ", ".join(f"{run.seconds:.2f}" for run in timed)),
            (f"median seconds{label}", f"{median:.2f}"),
            (f"MB/s{label}", f"{rate:.1f}"),
            (f"peak RSS MiB{label}", f"{max(run.max_rss_mib for run in timed):.0f}"),
            (f"target{label}", f">= {args.target:g} MB/s: {verdict}"),
        ]
    rows += _scale_rows(runs, tokenize_runs, corpus.total_bytes)
    if args.scaling_mb:
        rows += _scaling_rows(args, corpus_dir, runs, corpus.total_bytes)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def _scale_rows(
    runs: dict[int | None, list[Run]], tokenize_runs: list[Run], input_bytes: int
) -> list[tuple[str, str]]:
    """The columnar core's figures: wall time against the tokenizer's, peak RSS against the input."""
    tokenize = statistics.median(run.seconds for run in tokenize_runs)
    rows = [
        (
            "tokenize (s)",
            ", ".join(f"{run.seconds:.2f}" for run in tokenize_runs) + f"; median {tokenize:.2f}",
        )
    ]
    for jobs, timed in runs.items():
        label = "" if jobs is None else f" (--jobs {jobs})"
        ratio = statistics.median(run.seconds for run in timed) / tokenize if tokenize > 0 else float("inf")
        rss = max(run.max_rss_mib for run in timed) * (1 << 20) / input_bytes
        cpu = statistics.median(run.cpu_seconds for run in timed) / (input_bytes / 1e6)
        rows += [
            (
                f"wall / tokenize{label}",
                f"{ratio:.2f}x (<= {TARGET_TOKENIZE_RATIO:g}x: {_verdict(ratio <= TARGET_TOKENIZE_RATIO)})",
            ),
            (
                f"peak RSS / input{label}",
                f"{rss:.1f}x (<= {TARGET_RSS_RATIO:g}x: {_verdict(rss <= TARGET_RSS_RATIO)})",
            ),
            (f"CPU s per MB{label}", f"{cpu:.3f}"),
        ]
    return rows


def _scaling_rows(
    args: argparse.Namespace, corpus_dir: Path, runs: dict[int | None, list[Run]], input_bytes: int
) -> list[tuple[str, str]]:
    """CPU per MB of the main corpus against a corpus of ``--scaling-mb`` MB, timed after the main runs."""
    other = build_corpus(
        corpus_dir, default_workdir(args.scaling_mb, args.seed).resolve(), args.scaling_mb, args.seed
    )
    with tempfile.TemporaryDirectory(prefix="lbdedup-bench-out-") as tmp:
        report = Path(tmp) / "report.json"
        command = [
            sys.executable,
            "-m",
            "lbdedup",
            "clean",
            "--format",
            args.output_format,
            "-o",
            str(report),
            *other.files,
        ]
        timed = []
        for _ in range(args.repeat):
            report.unlink(missing_ok=True)
            timed.append(time_run(command, other.root, Path(tmp) / "stderr.log"))
    small = statistics.median(run.cpu_seconds for run in timed) / (other.total_bytes / 1e6)
    main_runs = next(iter(runs.values()))
    large = statistics.median(run.cpu_seconds for run in main_runs) / (input_bytes / 1e6)
    ratio = large / small if small > 0 else float("inf")
    return [
        (f"CPU s per MB at {other.total_bytes / 1e6:.0f} MB", f"{small:.3f}"),
        (
            "CPU per MB, larger / smaller",
            f"{ratio:.2f}x (<= {TARGET_CPU_SCALING:g}x: {_verdict(ratio <= TARGET_CPU_SCALING)})",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return benchmark(args)
    except BenchError as error:
        print(f"bench_clean: {error}", file=sys.stderr)
        return error.code
    except OSError as error:
        print(f"bench_clean: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
