"""The fixer: a document rewritten to keep only its kept blocks, in its own layout.

Pure functions. :func:`fix_text` drops the lines of removed blocks (duplicates of blocks kept elsewhere,
boilerplate) and keeps everything else byte for byte: newline style (CRLF stays CRLF, line by line),
blank-line layout, whether the file ends with a newline. :func:`check_kept_copies` is the invariant ``fix``
checks before it writes anything: no block is removed unless a kept copy of it remains.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from lbdedup.model import META_KINDS, BlockRef, BlockResult, DedupeResult, Document, Status
from lbdedup.names import display_name

__all__ = [
    "FixInvariantError",
    "check_kept_copies",
    "encode_document_text",
    "fix_text",
    "removed_lines",
    "round_trips",
    "unified_diff",
    "whole_file_copy",
]


class FixInvariantError(Exception):
    """A fix would remove the last kept copy of a block: a bug, so nothing is written."""


def removed_lines(results: Iterable[BlockResult]) -> set[int]:
    """The 1-based line numbers of the blocks that are not kept.

    >>> from lbdedup.model import Block, BlockKind
    >>> block = Block(0, "a.txt", 1, 3, 4, BlockKind.PARAGRAPH, "x")
    >>> sorted(removed_lines([BlockResult(block, Status.BOILERPLATE)]))
    [3, 4]
    """
    lines: set[int] = set()
    for result in results:
        if not result.status.kept:
            lines.update(range(result.block.line_start, result.block.line_end + 1))
    return lines


def _paragraphs(lines: Sequence[str]) -> tuple[list[str], list[list[tuple[int, str]]], list[list[str]]]:
    """Split lines (with their endings) into the leading gap, paragraphs and the gap after each paragraph."""
    leading: list[str] = []
    paragraphs: list[list[tuple[int, str]]] = []
    gaps: list[list[str]] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not paragraphs or gaps[-1]:
                paragraphs.append([])
                gaps.append([])
            paragraphs[-1].append((number, line))
        elif paragraphs:
            gaps[-1].append(line)
        else:
            leading.append(line)
    return leading, paragraphs, gaps


def fix_text(document: Document, results: Sequence[BlockResult]) -> str:
    """The document's text without the lines of its removed blocks.

    A paragraph (a run of non-blank lines) that loses every line goes with the blank lines that preceded it,
    so the blank-line layout around it stays as it was; lines removed from inside a paragraph just go.

    >>> from lbdedup.model import Block, BlockKind
    >>> doc = Document("a.txt", "One.\\r\\n\\r\\nTwo.\\r\\n\\r\\nThree.\\r\\n", newline="\\r\\n")
    >>> two = Block(0, "a.txt", 1, 3, 3, BlockKind.PARAGRAPH, "Two.")
    >>> fix_text(doc, [BlockResult(two, Status.DUPLICATE)])
    'One.\\r\\n\\r\\nThree.\\r\\n'
    """
    drop = removed_lines(results)
    if not drop:
        return document.text
    lines = document.text.splitlines(keepends=True)
    # splitlines also breaks on \v, \f, \x1c.. and U+2028; the segmenter only on \n, so rejoin those pieces.
    lines = _rejoin_on_newline(lines)
    leading, paragraphs, gaps = _paragraphs(lines)
    out: list[str] = list(leading)
    first = True
    for position, paragraph in enumerate(paragraphs):
        kept = [line for number, line in paragraph if number not in drop]
        if not kept:
            continue
        if not first:
            out.extend(gaps[position - 1])
        out.extend(kept)
        first = False
    if first:
        return ""
    out.extend(gaps[-1])
    text = "".join(out)
    if not document.text.endswith("\n") and text.endswith("\n"):
        text = text[: -2 if text.endswith("\r\n") else -1]
    return text


def _rejoin_on_newline(pieces: list[str]) -> list[str]:
    lines: list[str] = []
    current = ""
    for piece in pieces:
        current += piece
        if current.endswith("\n"):
            lines.append(current)
            current = ""
    if current:
        lines.append(current)
    return lines


def encode_document_text(document: Document, text: str) -> bytes:
    """The bytes of ``text`` written back as ``document`` was read: same codec, BOM kept.

    >>> encode_document_text(Document("a.txt", "x", bom=True), "x")
    b'\\xef\\xbb\\xbfx'
    """
    data = text.encode(document.encoding)
    if document.bom and document.encoding.replace("_", "-") in ("utf-8", "utf8"):
        data = b"\xef\xbb\xbf" + data
    return data


def round_trips(document: Document, data: bytes) -> bool:
    """True when writing ``document``'s text back in its codec gives ``data``, the bytes it was read from.

    Where it does not (``unicode_escape`` writes a newline as the two characters ``\\n``), a fix would change
    bytes it never meant to touch, so the file is not rewritten.

    >>> round_trips(Document("a.txt", "x\\n"), b"x\\n")
    True
    >>> round_trips(Document("a.txt", "x\\n", encoding="unicode_escape"), b"x\\n")
    False
    """
    return encode_document_text(document, document.text) == data


def check_kept_copies(result: DedupeResult, elsewhere: Iterable[BlockRef] = ()) -> None:
    """Raise :class:`FixInvariantError` unless every removed duplicate has a kept copy that stays.

    A kept copy stays when it is a kept block of this run (``fix`` never removes those) or one of the blocks
    ``elsewhere`` (the index's blocks that this run was compared with).
    """
    kept = {(r.block.source, r.block.index) for r in result.blocks if r.status.kept}
    kept.update((ref.source, ref.index) for ref in elsewhere)
    for removed in result.blocks:
        if removed.status is not Status.DUPLICATE:
            continue
        target = removed.duplicate_of
        if target is None or (target.source, target.index) not in kept:
            where = f"{display_name(removed.block.source)}:{removed.block.line_start}"
            raise FixInvariantError(f"{where}: its cluster would have no kept copy left; nothing was written")


def whole_file_copy(document: Document, results: Sequence[BlockResult], text: str) -> str | None:
    """The line ``fix`` prints instead of emptying a file: None unless ``text`` (the fixed file) is blank.

    A file that would lose every line (or keep only bylines and timestamps) is left as it is: it is a whole
    copy, which is for a person to delete.

    >>> from lbdedup.model import Block, BlockKind
    >>> block = Block(0, "b.txt", 0, 1, 1, BlockKind.PARAGRAPH, "x")
    >>> copy = BlockResult(block, Status.DUPLICATE, duplicate_of=BlockRef("a.txt", 0, 1, 1))
    >>> whole_file_copy(Document("b.txt", "x\\n"), [copy], "\\n")
    'b.txt: whole file is a copy of a.txt'
    >>> own = BlockResult(Block(0, "b.txt", 1, 3, 3, BlockKind.PARAGRAPH, "y"), Status.UNIQUE)
    >>> whole_file_copy(Document("b.txt", "x\\n\\ny\\n"), [copy, own], "y\\n") is None
    True
    """
    if not document.text.strip():
        return None
    # Bylines and timestamps left alone are no text: a file cut down to them is a whole copy too.
    if text.strip() and any(r.status.kept and r.block.kind not in META_KINDS for r in results):
        return None
    others: list[str] = []
    for result in results:
        target = result.duplicate_of
        if result.status is Status.DUPLICATE and target is not None and target.source not in others:
            others.append(target.source)
    shown = display_name(document.source)
    if not others:
        return f"{shown}: whole file is boilerplate"
    return f"{shown}: whole file is a copy of {', '.join(map(display_name, others))}"


def unified_diff(source: str, old: str, new: str) -> str:
    """What ``fix --diff`` prints for one file: a unified diff from ``old`` to ``new``.

    >>> print(unified_diff("a.txt", "One.\\n\\nTwo.\\n", "One.\\n"), end="")
    --- a.txt
    +++ a.txt
    @@ -1,3 +1 @@
     One.
    -
    -Two.
    """
    lines: list[str] = []
    for line in difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=display_name(source),
        tofile=display_name(source),
    ):
        if line.endswith("\n"):
            lines.append(line)
        else:  # the last line of a file without a final newline, spelled as diff and patch expect it
            lines.append(f"{line}\n\\ No newline at end of file\n")
    return "".join(lines)
