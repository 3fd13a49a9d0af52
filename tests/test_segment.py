"""Segment stage: documents to blocks with kinds and 1-based line spans."""

from __future__ import annotations

import pytest

from lbdedup.model import Block, BlockKind, Document
from lbdedup.segment import classify_line, is_hard_wrapped, one_line, segment, split_lines

PARAGRAPH = "The council said the Skelby bridge would stay closed until engineers had inspected the cables."


def _blocks(text: str, source: str = "a.txt", fmt: str = "text") -> tuple[Block, ...]:
    return segment(Document(source, text, format=fmt))


def _spans(blocks: tuple[Block, ...]) -> list[tuple[int, int]]:
    return [(block.line_start, block.line_end) for block in blocks]


def _covered_once(text: str, blocks: tuple[Block, ...]) -> bool:
    lines = split_lines(text)
    for number, line in enumerate(lines, start=1):
        inside = sum(1 for block in blocks if block.line_start <= number <= block.line_end)
        if inside != (1 if line.strip() else 0):
            return False
    return True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\nb\n", ["a", "b"]),
        ("a\r\nb\r\n", ["a", "b"]),
        ("a\n\nb", ["a", "", "b"]),
        ("", []),
        ("\n", [""]),
        ("a\rb\n", ["a\rb"]),
    ],
)
def test_split_lines(text: str, expected: list[str]) -> None:
    """Lines split on LF with the CR of CRLF removed, as editors number them."""
    assert split_lines(text) == expected


@pytest.mark.parametrize(
    ("line", "markdown", "kind"),
    [
        ("# Flood live", True, BlockKind.HEADING),
        ("# Flood live", False, BlockKind.HEADING),
        ("> “We have never seen water like this,” she said.", True, BlockKind.QUOTE),
        ("- Greens gain their first ward", False, BlockKind.LIST_ITEM),
        ("• More than 40 officials fly in", False, BlockKind.LIST_ITEM),
        ("2. Second point of the summary", False, BlockKind.LIST_ITEM),
        ("15.53 BST", False, BlockKind.TIMESTAMP),
        ("Justin McCurry", False, BlockKind.BYLINE),
        ("Kim waves from the train. Photograph: Ann Lee/AP", False, BlockKind.CAPTION),
        ("Putin says Russia will help build satellites", False, BlockKind.HEADING),
        ("HomeWorldFlood live: River Tamsel bursts its banks;...", False, BlockKind.HEADING),
        (PARAGRAPH, False, BlockKind.PARAGRAPH),
        (PARAGRAPH + " (Reuters)", False, BlockKind.PARAGRAPH),
        (PARAGRAPH[:-1] + " – AFP", False, BlockKind.PARAGRAPH),
        ("word " * 60, False, BlockKind.PARAGRAPH),
    ],
)
def test_classify_line(line: str, markdown: bool, kind: BlockKind) -> None:
    """A block's kind follows from its own text."""
    assert classify_line(line, markdown) is kind


def test_blank_line_paragraphs() -> None:
    """Blank-line paragraphs are blocks with their line spans; the first headline is the title."""
    text = f"Flood live: the river rises\n\n\n{PARAGRAPH}\n\n15.53 BST\n\nShelters open\n"
    blocks = _blocks(text)
    assert _spans(blocks) == [(1, 1), (4, 4), (6, 6), (8, 8)]
    assert [block.kind for block in blocks] == [
        BlockKind.TITLE,
        BlockKind.PARAGRAPH,
        BlockKind.TIMESTAMP,
        BlockKind.HEADING,
    ]
    assert [block.index for block in blocks] == [0, 1, 2, 3]


def test_one_paragraph_per_line() -> None:
    """A file with no blank lines gives one block per line."""
    text = "Flood live\n" + "\n".join(f"{PARAGRAPH} Update {n}." for n in range(4)) + "\n"
    assert _spans(_blocks(text)) == [(n, n) for n in range(1, 6)]


def test_hard_wrapped_prose_is_joined() -> None:
    """Prose wrapped at a fixed width becomes one block per paragraph, spanning its lines."""
    text = (
        "Firefighters in the hills are battling three separate blazes\n"
        "that have together burned more than 2,800 hectares of forest\n"
        "since Sunday afternoon.\n\n"
        "Police have ordered residents of Corrie Ban to leave their\n"
        "homes immediately after the fire crossed the Ardle road.\n"
    )
    blocks = _blocks(text)
    assert _spans(blocks) == [(1, 3), (5, 6)]
    assert blocks[0].text.count("\n") == 2


def test_wrapped_markdown_quote_is_one_block() -> None:
    """A wrapped Markdown blockquote is one quote block; headings and list items stay blocks of their own."""
    text = (
        "# Wildfires live\n\n"
        "Police have ordered residents of Corrie Ban to leave their\n"
        "homes immediately after the fire crossed the Ardle road.\n\n"
        "> “You could hear it before you could see it, a roar like a\n"
        "> train coming through the trees,” said Morven Aitchison.\n\n"
        "## 17.50 BST: Helicopters grounded by smoke\n"
        "- Helicopters grounded over the loch since the\n"
        "- Ground crews cutting firebreaks by hand today\n"
    )
    blocks = _blocks(text, "a.md", "markdown")
    assert _spans(blocks) == [(1, 1), (3, 4), (6, 7), (9, 9), (10, 10), (11, 11)]
    assert [block.kind for block in blocks] == [
        BlockKind.TITLE,
        BlockKind.PARAGRAPH,
        BlockKind.QUOTE,
        BlockKind.HEADING,
        BlockKind.LIST_ITEM,
        BlockKind.LIST_ITEM,
    ]
    assert _covered_once(text, blocks)


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ([["The river rose overnight and the council", "opened two shelters."], ["Next."]], True),
        ([["One whole paragraph on a line.", "Another whole paragraph here."], ["x"]], False),
        ([["a" * 150, "b" * 150], ["c"]], False),
        ([["only one group and", "it wraps"]], True),
        ([["Only one group", "Of one-line paragraphs"]], False),
        ([], False),
    ],
)
def test_is_hard_wrapped(groups: list[list[str]], expected: bool) -> None:
    """Wrapping is prose broken mid-sentence at a similar, narrow width."""
    assert is_hard_wrapped(groups) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rail line closed.", "Rail line closed."),
        (
            "The river rose overnight and\nthe council opened shelters.",
            "The river rose overnight and the council opened shelters.",
        ),
        ("  - Ground crews cutting\n    firebreaks by hand", "- Ground crews cutting firebreaks by hand"),
        ("> “You could hear it,\n> said Morven.", "> “You could hear it, said Morven."),
        (">> Nested and\n>> wrapped.", ">> Nested and wrapped."),
        ("Nobody said\n> that.", "Nobody said > that."),
    ],
    ids=["one-line", "wrapped", "list-item", "quote", "nested-quote", "prose-then-quote-mark"],
)
def test_one_line(text: str, expected: str) -> None:
    """A block's lines on one line: stripped, joined by one space, as the block was classified."""
    assert one_line(text) == expected


def test_wrapped_excerpt_cut_short_is_a_paragraph() -> None:
    """A wrapped excerpt cut short with "…" is a paragraph, as it is on one line, not a headline."""
    opening = (
        "Firefighters in the hills are battling three separate blazes\n"
        "that have burned more than 2,800 hectares of pine forest.\n\n"
    )
    excerpt = "Police have ordered residents of Corrie Ban to leave their\nhomes now, the council says…"
    wrapped = _blocks(opening + excerpt + "\n")
    assert (wrapped[-1].line_start, wrapped[-1].line_end) == (4, 5)
    assert [block.kind for block in (wrapped[-1], _blocks(opening + one_line(excerpt) + "\n")[-1])] == [
        BlockKind.PARAGRAPH,
        BlockKind.PARAGRAPH,
    ]


def test_single_wrapped_paragraph() -> None:
    """A file that is one wrapped paragraph (its lines go on in lower case) is one block."""
    text = "The council said the harbour road\nwas shut at noon by police today and\nwould stay closed.\n"
    assert _spans(_blocks(text)) == [(1, 3)]


def test_caption_and_credit_line() -> None:
    """A caption printed again with its credit: both are captions; a credit alone joins the line above."""
    caption = "Rovers supporters gather outside the ground before kick-off."
    credited = f"{caption} Photograph: Corin Vale/Hesketh Press"
    text = f"{PARAGRAPH}\n\n{caption}\n{credited}\n\n{caption}\nPhotograph: AP\n"
    blocks = _blocks(text)
    assert _spans(blocks) == [(1, 1), (3, 3), (4, 4), (6, 7)]
    assert [block.kind for block in blocks[1:3]] == [BlockKind.CAPTION, BlockKind.CAPTION]


def test_crlf_and_bom_line_numbers() -> None:
    """CRLF files keep their line numbers and no CR in block texts."""
    text = f"Heatwave live\r\n\r\n{PARAGRAPH}\r\n\r\n14.20 BST\r\n"
    blocks = _blocks(text)
    assert _spans(blocks) == [(1, 1), (3, 3), (5, 5)]
    assert all("\r" not in block.text for block in blocks)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n\n",
        "   \n\t\n",
        "one line without newline",
        "x\n\n\n\ny\n  \nz\n",
        "* * *\n\n---\n",
        "a\n" * 50,
    ],
)
def test_every_nonempty_line_in_exactly_one_block(text: str) -> None:
    """Nothing silently vanishes: each non-blank line is inside exactly one block, blank lines in none."""
    assert _covered_once(text, _blocks(text))


def test_single_huge_line_is_one_block() -> None:
    """A very long single line is one paragraph block."""
    text = "word " * 200_000
    blocks = _blocks(text)
    assert len(blocks) == 1
    assert blocks[0].kind is BlockKind.PARAGRAPH
