"""On the real scraped blogs of ../shared/seeds: every scraper header and footer line goes, no news line does.

The expected line numbers were checked by hand against the files; the test is skipped where they are absent.
"""

from __future__ import annotations

from pathlib import Path

from lbdedup.core import dedupe
from lbdedup.model import Status
from lbdedup.read import read_source

# seed file -> line numbers of its boilerplate blocks, when all five are cleaned together.
EXPECTED = {
    "000_0e45324a3c0c05e1.txt": {55, 57, 59},  # source link, related posts, next post
    "001_d0d5220a039ae6e6.txt": set(),  # no furniture at all
    # scrape date, breadcrumb glued to the cut title, three "read our full report" prompts, the footer
    "002_a5e78246658a7300.txt": {1, 2, 30, 100, 140, 172, 174, 176, 178, 179, 181, 183, 185},
    "003_ec1a6c9069b0e11e.txt": {1},  # scrape date glued to the title, whose copy heads 004
    "004_2fedfe7c4d6c04c9.txt": {1, 145, 147, 149, 151, 153, 155},  # scrape date; teasers, comment form
}


def _boilerplate_lines(paths: list[Path]) -> dict[str, set[int]]:
    result = dedupe([read_source(str(path)) for path in paths])
    found: dict[str, set[int]] = {Path(path).name: set() for path in paths}
    for block in result.blocks:
        if block.status is Status.BOILERPLATE:
            found[Path(block.block.source).name].add(block.block.line_start)
    return found


def test_seeds_furniture(seeds: list[Path]) -> None:
    """Exactly the scraper furniture of the five seeds is boilerplate."""
    assert _boilerplate_lines(seeds) == {path.name: EXPECTED[path.name] for path in seeds}


def test_seed_title_alone_is_kept(seeds: list[Path]) -> None:
    """Cleaned on its own, 003 keeps its date-glued title: it is the page's only copy of the title."""
    (path,) = [path for path in seeds if path.name.startswith("003_")]
    assert _boilerplate_lines([path]) == {path.name: set()}
