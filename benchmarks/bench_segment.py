"""Time the per-document segmentation (``segment_posts``: blocks, kinds, posts, times) summed over files.

Runs in this process, without the CLI. From a checkout it also times the reference implementation kept
as the tests' oracle (``tests/reference_segment``), alternating the two, and checks they give the same
blocks. Reports the median over ``--repeat`` runs of the wall and CPU seconds.

Usage::

    python benchmarks/bench_segment.py /tmp/lbdedup-bench-40mb-seed20240917-v1/*/*
    python benchmarks/bench_segment.py --repeat 5 FILE...

(``bench_clean.py --build-only`` builds the 40 MB corpus and prints where.) Exit status 0, or 2 when no
file is given or one cannot be read.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lbdedup.model import Block, Document  # after the checkout is put on the path
from lbdedup.posts import segment_posts
from lbdedup.read import InputError, read_source

Segmenter = Callable[[Document, int], tuple[Block, ...]]


def _run(segmenter: Segmenter, documents: Sequence[Document]) -> tuple[float, float, list[tuple[Block, ...]]]:
    started, cpu = time.perf_counter(), time.process_time()
    blocks = [segmenter(document, doc) for doc, document in enumerate(documents)]
    return time.perf_counter() - started, time.process_time() - cpu, blocks


def main(argv: Sequence[str] | None = None) -> int:
    """Print the median wall and CPU seconds of segment_posts over the files (and of the reference)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args(argv)
    try:
        documents = [read_source(path, "utf-8") for path in options.files]
    except InputError as error:
        print(f"bench_segment: {error}", file=sys.stderr)
        return 2
    segmenters: dict[str, Segmenter] = {"current": segment_posts}
    try:
        from tests.reference_segment.posts import segment_posts as reference
    except ImportError:
        pass
    else:
        segmenters["reference"] = reference
    gc.disable()  # as during a dedupe run (core.paused_gc)
    walls: dict[str, list[float]] = {name: [] for name in segmenters}
    cpus: dict[str, list[float]] = {name: [] for name in segmenters}
    for run in range(options.repeat):
        results = {}
        for name, segmenter in segmenters.items():
            wall, cpu, blocks = _run(segmenter, documents)
            walls[name].append(wall)
            cpus[name].append(cpu)
            results[name] = blocks
        if run == 0 and len(results) > 1 and results["current"] != results["reference"]:
            print("bench_segment: the current and reference segmentations differ", file=sys.stderr)
        del results
        gc.collect()
    count = sum(map(len, [segment_posts(document, 0) for document in documents]))
    megabytes = sum(len(document.text.encode("utf-8", "surrogatepass")) for document in documents) / 1e6
    print(f"{len(documents)} files, {megabytes:.1f} MB, {count} blocks, median of {options.repeat} runs")
    for name in segmenters:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"  {name:9s}  wall {wall:.3f} s  cpu {cpu:.3f} s")
    if len(segmenters) > 1:
        ratio = statistics.median(cpus["reference"]) / statistics.median(cpus["current"])
        print(f"  reference / current cpu: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
