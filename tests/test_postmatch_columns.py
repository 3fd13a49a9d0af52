"""Column versions of headlines_apart, merge_repeated_meta and the canonical choice equal the text ones."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import lbdedup.core
from lbdedup.canonical import choose_canonical, completeness, kept_members
from lbdedup.cli import app
from lbdedup.fingerprint import fingerprint
from lbdedup.model import META_KINDS, Block, BlockKind, KeepPolicy, default_hash
from lbdedup.postmatch import (
    MAX_LEAD_WORDS,
    LeadFacts,
    Match,
    exact_representatives,
    headlines_apart,
    headlines_apart_columns,
    lead_facts,
    merge_repeated_meta,
    merge_repeated_meta_columns,
)
from lbdedup.table import BlockTable, block_table

from . import reference_postmatch as old
from .conftest import FIXTURES

K = BlockKind
CASES = sorted(path for path in FIXTURES.iterdir() if (path / "input").is_dir())
EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LONG = " ".join(f"w{number}" for number in range(MAX_LEAD_WORDS + 1))
LIMIT = LONG.rsplit(" ", 1)[0]


def exact_of(keys: Sequence[str]) -> npt.NDArray[np.uint64]:
    """The exact hash of each key, as the fingerprint stage makes it."""
    return np.fromiter((default_hash(key.encode("utf-8")) for key in keys), dtype=np.uint64, count=len(keys))


def key_of(text: str) -> str:
    """A match key much as normalize makes one: case and spacing do not count."""
    return " ".join(text.casefold().split())


def key_keeping_case(text: str) -> str:
    """A match key of a normalizer that keeps case: lines in capitals are no exact copies."""
    return " ".join(text.split())


def blocks_of(docs: Sequence[Sequence[tuple[int | None, BlockKind, str]]]) -> list[Block]:
    """Blocks of documents given as (post, kind, text) lines."""
    return [
        Block(doc, f"s{doc}.txt", index, index + 1, index + 1, kind, text, post)
        for doc, lines in enumerate(docs)
        for index, (post, kind, text) in enumerate(lines)
    ]


def representatives(blocks: Sequence[Block], keyed: Callable[[str], str] = key_of) -> npt.NDArray[np.int64]:
    """Each block's exact group, by its key (meta lines alone)."""
    is_meta = np.array([block.kind in META_KINDS for block in blocks], dtype=bool)
    return exact_representatives(exact_of([keyed(block.text) for block in blocks]), is_meta)


def facts_by_parts(table: BlockTable, cuts: Sequence[int]) -> LeadFacts:
    """:func:`lead_facts` of the parts of ``table`` cut before documents ``cuts``, joined in order."""
    bounds = [0, *np.searchsorted(table.doc, sorted(set(cuts))).tolist(), len(table)]
    parts = [lead_facts(table.take(np.arange(start, end))) for start, end in pairwise(bounds)]
    return LeadFacts(*(np.concatenate(column) for column in zip(*parts, strict=True)))


def all_headlines_apart(
    blocks: Sequence[Block], representative: npt.NDArray[np.int64], matches: list[Match]
) -> list[Match]:
    """What the old, the wrapper and the column version (facts made by parts) give, asserted equal."""
    expected = old.headlines_apart(blocks, representative, list(matches))
    assert headlines_apart(blocks, representative, list(matches)) == expected
    table = block_table(blocks)
    for cuts in ([], list(range(1, int(table.doc.max(initial=0)) + 1))):
        facts = facts_by_parts(table, cuts)
        found = headlines_apart_columns(
            table.doc, table.post, table.kind, facts, representative, list(matches)
        )
        assert found == expected
    return expected


def all_merged(
    blocks: Sequence[Block], keys: Sequence[str], group: Sequence[int], cluster: Sequence[int]
) -> tuple[list[int], list[int]]:
    """What the old, the wrapper and the column version of merge_repeated_meta give, asserted equal."""
    expected = old.merge_repeated_meta(blocks, keys, group, cluster)
    wrapped = merge_repeated_meta(blocks, keys, group, cluster)
    table = block_table(blocks)
    columns = merge_repeated_meta_columns(table.doc, table.post, table.kind, exact_of(keys), group, cluster)
    as_lists = (expected[0].tolist(), expected[1].tolist())
    assert (wrapped[0].tolist(), wrapped[1].tolist()) == as_lists
    assert (columns[0].tolist(), columns[1].tolist()) == as_lists
    return as_lists


# Headlines over paragraphs.


def test_a_headline_repeated_by_its_paragraph_is_kept_apart() -> None:
    """A short first line under a time line, repeated by the paragraph after it, does not match it."""
    blocks = blocks_of([[(0, K.TIMESTAMP, "16.26"), (0, K.PARAGRAPH, "Is Smith running?"),
                         (0, K.PARAGRAPH, "Is Smith running? He hired staff.")]])  # fmt: skip
    matches: list[Match] = [(1, 2, 2, 1.0)]
    assert all_headlines_apart(blocks, representatives(blocks), matches) == []


def test_a_line_of_the_same_words_in_other_case_is_no_more_of_the_post() -> None:
    """A first line followed only by itself in capitals and other spacing is no headline: its match stays."""
    blocks = blocks_of([[(0, K.TIMESTAMP, "16.26"), (0, K.PARAGRAPH, "Is Smith running?"),
                         (0, K.PARAGRAPH, "IS SMITH   running?")],
                        [(None, K.PARAGRAPH, "Is Smith running? He hired staff.")]])  # fmt: skip
    matches: list[Match] = [(1, 3, 2, 1.0)]
    assert all_headlines_apart(blocks, representatives(blocks), matches) == matches
    # Also where the two are no exact copies (keys that keep case): only the words, casefolded, count.
    assert all_headlines_apart(blocks, representatives(blocks, key_keeping_case), matches) == matches
    blocks[2] = Block(0, "s0.txt", 2, 3, 3, K.PARAGRAPH, "IS SMITH   running!", 0)
    assert all_headlines_apart(blocks, representatives(blocks, key_keeping_case), matches) == []


def test_a_line_one_word_longer_follows_a_headline() -> None:
    """The same words and one more are more of the post: the first line is a headline."""
    blocks = blocks_of([[(0, K.PARAGRAPH, "Is Smith running?"), (0, K.PARAGRAPH, "is smith running? yes")],
                        [(None, K.PARAGRAPH, "Is Smith running? He hired staff.")]])  # fmt: skip
    matches: list[Match] = [(0, 2, 2, 1.0)]
    assert all_headlines_apart(blocks, representatives(blocks), matches) == []


def test_a_follower_copied_from_a_post_without_the_headline_is_no_more_of_the_post() -> None:
    """A line after the headline that copies another document's post with no copy of the headline goes."""
    blocks = blocks_of([[(0, K.PARAGRAPH, "Rain shut the port."), (0, K.PARAGRAPH, "Ferries wait.")],
                        [(0, K.TIMESTAMP, "10.22"), (0, K.PARAGRAPH, "Port shut"),
                         (0, K.PARAGRAPH, "Rain shut the port.")],
                        [(None, K.PARAGRAPH, "Port shut by the rain")]])  # fmt: skip
    matches: list[Match] = [(3, 5, 2, 0.9)]
    assert all_headlines_apart(blocks, representatives(blocks), matches) == matches
    # The same follower copied from a post that holds the headline's copy still follows it.
    blocks[1] = Block(0, "s0.txt", 1, 2, 2, K.PARAGRAPH, "Port shut", 0)
    assert all_headlines_apart(blocks, representatives(blocks), matches) == []


def test_a_first_line_too_long_or_after_content_is_no_headline() -> None:
    """One word over the limit, or a line after a paragraph, is no headline: its match stays."""
    long_lead = blocks_of([[(0, K.PARAGRAPH, LONG), (0, K.PARAGRAPH, "More.")],
                           [(None, K.PARAGRAPH, LONG + " and more")]])  # fmt: skip
    assert all_headlines_apart(long_lead, representatives(long_lead), [(0, 2, 2, 1.0)]) == [(0, 2, 2, 1.0)]
    shorter = blocks_of([[(0, K.PARAGRAPH, LIMIT), (0, K.PARAGRAPH, "More.")],
                         [(None, K.PARAGRAPH, LONG + " and more")]])  # fmt: skip
    assert all_headlines_apart(shorter, representatives(shorter), [(0, 2, 2, 1.0)]) == []
    second = blocks_of([[(0, K.PARAGRAPH, "Intro."), (0, K.PARAGRAPH, "Is it?"), (0, K.PARAGRAPH, "Yes.")],
                        [(None, K.PARAGRAPH, "Is it? Yes it is.")]])  # fmt: skip
    assert all_headlines_apart(second, representatives(second), [(1, 3, 2, 1.0)]) == [(1, 3, 2, 1.0)]


def test_lead_facts_mark_short_first_lines_and_their_echoes() -> None:
    """Only a post's first non-meta line of few words is short; echoes are its words again, casefolded."""
    blocks = blocks_of([[(0, K.BYLINE, "By Kim"), (0, K.PARAGRAPH, "Stra\u00dfe  shut"),
                         (0, K.QUOTE, "STRASSE shut"), (0, K.TIMESTAMP, "strasse shut"),
                         (0, K.PARAGRAPH, "strasse shut now"), (0, K.PARAGRAPH, "strasse"),
                         (1, K.PARAGRAPH, LONG), (1, K.PARAGRAPH, LONG),
                         (None, K.PARAGRAPH, "Kim"), (None, K.PARAGRAPH, "kim"),
                         (2, K.PARAGRAPH, LIMIT), (2, K.PARAGRAPH, LIMIT.upper())],
                        [(0, K.PARAGRAPH, "strasse shut")]])  # fmt: skip
    facts = lead_facts(block_table(blocks))
    assert np.flatnonzero(facts.short).tolist() == [1, 10, 12]
    assert np.flatnonzero(facts.echo).tolist() == [2, 11]
    # Only the posts that rows asked about open are read.
    rows = np.zeros(len(blocks), dtype=bool)
    rows[[0, 2, 6, 9, 10]] = True
    facts = lead_facts(block_table(blocks), rows)
    assert (np.flatnonzero(facts.short).tolist(), np.flatnonzero(facts.echo).tolist()) == ([10], [11])


def test_casefolding_keeps_every_word_a_word() -> None:
    """No character folds to or from whitespace: a line's word count is that of its casefolded words."""
    changed = [
        code
        for code in range(sys.maxunicode + 1)
        if len(chr(code).split()) != len(chr(code).casefold().split())
        or any(char.isspace() for char in chr(code).casefold()) != chr(code).isspace()
    ]
    assert changed == []


# Repeated meta lines.

SNAPSHOT = [(0, K.TIMESTAMP, "10.22"), (0, K.BYLINE, "by kim"), (0, K.PARAGRAPH, "rain fell"),
            (0, K.PARAGRAPH, "roads shut")]  # fmt: skip


def test_bylines_and_times_of_a_post_repeated_in_another_snapshot_merge() -> None:
    """A post copied whole into a second snapshot brings its time and byline into one group each."""
    blocks = blocks_of([SNAPSHOT, SNAPSHOT])
    keys = [key_of(block.text) for block in blocks]
    clusters = [0, 1, 2, 3, 4, 5, 2, 3]
    assert all_merged(blocks, keys, clusters, clusters) == ([0, 1, 2, 3, 0, 1, 2, 3],) * 2
    # Two posts that each say something the other does not keep their own meta lines.
    apart = blocks_of(
        [[*SNAPSHOT, (0, K.PARAGRAPH, "ferries wait")], [*SNAPSHOT, (0, K.PARAGRAPH, "trains run")]]
    )
    keys = [key_of(block.text) for block in apart]
    clusters = [0, 1, 2, 3, 4, 5, 6, 2, 3, 9]
    assert all_merged(apart, keys, clusters, clusters)[1] == clusters


def test_equal_furniture_under_both_posts_counts_as_shared() -> None:
    """Equal lines left alone in their clusters (furniture) under a post and its copy are the same line."""
    post = [*SNAPSHOT, (0, K.PARAGRAPH, "read our full report")]
    blocks = blocks_of([post, post])
    keys = [key_of(block.text) for block in blocks]
    clusters = [0, 1, 2, 3, 4, 5, 6, 2, 3, 9]
    assert all_merged(blocks, keys, clusters, clusters)[1] == [0, 1, 2, 3, 4, 0, 1, 2, 3, 9]
    # Other furniture under the copy: the copy says something the post does not, its meta lines stay.
    other = [*keys[:9], "read more"]
    assert all_merged(blocks, other, clusters, clusters)[1] == clusters


def test_exact_hashes_part_blocks_as_keys_do() -> None:
    """Blocks share a fingerprint's exact hash iff they share a key (on keys that differ in little)."""
    keys = ["by kim", "by kim ", "by kim", "By kim", "", "by  kim", "\u00e9", "e\u0301", "\u00e9"]
    exact = fingerprint(keys).exact
    assert exact.tolist() == exact_of(keys).tolist()
    for a, key in enumerate(keys):
        for b, other in enumerate(keys):
            assert (exact[a] == exact[b]) == (key == other), (a, b)


# Properties.

TEXTS = ["Is Kim in?", "is kim  in?", "IS KIM IN?", "Kim is in. She came by train.", "by kim", "10.22", "",
         LONG, LONG + " more", "Stra\u00dfe shut", "STRASSE SHUT"]  # fmt: skip
KEYED: list[Callable[[str], str]] = [key_of, key_keeping_case]
KINDS = [K.PARAGRAPH, K.PARAGRAPH, K.HEADING, K.TIMESTAMP, K.BYLINE, K.TITLE, K.QUOTE]


@st.composite
def runs(draw: st.DrawFn) -> list[Block]:
    """Documents of consecutive posts (or none) of lines drawn from a few texts and kinds."""
    docs = []
    for _ in range(draw(st.integers(1, 4))):
        lines: list[tuple[int | None, BlockKind, str]] = []
        post: int | None = draw(st.sampled_from([None, 0]))
        for _ in range(draw(st.integers(0, 10))):
            if post is not None and draw(st.integers(0, 3)) == 0:
                post += 1
            lines.append((post, draw(st.sampled_from(KINDS)), draw(st.sampled_from(TEXTS))))
        docs.append(lines)
    return blocks_of(docs)


@EXAMPLES
@given(runs(), st.data())
def test_headlines_apart_columns_equal_the_text_version(blocks: list[Block], data: st.DataObject) -> None:
    """On any posts and any matches of representatives, all versions drop the same matches."""
    representative = representatives(blocks, data.draw(st.sampled_from(KEYED)))
    firsts = sorted(set(representative.tolist()))
    pairs = st.tuples(st.sampled_from(firsts), st.sampled_from(firsts)).filter(
        lambda pair: pair[0] != pair[1]
    )
    drawn = data.draw(st.lists(st.tuples(pairs, st.sampled_from([None, 1, 2])), max_size=6)) if blocks else []
    matches: list[Match] = [(a, b, container, 0.9) for (a, b), container in drawn]
    all_headlines_apart(blocks, representative, matches)


@EXAMPLES
@given(runs(), st.data())
def test_merge_repeated_meta_columns_equal_the_key_version(blocks: list[Block], data: st.DataObject) -> None:
    """On any posts and clusters (meta lines alone), all versions merge the same meta lines."""
    keys = [key_of(block.text) for block in blocks]
    content = [index for index, block in enumerate(blocks) if block.kind not in META_KINDS]
    cluster = []
    group = []
    for index, block in enumerate(blocks):
        if block.kind in META_KINDS or not data.draw(st.booleans()):
            cluster.append(index)
            group.append(index)
        else:
            root = data.draw(st.sampled_from(content))
            cluster.append(root)
            group.append(root if data.draw(st.booleans()) else index)
    all_merged(blocks, keys, group, cluster)


# The golden fixtures, through the real pipeline.


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Make the pipeline check every call of the two stages against the old and the column versions."""
    calls = {"headlines_apart": 0, "merge_repeated_meta": 0}

    def spy(name: str, check: Callable[..., Any]) -> Callable[..., Any]:
        def spied(*args: Any) -> Any:
            calls[name] += 1
            return check(*args)

        return spied

    monkeypatch.setattr(lbdedup.core, "headlines_apart", spy("headlines_apart", all_headlines_apart))
    # The pipeline merges meta lines from columns only: the calls are counted; the text versions are compared
    # with it on the same inputs by the tests above, and the output must stay the golden one.
    monkeypatch.setattr(
        lbdedup.core, "merge_repeated_meta_columns", spy("merge_repeated_meta", merge_repeated_meta_columns)
    )
    return calls


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_golden_cases_give_the_same_through_columns(case: Path, compared: dict[str, int]) -> None:
    """Every call of the two stages on a golden case gives the same through all versions; output unchanged."""
    extra = (case / "args").read_text().split() if (case / "args").exists() else []
    inputs = [f"input/{path.name}" for path in sorted((case / "input").iterdir())]
    previous = Path.cwd()
    os.chdir(case)
    try:
        result = CliRunner().invoke(app, ["clean", "--format", "json", *extra, *inputs])
    finally:
        os.chdir(previous)
    assert result.exit_code == 0, result.output
    assert result.stdout == (case / "expected.json").read_text(encoding="utf-8")
    assert compared["merge_repeated_meta"] >= 1


# The canonical choice.


@EXAMPLES
@given(
    st.lists(
        st.lists(st.sampled_from(TEXTS[:4] + [t + " reuters" for t in TEXTS[:4]]), min_size=1, max_size=5),
        min_size=1,
        max_size=6,
    ),
    st.data(),
)
def test_kept_members_are_what_choose_canonical_keeps(clusters: list[list[str]], data: st.DataObject) -> None:
    """Both policies keep, from columns alone, the block choose_canonical keeps reading the texts."""
    keys = [key_of(text) for texts in clusters for text in texts]
    sizes = np.array([len(texts) for texts in clusters], dtype=np.int64)
    members = np.array(data.draw(st.permutations(range(len(keys)))), dtype=np.int64)
    words = [len(key.split()) for key in keys]
    content_words = np.array([completeness(key, count) for key, count in zip(keys, words, strict=True)])
    group = np.array(data.draw(st.lists(st.integers(0, 2), min_size=len(keys), max_size=len(keys))))
    starts = np.r_[0, np.cumsum(sizes)[:-1]].tolist()
    items = [
        members[start : start + size].tolist() for start, size in zip(starts, sizes.tolist(), strict=True)
    ]
    tops = np.array([group[data.draw(st.sampled_from(cluster))] for cluster in items], dtype=np.int64)
    for policy in KeepPolicy:
        expected = [
            choose_canonical(cluster, int(top), group.tolist(), words, keys, policy)
            for cluster, top in zip(items, tops, strict=True)
        ]
        assert kept_members(members, sizes, tops, group, content_words, policy).tolist() == expected
