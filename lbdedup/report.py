"""The rich report for people: counts per source, largest clusters, matches side by side with differences.

With the CLI, the only module that imports rich. Text from the inputs (block texts, source names, reasons that
quote a user's pattern) reaches rich only as :class:`~rich.text.Text`, never as a string: rich would read
``[red]`` in it as markup, ``[/caption]`` would stop the report, and ``[link=...]`` would make a hyperlink.
Its control characters are shown as ``\\xNN``, never sent to the terminal.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from difflib import SequenceMatcher

from rich.console import Console
from rich.table import Table
from rich.text import Text

from lbdedup.model import BlockRef, BlockResult, DedupeResult, MatchKind, RunSpan, Status
from lbdedup.names import display_name
from lbdedup.render import format_similarity

__all__ = ["SourceNames", "diff_texts", "middle_ellipsis", "render_report"]

# Long blocks are cut in the overview tables; the side-by-side view shows them whole.
PREVIEW_CHARS = 90
# Source names are cut to a quarter of the terminal's width, but never below this.
NAME_MIN = 20
# C0 and C1 control characters (but tab and newline) and DEL: from an input, they could move the cursor,
# retitle the window or open a hyperlink (ESC ] 8) on the terminal that shows the report.
_CONTROLS = {
    code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if code not in (9, 10)
}


def plain(text: str, style: str = "") -> Text:
    """Text from an input, for rich: never read as markup, its control characters shown as ``\\xNN``.

    >>> plain("[red]Kim[/red] \\x1b]8;;https://evil.example\\x1b\\\\").plain
    '[red]Kim[/red] \\\\x1b]8;;https://evil.example\\\\x1b\\\\'
    """
    return Text(text.translate(_CONTROLS), style=style)


def _preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def middle_ellipsis(name: str, limit: int) -> str:
    """``name`` cut to ``limit`` characters in its middle: its start and end (file name, lines) stay readable.

    >>> middle_ellipsis("live/2024-06-01-elmford-flood-snapshot-0930.txt:12-14", 30)
    'live/2024-06…ot-0930.txt:12-14'
    >>> middle_ellipsis("a.txt:3", 30)
    'a.txt:3'
    """
    if len(name) <= limit:
        return name
    tail = (limit - 1) * 3 // 5
    head = limit - 1 - tail
    return f"{name[:head]}…{name[len(name) - tail :]}"


class SourceNames:
    """Sources named below the folder they all are in, so that tables show names, not the same long path.

    >>> names = SourceNames(["blogs/2024/a.txt", "blogs/2024/b.txt"])
    >>> names.folder, names("blogs/2024/a.txt"), names.ref(BlockRef("blogs/2024/b.txt", 0, 3, 4))
    ('blogs/2024', 'a.txt', 'b.txt:3-4')
    >>> SourceNames(["a.txt", "/tmp/b.txt"]).folder
    ''

    With ``limit``, a longer name is cut in its middle (:func:`middle_ellipsis`), so that a narrow terminal
    does not fold it over lines.
    """

    def __init__(self, sources: Sequence[str], limit: int | None = None) -> None:
        self.sources = sources
        self.limit = limit
        # stdin ("-") is in no folder; sources in one folder but with nothing in common keep their names.
        files = [source for source in sources if source != "-"]
        try:
            folder = os.path.commonpath([os.path.dirname(source) for source in files]) if files else ""
        except ValueError:  # absolute and relative paths together
            folder = ""
        prefix = os.path.join(folder, "")
        self.folder = folder if folder and all(source.startswith(prefix) for source in files) else ""
        self._cut = len(prefix) if self.folder else 0
        self.folder = display_name(self.folder)

    def __call__(self, source: str) -> str:
        """The name of ``source`` below :attr:`folder`, its bytes that are not UTF-8 as ``\\xNN``."""
        return self._short(display_name(source[self._cut :] if source != "-" else source))

    def _short(self, name: str) -> str:
        return name if self.limit is None else middle_ellipsis(name, self.limit)

    def ref(self, ref: BlockRef) -> str:
        """``str(ref)``, the source named below :attr:`folder`."""
        return f"{self(ref.source)}{str(ref)[len(ref.source) :]}"  # the name cut, never its lines

    def places(self, refs: Sequence[BlockRef]) -> str:
        """Several references, the source named once for the lines that follow each other in it.

        >>> refs = [BlockRef("a.txt", 0, 2, 2), BlockRef("a.txt", 3, 9, 10), BlockRef("b.txt", 1, 4, 4)]
        >>> SourceNames(["a.txt", "b.txt"]).places(refs)
        'a.txt:2, 9-10; b.txt:4'
        """
        groups: list[str] = []
        previous = None
        for ref in refs:
            if ref.source == previous:
                groups[-1] += f", {str(ref)[len(ref.source) + 1 :]}"  # its lines: what follows "source:"
            else:
                groups.append(self.ref(ref))
            previous = ref.source
        return "; ".join(groups)

    def span(self, span: RunSpan) -> str:
        """``str(span)``, the source named below :attr:`folder`."""
        return str(replace(span, source=self(span.source)))


def diff_texts(kept: str, copy: str, marks: bool = False) -> tuple[Text, Text]:
    """Two rich Texts with the words that differ highlighted: removed in red, added in green.

    With ``marks`` (output that is not a terminal, or no colour), they are also bracketed as ``wdiff`` does:
    ``[-removed-]`` on the left, ``{+added+}`` on the right, readable without colour.

    >>> left, right = diff_texts("the river rose", "the river rose fast")
    >>> left.plain, right.plain
    ('the river rose', 'the river rose fast')
    >>> [text.plain for text in diff_texts("the river rose", "the river fell", marks=True)]
    ['the river [-rose-]', 'the river {+fell+}']
    """
    left_words, right_words = kept.translate(_CONTROLS).split(), copy.translate(_CONTROLS).split()
    left, right = Text(), Text()
    matcher = SequenceMatcher(a=left_words, b=right_words, autojunk=False)
    for op, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        a_part = " ".join(left_words[a_start:a_end])
        b_part = " ".join(right_words[b_start:b_end])
        if op == "equal":
            left.append(a_part + " ")
            right.append(b_part + " ")
            continue
        if a_part:
            left.append((f"[-{a_part}-]" if marks else a_part) + " ", style="bold red")
        if b_part:
            right.append((f"{{+{b_part}+}}" if marks else b_part) + " ", style="bold green")
    left.rstrip()
    right.rstrip()
    return left, right


def _sources_table(result: DedupeResult, names: SourceNames) -> Table:
    title = plain(f"Sources (in {names.folder})" if names.folder else "Sources")
    table = Table(title=title, title_justify="left")
    # Names are cut in their middle (SourceNames' limit), never folded over lines.
    table.add_column("source", no_wrap=True)
    for name in ("blocks", "kept", "duplicates", "boilerplate"):
        table.add_column(name, justify="right")
    for summary in result.sources:
        table.add_row(
            plain(names(summary.source)),
            str(summary.blocks),
            str(summary.kept),
            str(summary.duplicates),
            str(summary.boilerplate),
        )
    return table


def _clusters_table(
    result: DedupeResult,
    texts: dict[tuple[str, int], str],
    top: int,
    names: SourceNames,
    preview: int = PREVIEW_CHARS,
) -> Table:
    table = Table(title=f"Largest clusters (top {top})", title_justify="left")
    table.add_column("id", justify="right")
    table.add_column("copies", justify="right")
    table.add_column("kept", no_wrap=True)
    table.add_column("text")
    # Room for one name and its lines, so that a place is never cut.
    table.add_column("also at", min_width=(names.limit or PREVIEW_CHARS) + 6)
    ranked = sorted(result.clusters, key=lambda cluster: (-len(cluster.members), cluster.id))
    for cluster in ranked[:top]:
        others = [member.ref for member in cluster.members if member.ref != cluster.canonical]
        table.add_row(
            str(cluster.id),
            str(len(cluster.members)),
            plain(names.ref(cluster.canonical)),
            plain(_preview(texts[(cluster.canonical.source, cluster.canonical.index)], preview)),
            plain(names.places(others[:6]) + (f" (+{len(others) - 6})" if len(others) > 6 else "")),
        )
    return table


def _matches_table(
    duplicates: list[BlockResult],
    texts: dict[tuple[str, int], str],
    top: int,
    names: SourceNames,
    marks: bool = False,
) -> Table:
    table = Table(title="Near and contained matches (kept | dropped)", title_justify="left", show_lines=True)
    table.add_column("match")
    table.add_column("kept", ratio=1)
    table.add_column("dropped", ratio=1)
    for duplicate in duplicates[:top]:
        kept_ref = duplicate.duplicate_of
        assert kept_ref is not None  # duplicates always name their kept copy
        left, right = diff_texts(texts[(kept_ref.source, kept_ref.index)], duplicate.block.text, marks)
        match = duplicate.match.value if duplicate.match else ""
        score = format_similarity(duplicate.similarity) if duplicate.similarity is not None else ""
        table.add_row(
            f"{match} {score}",
            plain(f"{names.ref(kept_ref)}\n", style="dim") + left,
            plain(f"{names.ref(BlockRef.of(duplicate.block))}\n", style="dim") + right,
        )
    return table


def _boilerplate_table(furniture: list[BlockResult], top: int, names: SourceNames) -> Table:
    by_reason: dict[str, list[BlockResult]] = {}
    for block in furniture:
        by_reason.setdefault(block.reason or "", []).append(block)
    table = Table(title=f"Boilerplate dropped (top {top} reasons)", title_justify="left")
    table.add_column("reason")
    table.add_column("blocks", justify="right")
    table.add_column("first at", no_wrap=True)
    table.add_column("text")
    ranked = sorted(by_reason.items(), key=lambda item: (-len(item[1]), item[0]))
    for reason, blocks in ranked[:top]:
        first = blocks[0]
        table.add_row(
            plain(reason),
            str(len(blocks)),
            plain(names.ref(BlockRef.of(first.block))),
            plain(_preview(first.block.text)),
        )
    return table


def render_report(result: DedupeResult, console: Console, top: int = 10) -> None:
    """Print the report for people to ``console``.

    Source names longer than a quarter of its width are cut in their middle; differing words are bracketed
    too when it is not a terminal or shows no colour.
    """
    texts = {(r.block.source, r.block.index): r.block.text for r in result.blocks}
    limit = max(NAME_MIN, console.width // 4)
    names = SourceNames([document.source for document in result.documents], limit)
    marks = not console.is_terminal or console.no_color or console.color_system is None
    console.print(_sources_table(result, names))
    total = sum(summary.blocks for summary in result.sources)
    dropped = sum(summary.duplicates for summary in result.sources)
    furniture_count = sum(summary.boilerplate for summary in result.sources)
    console.print(
        f"{total} blocks, {len(result.clusters)} clusters, {dropped} duplicates dropped, "
        f"{furniture_count} boilerplate dropped."
    )
    if result.clusters:
        # On a narrow terminal, a shorter preview: a long one would fold over many lines of its column.
        preview = min(PREVIEW_CHARS, max(60, console.width // 2))
        # Five columns: names cut shorter than in the other tables, so that the table fits the width.
        narrow = SourceNames(names.sources, max(12, console.width // 6))
        console.print(_clusters_table(result, texts, top, narrow, preview))
    furniture = [r for r in result.blocks if r.status is Status.BOILERPLATE]
    if furniture:
        console.print(_boilerplate_table(furniture, top, names))
    fuzzy = [
        r
        for r in result.blocks
        if r.status is Status.DUPLICATE and r.match in (MatchKind.NEAR, MatchKind.CONTAINED)
    ]
    fuzzy.sort(key=lambda r: (r.similarity if r.similarity is not None else 1.0, r.block.doc, r.block.index))
    if fuzzy:
        console.print(_matches_table(fuzzy, texts, top, names, marks))
    if result.runs:
        console.print(_runs_table(result, top, names))
    merged = [timeline for timeline in result.timelines if len(timeline.sources) > 1]
    for timeline in merged:
        console.print(
            plain(
                f"One timeline from {len(timeline.sources)} snapshots "
                f"({', '.join(map(names, timeline.sources))}): "
                f"{len(timeline.posts)} posts, {timeline.order.replace('_', ' ')}."
            )
        )


def _runs_table(result: DedupeResult, top: int, names: SourceNames) -> Table:
    table = Table(title=f"Syndicated runs (top {top})", title_justify="left")
    table.add_column("blocks", justify="right")
    table.add_column("copy = original")
    ranked = sorted(result.runs, key=lambda run: -run.blocks)
    for run in ranked[:top]:
        table.add_row(str(run.blocks), plain(f"{names.span(run.copy)} = {names.span(run.original)}"))
    return table
