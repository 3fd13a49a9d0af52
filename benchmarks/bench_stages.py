"""Where the time of ``lbdedup clean --format json`` goes: wall and CPU seconds and memory, stage by stage.

``bench_clean.py`` times the whole command; this script says which stage to work on. It builds (or reuses)
the same corpus, then runs what ``clean --format json -o FILE`` runs (read the files, ``dedupe``, write the
JSON report) in a fresh interpreter per run, with each stage of the core timed on its way through. A fresh
process per run matters: memory a process touches for the first time costs system time on some machines
(see README.md), and a second run in the same process would reuse the first one's pages.

Usage::

    python benchmarks/bench_stages.py                # 40 MB corpus, 3 runs, median per stage
    python benchmarks/bench_stages.py --quick        # 5 MB
    python benchmarks/bench_stages.py --repeat 5 --jobs 2

For each stage: the median wall seconds, the median CPU seconds of this process (user + system; a forked
worker's CPU is not in it), its share of the run's wall time, and the resident memory (MiB) when the stage
ended. "dedupe, other" is the part of ``dedupe`` no timed stage covers; "start-up" is the interpreter and
the imports. The stages are private functions of ``lbdedup.core``: a name that is gone is reported, not
timed. Exit status 0 when the runs ran, 1 when a run failed, 2 without the source corpus.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_clean

# The core's stages in the order they run, as ``lbdedup.core`` names them.
CORE_STAGES = (
    ("_front_all", "segment, normalize, fingerprint"),
    ("find_boilerplate", "boilerplate"),
    ("candidate_pairs", "candidate pairs"),
    ("_verify_span", "verify pairs"),
    ("cluster_blocks", "cluster"),
    ("merge_repeated_meta_columns", "repeated posts' meta"),
    ("_decide", "decide kept blocks"),
    ("_results", "result objects"),
    ("build_timelines", "timelines"),
    ("find_runs", "runs"),
)
Measure = dict[str, float]
JSON_STAGE = "render and write JSON"


def _resident_mib() -> float:
    """The resident memory of this process now (Linux), else its peak so far."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1 << 20)
    except OSError:
        import resource

        return bench_clean.rss_mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _cpu() -> float:
    times = os.times()
    return times.user + times.system


def _timed(function: Callable[..., Any], name: str, figures: dict[str, Measure]) -> Callable[..., Any]:
    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), _cpu()
        try:
            return function(*args, **kwargs)
        finally:
            measure = figures.setdefault(name, {"wall": 0.0, "cpu": 0.0})
            measure["wall"] += time.perf_counter() - wall
            measure["cpu"] += _cpu() - cpu
            measure["rss"] = _resident_mib()

    return timed


def one_run(files: Sequence[str], jobs: int, report: Path, started: float) -> dict[str, Any]:
    """Run what ``clean --format json -o report`` runs, in this process; the figures of every stage."""
    from lbdedup import core
    from lbdedup.model import Options
    from lbdedup.read import read_source
    from lbdedup.render import render_json_bytes

    figures: dict[str, Measure] = {"start-up": {"wall": time.time() - started, "cpu": _cpu()}}

    missing = []
    for name, label in CORE_STAGES:
        if hasattr(core, name):
            setattr(core, name, _timed(getattr(core, name), label, figures))
        else:
            missing.append(name)
    figures["start-up"]["rss"] = _resident_mib()

    def read_all() -> list[Any]:
        return [read_source(name) for name in files]

    documents = _timed(read_all, "read", figures)()
    result = _timed(core.dedupe, "dedupe", figures)(documents, Options(jobs=jobs))

    def write_report() -> None:
        with report.open("wb") as stream:
            for chunk in render_json_bytes(result):
                stream.write(chunk)

    _timed(write_report, JSON_STAGE, figures)()
    covered = [figures[label] for _, label in CORE_STAGES if label in figures]
    figures["dedupe, other"] = {
        "wall": figures["dedupe"]["wall"] - sum(measure["wall"] for measure in covered),
        "cpu": figures["dedupe"]["cpu"] - sum(measure["cpu"] for measure in covered),
        "rss": figures["dedupe"]["rss"],
    }
    return {"figures": figures, "missing": missing, "blocks": len(result.blocks)}


def _table(runs: list[dict[str, Measure]]) -> list[str]:
    """The median of each stage's figures over ``runs``, one line each, in the order the stages ran."""
    order = ["start-up", "read", *(label for _, label in CORE_STAGES), "dedupe, other"]
    order += [JSON_STAGE]
    total = statistics.median(sum(run[name]["wall"] for name in order if name in run) for run in runs)
    lines = [f"{'stage':34} {'wall s':>7} {'CPU s':>7} {'share':>6} {'RSS MiB':>8}"]
    for name in order:
        if not all(name in run for run in runs):
            continue
        wall = statistics.median(run[name]["wall"] for run in runs)
        cpu = statistics.median(run[name]["cpu"] for run in runs)
        rss = statistics.median(run[name]["rss"] for run in runs)
        lines.append(f"{name:34} {wall:7.2f} {cpu:7.2f} {wall / total:6.0%} {rss:8.0f}")
    lines.append(f"{'total (median of the runs)':34} {total:7.2f}")
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench_stages.py", description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=bench_clean.DEFAULT_CORPUS)
    parser.add_argument("--mb", type=float, default=40.0, help="corpus size in MB (default 40)")
    parser.add_argument("--quick", action="store_true", help=f"a {bench_clean.QUICK_MB:g} MB corpus")
    parser.add_argument("--repeat", type=int, default=3, help="runs, each in a new process (default 3)")
    parser.add_argument("--jobs", type=int, default=1, help="lbdedup's --jobs (default 1, its default)")
    parser.add_argument("--seed", type=int, default=bench_clean.SEED)
    parser.add_argument("--workdir", type=Path, help="corpus cache folder")
    parser.add_argument("--one-run", nargs=2, metavar=("FILES_JSON", "STARTED"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.jobs < 1:
        parser.error("--repeat and --jobs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lbdedup-bench-stages-") as tmp:
        if args.one_run:
            files = json.loads(Path(args.one_run[0]).read_text(encoding="utf-8"))
            print(json.dumps(one_run(files, args.jobs, Path(tmp) / "report.json", float(args.one_run[1]))))
            return 0
        mb = bench_clean.QUICK_MB if args.quick else args.mb
        workdir = args.workdir or bench_clean.default_workdir(mb, args.seed)
        try:
            corpus = bench_clean.build_corpus(args.corpus.resolve(), workdir.resolve(), mb, args.seed)
        except bench_clean.BenchError as error:
            print(f"bench_stages: {error}", file=sys.stderr)
            return error.code
        files_json = Path(tmp) / "files.json"
        files_json.write_text(
            json.dumps([str(corpus.root / name) for name in corpus.files]), encoding="utf-8"
        )
        print(f"corpus: {len(corpus.files)} files, {corpus.total_bytes / 1e6:.2f} MB in {corpus.root}")
        print(f"load average {os.getloadavg()[0]:.2f} before the runs (on {os.cpu_count()} cores)")
        runs: list[dict[str, Measure]] = []
        for number in range(1, args.repeat + 1):
            command = [sys.executable, __file__, "--jobs", str(args.jobs), "--one-run", str(files_json)]
            # From the corpus folder: ``python`` puts the working folder on sys.path, and from a checkout
            # it would import that checkout's lbdedup, not the installed one.
            done = subprocess.run(
                [*command, repr(time.time())], cwd=corpus.root, capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                lines = done.stderr.strip().splitlines()
                print(
                    f"bench_stages: run {number} failed: {lines[-1] if lines else 'no message'}",
                    file=sys.stderr,
                )
                return 1
            answer = json.loads(done.stdout)
            runs.append(answer["figures"])
            figures = answer["figures"]
            wall = sum(figures[name]["wall"] for name in ("start-up", "read", "dedupe", JSON_STAGE))
            print(f"run {number}/{args.repeat}: {answer['blocks']} blocks, {wall:.2f} s")
        for name in answer["missing"]:
            print(f"not timed: lbdedup.core has no {name}")
    print()
    print("\n".join(_table(runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
