"""HTML text cleanup and main-content choice on page shapes nobody tuned for."""

from __future__ import annotations

import re

import pytest

from lbdedup.html import segment_html
from lbdedup.model import Block, BlockKind, Document
from lbdedup.read import read_source

from .conftest import FIXTURES

INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def fixture_blocks(case: str, name: str) -> tuple[Block, ...]:
    """The blocks of one fixture page."""
    return segment_html(read_source(str(FIXTURES / case / name)))


def test_soft_hyphens_and_zero_width_characters_are_removed() -> None:
    """Soft hyphens, zero-width spaces and joiners, word joiners and stray BOMs leave no trace in blocks."""
    found = fixture_blocks("html_text_cleanup", "soft_hyphens.html")
    assert not [block.text for block in found if INVISIBLE.search(block.text)]
    texts = " ".join(block.text for block in found)
    for word in ("Hochwasserschutzanlagen", "Oberbürgermeister am", "Feuerwehrleute", "Katastrophenfall"):
        assert word in texts
    assert found[0].kind is BlockKind.TITLE
    assert found[0].text == "Donauhochwasser: Regensburg hebt Katastrophenfall auf"


def test_json_ld_copy_with_soft_hyphens_matches_the_visible_post() -> None:
    """The update's body (with U+00AD) and the visible paragraph (with &shy;) are one block, not two."""
    found = fixture_blocks("html_text_cleanup", "soft_hyphens.html")
    assert sum("den Katastrophenfall am Mittag" in block.text for block in found) == 1


@pytest.mark.parametrize("char", ["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_each_invisible_character_is_dropped(char: str) -> None:
    """Each invisible character inside a word is dropped; the word is whole."""
    page = f"<h1>Flood</h1><p>The Stadt{char}verwaltung said the river rose two metres overnight.</p>"
    texts = [block.text for block in segment_html(Document("a.html", page, format="html"))]
    assert "The Stadtverwaltung said the river rose two metres overnight." in texts
