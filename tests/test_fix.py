"""The fixer: fix_text keeps layout, encoding and newlines; check_kept_copies guards the kept copy."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lbdedup.check
import lbdedup.fix
from lbdedup.core import dedupe
from lbdedup.fix import FixInvariantError, check_kept_copies, encode_document_text, fix_text
from lbdedup.model import BlockRef, BlockResult, DedupeResult, Document, Status
from lbdedup.read import decode
from lbdedup.segment import segment


def _fixed(text: str, drop_lines: set[int], newline: str = "\n") -> str:
    document = Document("a.txt", text, newline=newline)
    results = [
        BlockResult(block, Status.DUPLICATE if block.line_start in drop_lines else Status.UNIQUE)
        for block in segment(document)
    ]
    return fix_text(document, results)


FIX_CASES = [
    # (name, text, first lines of the blocks to drop, expected)
    ("nothing dropped", "A one.\n\nB two.\n", set(), "A one.\n\nB two.\n"),
    ("middle paragraph", "A one.\n\nB two.\n\nC three.\n", {3}, "A one.\n\nC three.\n"),
    ("first paragraph", "A one.\n\nB two.\n\nC three.\n", {1}, "B two.\n\nC three.\n"),
    ("last paragraph", "A one.\n\nB two.\n\nC three.\n", {5}, "A one.\n\nB two.\n"),
    ("crlf kept", "A one.\r\n\r\nB two.\r\n\r\nC three.\r\n", {3}, "A one.\r\n\r\nC three.\r\n"),
    ("two blank lines kept", "A one.\n\n\nB two.\n\n\nC three.\n", {4}, "A one.\n\n\nC three.\n"),
    ("uneven gaps", "A one.\n\nB two.\n\n\n\nC three.\n", {3}, "A one.\n\n\n\nC three.\n"),
    ("one per line", "A one.\nB two.\nC three.\n", {2}, "A one.\nC three.\n"),
    ("line inside a paragraph", "A one.\nB two.\n\nC three.\n", {2}, "A one.\n\nC three.\n"),
    ("no final newline", "A one.\n\nB two.", {3}, "A one."),
    ("no final newline kept", "A one.\n\nB two.", {1}, "B two."),
    ("leading blank lines", "\n\nA one.\n\nB two.\n", {3}, "\n\nB two.\n"),
    ("trailing blank lines", "A one.\n\nB two.\n\n\n", {3}, "A one.\n\n\n"),
    ("whitespace-only gap", "A one.\n  \nB two.\n \t\nC three.\n", {3}, "A one.\n \t\nC three.\n"),
    ("everything dropped", "A one.\n\nB two.\n", {1, 3}, ""),
    ("mixed newlines", "A one.\r\n\nB two.\n\r\nC three.\r\n", {3}, "A one.\r\n\r\nC three.\r\n"),
]


@pytest.mark.parametrize(
    ("text", "drop", "expected"), [case[1:] for case in FIX_CASES], ids=[c[0] for c in FIX_CASES]
)
def test_fix_text(text: str, drop: set[int], expected: str) -> None:
    """fix_text drops exactly the removed blocks' lines and keeps the layout around them."""
    assert _fixed(text, drop) == expected


def test_fix_text_keeps_bom_and_codec() -> None:
    """A UTF-8 BOM and a non-UTF-8 codec survive a fix byte for byte."""
    data = "\ufeffOne caf\u00e9.\r\n\r\nTwo.\r\n".encode()
    document = decode("a.txt", data)
    results = [BlockResult(b, Status.DUPLICATE if b.index == 1 else Status.UNIQUE) for b in segment(document)]
    assert encode_document_text(document, fix_text(document, results)) == "\ufeffOne caf\u00e9.\r\n".encode()
    latin = decode("b.txt", "Caf\u00e9 one.\n\nTwo.\n".encode("cp1252"), encoding="cp1252")
    results = [BlockResult(b, Status.DUPLICATE if b.index == 1 else Status.UNIQUE) for b in segment(latin)]
    assert encode_document_text(latin, fix_text(latin, results)) == "Caf\u00e9 one.\n".encode("cp1252")


paragraph = st.text(alphabet="abc .", min_size=1, max_size=12).filter(lambda s: s.strip() != "")
gap = st.sampled_from(["\n", "\n\n", "\n\n\n", "\r\n\r\n"])


@given(st.lists(st.tuples(paragraph, gap), min_size=1, max_size=8), st.data())
def test_fix_text_property(parts: list[tuple[str, str]], data: st.DataObject) -> None:
    """Kept lines stay in order and no gap grows longer than the longest gap of the input."""
    text = "".join(body + separator for body, separator in parts)
    document = Document("a.txt", text)
    blocks = segment(document)
    drop = data.draw(st.sets(st.sampled_from([b.index for b in blocks])) if blocks else st.just(set()))
    results = [BlockResult(b, Status.DUPLICATE if b.index in drop else Status.UNIQUE) for b in blocks]
    fixed = fix_text(document, results)
    kept = [line for b in blocks if b.index not in drop for line in b.text.split("\n")]
    assert [line.rstrip() for line in fixed.split("\n") if line.strip()] == kept
    longest = max(len(separator.replace("\r", "")) for _, separator in parts)
    assert "\n" * (longest + 1) not in fixed.replace("\r", "")


def _result(text_a: str, text_b: str) -> DedupeResult:
    return dedupe([Document("a.txt", text_a), Document("b.txt", text_b)])


LONG = "The river rose two metres overnight in the old town of Hay and the council opened shelters."


def test_invariant_holds_for_a_real_run() -> None:
    """A run's duplicates all point at kept blocks, so the check passes."""
    result = _result(f"{LONG}\n", f"Intro line here.\n\n{LONG}\n")
    check_kept_copies(result)


def test_invariant_rejects_a_lost_cluster() -> None:
    """When the kept copy is itself dropped, the check raises before anything is written."""
    result = _result(f"{LONG}\n", f"{LONG}\n")
    kept = next(r for r in result.blocks if r.status is Status.CANONICAL)
    broken = [
        BlockResult(r.block, Status.BOILERPLATE) if r == kept else r for r in result.blocks
    ]  # the canonical copy dropped as boilerplate: its duplicate would lose its last copy
    forged = DedupeResult(result.version, result.documents, tuple(broken), result.clusters, result.sources)
    with pytest.raises(FixInvariantError, match="no kept copy"):
        check_kept_copies(forged)


def test_invariant_accepts_a_copy_kept_elsewhere() -> None:
    """A duplicate of an indexed block (outside this run) passes only when that block is named."""
    result = _result(f"{LONG}\n", "Other text entirely, nothing shared.\n")
    ref = BlockRef("corpus/old.txt", 0, 1, 1)
    duplicate = BlockResult(result.blocks[0].block, Status.DUPLICATE, cluster=9, duplicate_of=ref)
    forged = DedupeResult(
        result.version, result.documents, (duplicate, *result.blocks[1:]), result.clusters, result.sources
    )
    check_kept_copies(forged, [ref])
    with pytest.raises(FixInvariantError):
        check_kept_copies(forged)


@pytest.mark.parametrize("module", [lbdedup.fix, lbdedup.check])
def test_doctests(module: object) -> None:
    """The examples in the docstrings run."""
    failures, _ = doctest.testmod(module)  # type: ignore[arg-type]  # modules are what testmod takes
    assert failures == 0
