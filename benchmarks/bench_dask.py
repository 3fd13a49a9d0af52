"""Benchmark ``lbdedup clean --engine dask`` against the local engine on the corpus of bench_clean.py.

The corpus is bench_clean's (built once from ``../shared/corpus/liveblogs``, then cached in the temp folder):
one page per blog, some blogs with a second snapshot page. Each round runs, each in a fresh process::

    python -m lbdedup clean FILE... -f json -q -o REPORT                          # local engine
    python -m lbdedup clean FILE... -f json -q -o REPORT --engine dask --workers 2

alternating, ``--repeat`` rounds. The dask engine's workers are child processes of the lbdedup process, so
each run is measured as a process tree. A thread reads ``/proc`` every 0.2 s for every process of the tree:
its command line (main process, dask worker, forked copy, multiprocessing helper) and its high-water mark of
resident memory (VmHWM: a peak between two samples is not missed). The CPU time of the tree is exact: the
lbdedup process's ``os.wait4`` figures cover the children it reaped (the workers, when the cluster stops),
and this script makes itself the tree's child subreaper, so that a process left behind is reaped here and
its figures added. Per run: wall time, CPU time of the tree, peak RSS of the main process and of each worker,
input MB/s. Then: whether the two engines' reports are byte-identical (sha256 of the files), dask wall over
local wall against the issue's target (<= 1.5x at 160 MB), and the largest worker's peak RSS over the input
size. Medians over the rounds.

Usage::

    python benchmarks/bench_dask.py                  # 160 MB corpus, one round
    python benchmarks/bench_dask.py --mb 40 --repeat 3
    python benchmarks/bench_dask.py --mb 267 --copies 4   # the 1 GB run (the shared corpus holds 267 MB)
    python benchmarks/bench_dask.py --mb 40 --files 200   # a quick try on the first 200 pages

Exit status: 0 when the measurement ran, whatever the figures, and when it is skipped (no source corpus, dask
not installed, no ``/proc``); 1 when an lbdedup command failed; 2 on wrong options. Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import compileall
import ctypes
import hashlib
import importlib.util
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_clean

DEFAULT_MB = 160.0
WORKERS = 2
TARGET_WALL_RATIO = 1.5  # dask wall / local wall, at 160 MB (issue 16)
SAMPLE_SECONDS = 0.2
REAP_SECONDS = 60.0  # how long workers left behind may take to exit before they are killed
PR_SET_CHILD_SUBREAPER = 36
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
ENGINES = ("local", "dask")
# multiprocessing's own helper processes: a few MiB each, neither the main process nor a worker.
HELPERS = ("resource_tracker", "forkserver")
WORKER_MARKS = (b"multiprocessing", b"distributed")


@dataclass
class Proc:
    """One process of the tree, as sampled (and, once reaped here, as ``os.wait4`` reported it)."""

    role: str  # main, worker, fork (a forked copy of its parent), helper, other (a command it ran)
    peak_kib: int = 0
    cpu_seconds: float = 0.0


@dataclass
class TreeRun:
    """One timed run of the lbdedup command, as a process tree."""

    engine: str
    seconds: float
    cpu_seconds: float  # every process of the tree, user + system
    main_peak_mib: float
    worker_peaks_mib: list[float]
    fork_peak_mib: float  # forked copies share their parent's pages: their RSS counts those again
    report_sha256: str


@dataclass
class Sampler:
    """Reads ``/proc`` for every descendant of this process, every :data:`SAMPLE_SECONDS`, in a thread."""

    root: int
    procs: dict[int, Proc] = field(default_factory=dict)
    cmdlines: dict[int, bytes] = field(default_factory=dict)
    reaped_here: set[int] = field(default_factory=set)  # reaped by this script (orphans), not by their parent
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        """Sample until stopped (the thread's target)."""
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(SAMPLE_SECONDS)

    def sample(self) -> None:
        """Read every process of the tree once."""
        for pid, ppid in descendants(os.getpid()):
            figures = read_proc(pid)
            if figures is None:
                continue
            cmdline, hwm_kib, cpu = figures
            with self.lock:
                proc = self.procs.get(pid)
                if proc is None and not cmdline:
                    continue  # first seen as a zombie: its parent's wait4 figures count it
                if proc is None:
                    proc = self.procs[pid] = Proc(self.role_of(pid, ppid, cmdline))
                    self.cmdlines[pid] = cmdline
                proc.peak_kib = max(proc.peak_kib, hwm_kib)
                proc.cpu_seconds = max(proc.cpu_seconds, cpu)

    def role_of(self, pid: int, ppid: int, cmdline: bytes) -> str:
        """What a process newly seen is, from its command line and its parent's."""
        if pid == self.root:
            return "main"
        # A fork keeps its parent's command line (a forkserver's child is a worker); a dask worker is a new
        # interpreter started by multiprocessing (spawn_main) or by distributed's own commands.
        if self.cmdlines.get(ppid) == cmdline:
            parent = self.procs.get(ppid)
            return "worker" if parent is not None and parent.role == "helper" else "fork"
        if any(name.encode() in cmdline for name in HELPERS):
            return "helper"
        return "worker" if any(name in cmdline for name in WORKER_MARKS) else "other"

    def reaped(self, pid: int, usage: resource.struct_rusage) -> None:
        """Take a reaped process's exact figures (``usage`` covers it and the children it reaped)."""
        with self.lock:
            proc = self.procs.setdefault(pid, Proc("other"))  # never seen alive
            proc.cpu_seconds = max(proc.cpu_seconds, usage.ru_utime + usage.ru_stime)
            proc.peak_kib = max(proc.peak_kib, usage.ru_maxrss)
            self.reaped_here.add(pid)


def descendants(parent: int) -> list[tuple[int, int]]:
    """Every descendant of ``parent`` as (pid, ppid), from ``/proc/PID/task/TID/children``."""
    found: list[tuple[int, int]] = []
    todo = [parent]
    while todo:
        pid = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found.append((child, pid))
                todo.append(child)
    return found


def read_proc(pid: int) -> tuple[bytes, int, float] | None:
    """A process's command line, high-water mark of RSS (KiB; 0 for a zombie) and CPU seconds so far."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        stat = Path(f"/proc/{pid}/stat").read_bytes()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    # The command name in parentheses may hold spaces: the fields start after the last ')'.
    fields = stat[stat.rindex(b")") + 2 :].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    hwm = 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            hwm = int(line.split()[1])
    return cmdline, hwm, cpu


def become_subreaper() -> bool:
    """Make this process its descendants' subreaper: orphaned workers are reaped (and counted) here."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def reap_orphans(sampler: Sampler) -> int:
    """Wait for the processes the lbdedup process left behind (now children here); return how many."""
    deadline = time.monotonic() + REAP_SECONDS
    count = 0
    while True:
        try:
            pid, _, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return count
        if pid:
            sampler.reaped(pid, usage)
            count += 1
            continue
        if time.monotonic() > deadline:
            for child, _ in descendants(os.getpid()):
                with_pid = (
                    f"bench_dask: killing process {child}, still running {REAP_SECONDS:g} s after lbdedup"
                )
                print(with_pid, file=sys.stderr)
                os.kill(child, signal.SIGKILL)
            deadline = float("inf")
        time.sleep(0.05)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def time_tree(engine: str, command: Sequence[str], cwd: Path, report: Path, log: Path) -> TreeRun:
    """Run ``command`` once and measure its whole process tree."""
    report.unlink(missing_ok=True)
    # Writing a large file soon after deleting one is slow on a disk mounted with ``discard`` (bench_clean).
    os.sync()
    with log.open("wb") as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr
        )
        sampler = Sampler(proc.pid)
        thread = threading.Thread(target=sampler.run, daemon=True)
        thread.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        reap_orphans(sampler)
        sampler.stop.set()
        thread.join()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
    if proc.returncode != 0:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        reason = lines[-1] if lines else "no message"
        raise bench_clean.BenchError(f"lbdedup ({engine}) failed (exit {proc.returncode}): {reason}", 1)
    procs = sampler.procs
    main = procs.setdefault(proc.pid, Proc("main"))
    others = {pid: p for pid, p in procs.items() if pid != proc.pid}
    # wait4's figures for the main process also cover the children it reaped itself: their CPU is in its CPU,
    # and its ru_maxrss is the largest of their peaks and its own, so it is its own only when above theirs.
    by_main = [p.peak_kib for pid, p in others.items() if pid not in sampler.reaped_here]
    if usage.ru_maxrss > max(by_main, default=0):
        main.peak_kib = max(main.peak_kib, usage.ru_maxrss)
    cpu = usage.ru_utime + usage.ru_stime
    cpu += sum(p.cpu_seconds for pid, p in others.items() if pid in sampler.reaped_here)
    return TreeRun(
        engine=engine,
        seconds=seconds,
        cpu_seconds=cpu,
        main_peak_mib=main.peak_kib / 1024,
        worker_peaks_mib=[p.peak_kib / 1024 for p in others.values() if p.role == "worker"],
        fork_peak_mib=max((p.peak_kib / 1024 for p in others.values() if p.role == "fork"), default=0.0),
        report_sha256=sha256_of(report),
    )


def describe(run: TreeRun) -> str:
    """One run on one line."""
    parts = [f"{run.seconds:.2f} s", f"CPU {run.cpu_seconds:.1f} s", f"main peak {run.main_peak_mib:.0f} MiB"]
    if run.worker_peaks_mib:
        peaks = ", ".join(f"{peak:.0f}" for peak in run.worker_peaks_mib)
        parts.append(f"{len(run.worker_peaks_mib)} workers peak {peaks} MiB")
    if run.fork_peak_mib:
        parts.append(f"forks peak {run.fork_peak_mib:.0f} MiB")
    return ", ".join(parts)


# --------------------------------------------------------------------------- command line


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="bench_dask.py",
        description="Time `lbdedup clean --engine dask` against the local engine on bench_clean's corpus.",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=bench_clean.DEFAULT_CORPUS,
        help="folder holding liveblogs/*.jsonl.gz (%(default)s)",
    )
    parser.add_argument("--mb", type=float, default=DEFAULT_MB, help="corpus size in MB of text (160)")
    parser.add_argument("--files", type=int, default=0, help="only the first N pages of the corpus (all)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds (local then dask); medians (1)")
    parser.add_argument("--workers", type=int, default=WORKERS, help="dask --workers (2)")
    parser.add_argument(
        "--copies",
        type=int,
        default=1,
        help="the corpus this many times over, each copy in a folder of its own (the same blogs scraped "
        "again): the shared corpus holds 267 MB of text, so a 1 GB run is --mb 267 --copies 4 (1)",
    )
    parser.add_argument(
        "--workdir", type=Path, help="corpus cache folder (default: bench_clean's folder in the temp dir)"
    )
    parser.add_argument(
        "--seed", type=int, default=bench_clean.SEED, help="random seed of the corpus generator"
    )
    args = parser.parse_args(argv)
    if args.mb <= 0 or args.repeat < 1 or args.files < 0 or args.workers < 1 or args.copies < 1:
        parser.error("--mb must be positive, --repeat, --workers and --copies at least 1, --files at least 0")
    return args


def copied_corpus(root: Path, files: Sequence[str], copies: int) -> tuple[Path, list[str]]:
    """``files`` of ``root`` copied ``copies`` times into ``copy-0/``, ``copy-1/``... of a folder beside it.

    Real copies, not links: lbdedup reads a file named twice (a hard link is one file) once. Reused when
    already made.
    """
    target = root.parent / f"{root.name}-x{copies}"
    names = [f"copy-{number}/{name}" for number in range(copies) for name in files]
    done = target / ".complete"
    if not done.exists():
        for number in range(copies):
            for name in files:
                destination = target / f"copy-{number}" / name
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes((root / name).read_bytes())
        done.touch()
    return target, names


def skip_reason(corpus_dir: Path) -> str | None:
    """Why the benchmark cannot run here, or None."""
    if not bench_clean.source_files(corpus_dir):
        return f"no liveblogs/*.jsonl.gz under {corpus_dir} (the shared corpus is absent; use --corpus)"
    if importlib.util.find_spec("distributed") is None:
        return "dask is not installed (pip install 'lbdedup[dask]')"
    if not Path(f"/proc/{os.getpid()}/task").is_dir():
        return "no /proc: the process tree is measured from /proc (Linux only)"
    return None


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def benchmark(args: argparse.Namespace) -> int:
    """Build the corpus, run both engines alternately and print the figures."""
    corpus_dir = Path(args.corpus).resolve()
    reason = skip_reason(corpus_dir)
    if reason is not None:
        print(f"bench_dask: skipped: {reason}")
        return 0
    spec = importlib.util.find_spec("lbdedup")
    if spec is None:
        raise bench_clean.BenchError(f"lbdedup is not installed for {sys.executable} (pip install -e .)", 1)
    workdir = Path(args.workdir) if args.workdir else bench_clean.default_workdir(args.mb, args.seed)
    corpus = bench_clean.build_corpus(corpus_dir, workdir.resolve(), args.mb, args.seed)
    files = list(corpus.files[: args.files] if args.files else corpus.files)
    root = corpus.root
    page_dirs = list(bench_clean.PAGE_DIRS)
    if args.copies > 1:
        root, files = copied_corpus(corpus.root, files, args.copies)
        page_dirs = [f"copy-{number}" for number in range(args.copies)]
    input_bytes = sum((root / name).stat().st_size for name in files)
    input_mb = input_bytes / 1e6
    built = "reused" if corpus.build_seconds is None else f"built in {corpus.build_seconds:.1f} s"
    print(f"corpus: {len(files)} of {len(corpus.files)} files, {input_mb:.2f} MB in {root} ({built})")
    # As bench_clean: an editable checkout under PYTHONDONTWRITEBYTECODE would compile lbdedup in every run.
    for folder in spec.submodule_search_locations or ():
        compileall.compile_dir(folder, quiet=1)
    subreaper = become_subreaper()
    if not subreaper:
        print("bench_dask: cannot become a subreaper: a worker outliving lbdedup is counted as last sampled")

    paths: list[str] = files
    if sum(len(os.fsencode(name)) + 1 for name in files) > bench_clean.ARGV_LIMIT:
        if args.files:
            raise bench_clean.BenchError("argument list too long; use a smaller --files", 2)
        # lbdedup walks a folder in name order, which is the order of the corpus's own list.
        paths = page_dirs
        print("the file list is too long for one command line: passing the folders", " ".join(paths))
    dask_args = ["--engine", "dask", "--workers", str(args.workers)]
    runs: dict[str, list[TreeRun]] = {engine: [] for engine in ENGINES}
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="lbdedup-bench-dask-") as tmp:
        report = Path(tmp) / "report.json"
        base = [sys.executable, "-m", "lbdedup", "clean", *paths, "-f", "json", "-q", "-o", str(report)]
        # The engines alternate run by run, so that a busy spell of a shared machine hits both alike.
        for number in range(1, args.repeat + 1):
            for engine in ENGINES:
                command = [*base, *dask_args] if engine == "dask" else base
                run = time_tree(engine, command, root, report, Path(tmp) / "stderr.log")
                runs[engine].append(run)
                print(f"run {number}/{args.repeat} {engine}: {describe(run)}", flush=True)
        output_mb = report.stat().st_size / 1e6

    rows = [
        ("command", "lbdedup clean FILES -f json -q -o OUT [--engine dask --workers N]"),
        ("input files", f"{len(files)}"),
        ("input MB", f"{input_mb:.2f}"),
        ("output MB", f"{output_mb:.2f}"),
        ("load average", f"{load:.2f} before the runs (on {os.cpu_count()} cores)"),
    ]
    for engine, timed in runs.items():
        label = f" ({engine}{'' if engine == 'local' else f', {args.workers} workers'})"
        wall = _median([run.seconds for run in timed])
        rows += [
            (f"wall s{label}", ", ".join(f"{run.seconds:.2f}" for run in timed) + f"; median {wall:.2f}"),
            (f"MB/s{label}", f"{input_mb / wall:.1f}" if wall > 0 else "inf"),
            (f"CPU s, process tree{label}", f"{_median([run.cpu_seconds for run in timed]):.1f}"),
            (f"main peak RSS MiB{label}", f"{_median([run.main_peak_mib for run in timed]):.0f}"),
        ]
        if any(run.worker_peaks_mib for run in timed):
            largest = _median([max(run.worker_peaks_mib, default=0.0) for run in timed])
            count = max(len(run.worker_peaks_mib) for run in timed)
            rows.append((f"largest worker peak RSS MiB{label}", f"{largest:.0f} (of {count} workers)"))
    hashes = {run.report_sha256 for timed in runs.values() for run in timed}
    rows.append(("results equal", "yes" if len(hashes) == 1 else f"no ({len(hashes)} different reports)"))
    local_wall = _median([run.seconds for run in runs["local"]])
    ratio = _median([run.seconds for run in runs["dask"]]) / local_wall if local_wall > 0 else float("inf")
    verdict = "PASS" if ratio <= TARGET_WALL_RATIO else "FAIL"
    rows.append(("dask wall / local wall", f"{ratio:.2f}x (<= {TARGET_WALL_RATIO:g}x: {verdict})"))
    worker_peak = _median([max(run.worker_peaks_mib, default=0.0) for run in runs["dask"]])
    rows.append(("largest worker peak RSS / input", f"{worker_peak * (1 << 20) / input_bytes:.2f}x"))
    main_peak = _median([run.main_peak_mib for run in runs["dask"]])
    rows.append(("dask main peak RSS / input", f"{main_peak * (1 << 20) / input_bytes:.2f}x"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return benchmark(args)
    except bench_clean.BenchError as error:
        print(f"bench_dask: {error}", file=sys.stderr)
        return error.code
    except OSError as error:
        print(f"bench_dask: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
