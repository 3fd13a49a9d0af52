"""The boilerplate stage computed part by part (as the Dask engine runs it) finds what it finds whole."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lbdedup.boilerplate import (
    REPEATED_MAX_WORDS,
    BlockFacts,
    _block_facts,
    _may_repeat,
    _Run,
    _site_name_shaped,
    find_boilerplate,
    find_boilerplate_parts,
    merge_headlines,
    part_final_pass,
    part_first_pass,
    part_headlines,
    repeated_furniture,
)
from lbdedup.core import match_keys, segment_all
from lbdedup.fingerprint import Fingerprints, fingerprint
from lbdedup.model import META_KINDS, BoilerplateMode, Document, Options
from lbdedup.read import read_source
from lbdedup.table import BlockTable, block_table

from .conftest import FIXTURES

AUTO, STRICT, OFF = BoilerplateMode.AUTO, BoilerplateMode.STRICT, BoilerplateMode.OFF


def _page(*lines: str) -> str:
    return "\n\n".join(lines) + "\n"


# Five blogs on unrelated stories, with one site's furniture around each page: its header (a name, a
# tagline, a menu line), its footer, scrape dates, breadcrumbs, a title glued to a date whose clean copy
# heads another page, teasers under "Related Posts", and posts under clock times.
_HEADER = ("Coastal news and weather", "Tips and corrections", "Share this article")
_FOOTER = ("Leave a Reply", "Morning Harbour Ledger desk", "Back issues and archive")
CORPUS: dict[str, str] = {
    "flood.txt": _page(
        "2023-09-13",
        *_HEADER,
        "Flood live: the river rises over the old town",
        "09:15 BST",
        "The river rose two metres overnight and the old bridge is closed to every kind of traffic now.",
        "Related Posts",
        "Rescue teams reach the stranded villages by boat",
        "Harbour authority warns of a second surge tonight",
        *_FOOTER,
    ),
    "budget.txt": _page(
        " date 2023-09-13 Flood live: the river rises over the old town",
        *_HEADER,
        "Budget day live: the chancellor speaks",
        "11:40 GMT",
        "The chancellor told the chamber that borrowing would fall in each of the next five years.",
        "12:05 GMT",
        "Opposition leaders called the plan a gamble with the savings of working families across the land.",
        "Promo: half price subscriptions for a month",
        *_FOOTER,
    ),
    "match.txt": _page(
        "Home › Sport › Football",
        *_HEADER,
        "Cup final live: Rovers against City",
        "15:02 BST",
        "Rovers scored early from a corner that the City keeper should have claimed without any trouble.",
        "Source link",
        *_FOOTER,
    ),
    "storm.txt": _page(
        *_HEADER,
        "Last updated: 9 August 2016",
        "Storm Ciaran live: gusts close schools",
        "07:30 GMT",
        "Gusts of ninety miles an hour closed the coastal road and every school in the three counties.",
        "You may also like",
        "Ferries cancelled as the storm reaches the channel",
        *_FOOTER,
    ),
    "vote.txt": _page(
        _HEADER[0],
        "2023-09-14",
        *_HEADER[1:],
        "Election night live: the count begins",
        "22:00 BST",
        "Turnout in the northern wards was the highest since the boundary changes of the last decade.",
        "WEATHER DESK",
        *_FOOTER,
    ),
}
# Lines for generated pages: a site's furniture, page tops, times, bylines, teasers and news.
LINES = st.sampled_from(
    [
        "Flood live: the river rises over the old town",
        " date 2023-09-13 Flood live: the river rises over the old town",
        "Home › World › Europe",
        "HomeWorldFlood live: the river rises over the old town",
        "Last updated: 9 August 2016",
        "2023-09-13",
        "Tuesday, 7 March 2017",
        "09:15 BST",
        "11.40 GMT",
        "By Corinne Stavely",
        "By admin",
        "Morning Harbour Ledger",
        "Tips and corrections",
        "Latest headlines",
        "WEATHER DESK",
        "Share this article",
        "Source link",
        "Leave a Reply",
        "Related Posts",
        "Rescue teams reach the stranded villages by boat",
        "Promo: half price subscriptions for a month",
        "Goal! Rovers 2-1 City",
        "The river rose two metres overnight and the old bridge is closed to every kind of traffic now.",
        "Opposition leaders called the plan a gamble with the savings of working families across the land.",
        "Turnout in the northern wards was the highest since the boundary changes of the last decade.",
    ]
)


PATTERNS = {"drop_patterns": ("^Promo",), "keep_patterns": ("^Source link$",)}


def _front(texts: dict[str, str]) -> tuple[BlockTable, list[str], Fingerprints]:
    blocks = block_table(segment_all([Document(name, text) for name, text in texts.items()]))
    keys = match_keys(blocks)
    return blocks, keys, fingerprint(keys)


def _doc_starts(blocks: BlockTable) -> list[int]:
    return np.flatnonzero(np.r_[True, blocks.doc[1:] != blocks.doc[:-1]]).tolist() if len(blocks) else []


def _parts(
    blocks: BlockTable, keys: Sequence[str], prints: Fingerprints, cuts: Sequence[int]
) -> list[tuple[BlockTable, list[str], Fingerprints]]:
    """The run cut before each row of ``cuts`` (document starts), each part with its own columns."""
    edges = [0, *cuts, len(blocks)]
    parts = []
    for start, end in pairwise(edges):
        part_keys = list(keys[start:end])
        part_prints = fingerprint(part_keys)
        assert part_prints.exact.tolist() == prints.exact[start:end].tolist()
        parts.append((blocks.take(np.arange(start, end)), part_keys, part_prints))
    return parts


def _splittings(blocks: BlockTable) -> dict[str, list[int]]:
    starts = _doc_starts(blocks)[1:]
    return {
        "one part": [],
        "two parts": starts[len(starts) // 2 : len(starts) // 2 + 1],
        "a part per document": starts,
        "an empty part first": [0, *starts[:1]],
    }


OPTIONS = {
    "auto": Options(),
    "strict": Options(boilerplate=STRICT),
    "off": Options(boilerplate=OFF),
    "auto with patterns": Options(**PATTERNS),  # type: ignore[arg-type]  # Options' own fields
    "strict with patterns": Options(boilerplate=STRICT, **PATTERNS),  # type: ignore[arg-type]  # as above
    "off with patterns": Options(boilerplate=OFF, **PATTERNS),  # type: ignore[arg-type]  # as above
}


def _assert_same_in_parts(texts: dict[str, str], options: Options) -> dict[int, str]:
    blocks, keys, prints = _front(texts)
    whole = find_boilerplate(blocks, keys, prints, options)
    for name, cuts in _splittings(blocks).items():
        assert find_boilerplate_parts(_parts(blocks, keys, prints, cuts), options) == whole, name
    return whole


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_corpus_in_parts(name: str) -> None:
    """On pages with every kind of furniture, any splitting into parts finds what the whole run finds."""
    _assert_same_in_parts(CORPUS, OPTIONS[name])


def test_corpus_exercises_every_pass() -> None:
    """The corpus above gives every pass something to find (the test would prove little otherwise)."""
    blocks, keys, prints = _front(CORPUS)
    auto = find_boilerplate(blocks, keys, prints, Options(**PATTERNS))  # type: ignore[arg-type]  # fields
    strict = find_boilerplate(blocks, keys, prints, Options(boilerplate=STRICT))
    reasons = " | ".join([*auto.values(), *strict.values()])
    for expected in (
        "pattern: share buttons",
        "repeated in 5 unrelated sources",
        "scrape date at the top of the page",
        "scrape date glued to the title",
        "pattern: breadcrumb",
        "date label at the top of the page",
        "teaser under 'Related Posts'",
        "drop pattern '^Promo'",
        "all capitals at the edge of the page",
    ):
        assert expected in reasons
    # The keep pattern kept the source link that auto mode finds without it.
    source_link = blocks.texts().index("Source link")
    assert source_link not in auto
    assert source_link in find_boilerplate(blocks, keys, prints, Options())


def test_glued_title_needs_the_other_parts_headlines() -> None:
    """A title glued to a date is furniture because its copy heads a page of another part; parts see it."""
    texts = {name: CORPUS[name] for name in ("flood.txt", "budget.txt")}
    blocks, keys, prints = _front(texts)
    glued = next(row for row, text in enumerate(blocks.texts()) if text.startswith(" date"))
    whole = find_boilerplate(blocks, keys, prints, Options())
    assert whole[glued] == "scrape date glued to the title"
    cut = _doc_starts(blocks)[1]
    parts = _parts(blocks, keys, prints, [cut])
    assert find_boilerplate_parts(parts, Options()) == whole
    # Without the first part's headlines the second part cannot tell.
    second, second_keys, second_prints = parts[1]
    alone, _ = part_first_pass(second, second_keys, second_prints.word_counts, Options(), None, cut)
    assert glued - cut not in alone
    headlines = merge_headlines(part_headlines(table, part_keys, first) for (table, part_keys, _), first in
                                zip(parts, [0, cut], strict=True))  # fmt: skip
    within, _ = part_first_pass(second, second_keys, second_prints.word_counts, Options(), headlines, cut)
    assert within[glued - cut] == "scrape date glued to the title"


def test_repeated_furniture_reads_only_columns() -> None:
    """The cross-document pass, given each part's facts and finds, finds the repeated lines of the whole."""
    blocks, keys, prints = _front(CORPUS)
    parts = _parts(blocks, keys, prints, _doc_starts(blocks)[1:])
    found: dict[int, str] = {}
    facts = []
    first = 0
    for table, part_keys, part_prints in parts:
        within, part_facts = part_first_pass(table, part_keys, part_prints.word_counts, Options())
        found.update((first + row, reason) for row, reason in within.items())
        facts.append(pickle.loads(pickle.dumps(part_facts)))
        first += len(table)
    repeated = repeated_furniture(
        prints.exact, prints.word_counts, blocks.doc, BlockFacts.concat(facts), found, AUTO
    )
    whole = find_boilerplate(blocks, keys, prints, Options())
    assert repeated == {row: reason for row, reason in whole.items() if reason.startswith("repeated in")}
    # The header's two lines on five pages; the footer's two on the three where they are no teasers.
    assert len(repeated) == 2 * 5 + 2 * 3
    assert not set(repeated) & set(found)
    off = repeated_furniture(
        prints.exact, prints.word_counts, blocks.doc, BlockFacts.concat(facts), found, OFF
    )
    assert off == {}


def test_final_pass_finds_scrape_dates_uncovered_by_repetition() -> None:
    """A scrape date under a site name known only by repetition is marked by the final pass of its part."""
    blocks, keys, prints = _front(CORPUS)
    date = blocks.texts().index("2023-09-14")
    within, _ = part_first_pass(blocks, keys, prints.word_counts, Options())
    assert date not in within
    whole = find_boilerplate(blocks, keys, prints, Options())
    assert whole[date] == "scrape date at the top of the page"
    own = {**within, **{row: reason for row, reason in whole.items() if reason.startswith("repeated")}}
    assert part_final_pass(blocks, keys, Options(), own) == whole


def _assert_facts_hold(texts: dict[str, str], mode: BoilerplateMode) -> BlockFacts:
    blocks, keys, prints = _front(texts)
    run = _Run(blocks, keys, prints.word_counts, mode)
    facts = _block_facts(run)
    short = prints.word_counts <= REPEATED_MAX_WORDS[mode]
    expected = [
        bool(short[i])
        and (run.kinds[i] not in META_KINDS or _site_name_shaped(run, i))
        and _may_repeat(run, i)
        for i in range(len(blocks))
    ]
    assert facts.repeatable.tolist() == expected
    assert facts.post_time.tolist() == [run.post_time(i) for i in range(len(blocks))]
    assert facts.top_undated.tolist() == [run.top_undated(i) for i in range(len(blocks))]
    # Asked for some lines only, the facts hold for those and for the time lines next to them.
    lines = np.array([row for row in range(len(blocks)) if row % 3 == 0], dtype=np.int64)
    some = _block_facts(run, lines)
    assert some.repeatable.tolist() == [expected[i] and i % 3 == 0 for i in range(len(blocks))]
    near = {row + step for row in lines.tolist() for step in (-1, 1)}
    for column in ("post_time", "top_undated"):
        full, partial = getattr(facts, column), getattr(some, column)
        assert partial.tolist() == [bool(full[i]) and i in near for i in range(len(blocks))]
    return facts


@pytest.mark.parametrize("mode", [AUTO, STRICT])
def test_facts_are_the_per_block_tests(mode: BoilerplateMode) -> None:
    """Each block's facts are what _may_repeat, _Run.post_time and _Run.top_undated say of it."""
    facts = _assert_facts_hold(CORPUS, mode)
    assert facts.repeatable.any()
    assert facts.post_time.any()
    assert facts.top_undated.any()


@settings(max_examples=80, deadline=None)
@given(
    pages=st.lists(st.lists(LINES, min_size=1, max_size=12), min_size=1, max_size=5),
    mode=st.sampled_from([AUTO, STRICT]),
)
def test_facts_of_any_pages(pages: list[list[str]], mode: BoilerplateMode) -> None:
    """On generated pages too, the facts computed with numpy are the per-block tests."""
    _assert_facts_hold({f"p{number}.txt": _page(*lines) for number, lines in enumerate(pages)}, mode)


def test_facts_are_small_and_concatenate() -> None:
    """Facts cost three bytes a block, pickle, and concatenate part after part."""
    blocks, keys, prints = _front(CORPUS)
    starts = _doc_starts(blocks)
    _, whole = part_first_pass(blocks, keys, prints.word_counts, Options())
    pieces = [
        part_first_pass(table, part_keys, part_prints.word_counts, Options())[1]
        for table, part_keys, part_prints in _parts(blocks, keys, prints, starts[1:])
    ]
    joined = BlockFacts.concat(pieces)
    for column in ("repeatable", "post_time", "top_undated"):
        assert getattr(joined, column).tolist() == getattr(whole, column).tolist()
    assert sum(
        getattr(whole, column).nbytes for column in ("repeatable", "post_time", "top_undated")
    ) == 3 * len(blocks)
    assert len(BlockFacts.concat([])) == 0
    assert len(part_first_pass(blocks, keys, prints.word_counts, Options(boilerplate=OFF))[1]) == len(blocks)


def test_a_document_cut_between_parts_is_refused() -> None:
    """Parts hold whole documents: one cut in two would be two sources to the repetition pass."""
    blocks, keys, prints = _front(CORPUS)
    with pytest.raises(ValueError, match="cut between two parts"):
        find_boilerplate_parts(_parts(blocks, keys, prints, [_doc_starts(blocks)[1] + 2]), Options())


def test_parts_of_block_records() -> None:
    """Parts may be sequences of Block records, as find_boilerplate's blocks may."""
    blocks = segment_all([Document(name, text) for name, text in CORPUS.items()])
    keys = match_keys(blocks)
    prints = fingerprint(keys)
    cut = next(row for row, block in enumerate(blocks) if block.doc == 2)
    parts = [
        (blocks[:cut], keys[:cut], fingerprint(keys[:cut])),
        (blocks[cut:], keys[cut:], fingerprint(keys[cut:])),
    ]
    assert find_boilerplate_parts(parts, Options()) == find_boilerplate(blocks, keys, prints, Options())
    assert find_boilerplate_parts([], Options()) == {}


GOLDEN = sorted(path for path in FIXTURES.iterdir() if (path / "input").is_dir())


@pytest.mark.parametrize("case", GOLDEN, ids=[case.name for case in GOLDEN])
def test_golden_fixtures_in_parts(case: Path) -> None:
    """On every golden case's inputs, in every mode, the parts find what the whole finds."""
    documents = [read_source(str(path)) for path in sorted((case / "input").iterdir())]
    texts = {document.source: document.text for document in documents}
    for name in ("auto", "strict", "off with patterns"):
        _assert_same_in_parts(texts, OPTIONS[name])


@settings(max_examples=120, deadline=None)
@given(
    pages=st.lists(st.lists(LINES, min_size=1, max_size=12), min_size=1, max_size=7),
    cut_at=st.lists(st.booleans(), min_size=7, max_size=7),
    name=st.sampled_from(sorted(OPTIONS)),
)
def test_any_pages_any_parts(pages: list[list[str]], cut_at: list[bool], name: str) -> None:
    """For generated pages, cut into parts at any document starts, the parts find what the whole finds."""
    texts = {f"p{number}.txt": _page(*lines) for number, lines in enumerate(pages)}
    blocks, keys, prints = _front(texts)
    whole = find_boilerplate(blocks, keys, prints, OPTIONS[name])
    starts = _doc_starts(blocks)[1:]
    cuts = [start for start, cut in zip(starts, cut_at, strict=False) if cut]
    assert find_boilerplate_parts(_parts(blocks, keys, prints, cuts), OPTIONS[name]) == whole
