"""How well lbdedup extracts the article from real news pages.

Runs over the 181 pages of the scrapinghub article-extraction benchmark (../shared/corpus/article-extraction:
html/<id>.html.gz and ground-truth.json with the human-extracted articleBody of each page). For each page the
clean text (lbdedup's kept blocks, bare: ``lbdedup clean page.html --provenance none``) is compared with
its articleBody by the F1 of word 4-gram multisets (tokens are ``\\w+`` runs; a text shorter than four
tokens is one shingle). Printed: the worst pages, the mean of the per-page F1, the benchmark's own summary
(F1 of the mean precision and mean recall), and the same figures for plain ``BeautifulSoup.get_text()``.

    python benchmarks/bench_extraction.py [--corpus DIR] [--worst 10] [--target 0.90]

Exit status: 0 when done (whether or not the target is met), 2 when the corpus is absent.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup

from lbdedup import dedupe, render_text
from lbdedup.read import decode

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "article-extraction"
SHINGLE = 4
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 of one page."""

    precision: float
    recall: float
    f1: float


def shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    if len(tokens) < SHINGLE:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1))


def score(truth: str, extracted: str) -> Score:
    expected, found = shingles(truth), shingles(extracted)
    common = sum((expected & found).values())
    extra = sum(found.values()) - common
    missing = sum(expected.values()) - common
    precision = common / (common + extra) if common + extra else (1.0 if not missing else 0.0)
    recall = common / (common + missing) if common + missing else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(precision, recall, f1)


def lbdedup_text(name: str, data: bytes) -> str:
    document = decode(name, data, fmt="html")
    return render_text(dedupe([document]), provenance=False)


def get_text(name: str, data: bytes) -> str:
    return BeautifulSoup(data.decode("utf-8", errors="replace"), "html.parser").get_text()


def summary(scores: list[Score]) -> str:
    mean_f1 = statistics.mean(s.f1 for s in scores)
    precision = statistics.mean(s.precision for s in scores)
    recall = statistics.mean(s.recall for s in scores)
    pooled = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return (
        f"mean F1 {mean_f1:.4f}  (precision {precision:.4f}, recall {recall:.4f}, "
        f"F1 of the means {pooled:.4f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="folder with html/ and ground-truth.json"
    )
    parser.add_argument("--worst", type=int, default=10, help="how many of the worst pages to list")
    parser.add_argument("--target", type=float, default=0.90, help="mean F1 to reach")
    args = parser.parse_args()

    truth_path = args.corpus / "ground-truth.json"
    if not truth_path.is_file():
        print(
            f"bench_extraction: {truth_path} not found (the corpus is not here; see --corpus)",
            file=sys.stderr,
        )
        return 2
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    pages: list[tuple[str, str, str, bytes]] = []
    for key, item in sorted(truth.items()):
        path = args.corpus / "html" / f"{key}.html.gz"
        if path.is_file():
            pages.append(
                (key, item.get("url", ""), item.get("articleBody", ""), gzip.decompress(path.read_bytes()))
            )
    if not pages:
        print(f"bench_extraction: no pages under {args.corpus / 'html'}", file=sys.stderr)
        return 2

    extractors: dict[str, Callable[[str, bytes], str]] = {"lbdedup": lbdedup_text, "get_text": get_text}
    results: dict[str, list[Score]] = {}
    seconds: dict[str, float] = {}
    for name, extract in extractors.items():
        started = time.perf_counter()
        results[name] = [score(body, extract(f"{key}.html", data)) for key, _, body, data in pages]
        seconds[name] = time.perf_counter() - started

    ranked = sorted(zip(results["lbdedup"], pages, strict=True), key=lambda pair: pair[0].f1)
    print(f"worst {args.worst} of {len(pages)} pages (F1, precision, recall, url):")
    for page_score, (_, url, _, _) in ranked[: args.worst]:
        print(f"  {page_score.f1:.3f}  P {page_score.precision:.2f}  R {page_score.recall:.2f}  {url}")
    megabytes = sum(len(page[3]) for page in pages) / 1e6
    for name in extractors:
        print(f"{name:<9} {summary(results[name])}  [{megabytes / seconds[name]:.1f} MB/s]")
    mean_f1 = statistics.mean(s.f1 for s in results["lbdedup"])
    verdict = "PASS" if mean_f1 >= args.target else "FAIL"
    print(f"target mean F1 >= {args.target:.2f}: {verdict} ({mean_f1:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
