"""HTML text cleanup and main-content choice on page shapes nobody tuned for."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from lbdedup.html import segment_html
from lbdedup.model import Block, BlockKind, Document
from lbdedup.read import read_source

from .conftest import FIXTURES

PROSE = "The river rose two metres overnight and the council opened two shelters in the town."

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


def kept_texts(name: str) -> list[str]:
    """The block texts of a main-content fixture page."""
    return [block.text for block in fixture_blocks("html_main_content", name)]


@pytest.mark.parametrize(
    "name", ["linked_headline_short.html", "linked_h2_short.html", "tags_line_short.html"]
)
def test_short_article_is_not_a_teaser_card(name: str) -> None:
    """A short post under a linked headline, or with a line of tag links, keeps its paragraphs."""
    found = kept_texts(name)
    assert any(text.startswith("Thank you to everyone who came to the plant sale") for text in found)
    assert "Special thanks to Year 4, who potted up three hundred tomato plants." in found
    # The tag links and the sidebar's teasers are still furniture.
    assert not [text for text in found if text.startswith("Tags:") or "Easter disco" in text]


def test_linked_page_headline_is_the_title() -> None:
    """The page's h1 linking to the page itself is its title."""
    found = fixture_blocks("html_main_content", "linked_headline_short.html")
    assert (found[0].kind, found[0].text) == (
        BlockKind.TITLE,
        "Spring plant sale raises £1,200 for the school garden",
    )


def test_theme_modifier_class_does_not_drop_the_article() -> None:
    """div.entry.themeform.share holds the article: "entry" names content, "share" is a theme's modifier."""
    found = kept_texts("share_class_body.html")
    assert any(text.startswith("When the owners of the Lowmoor village shop") for text in found)
    assert any(text.startswith("Takings are up by a fifth") for text in found)
    assert not [text for text in found if "bacon rolls" in text]  # the comments are still comments


@pytest.mark.parametrize(
    ("markup", "kept"),
    [
        ("<div class='share'><p>{p}</p></div>", False),
        ("<div class='entry-share'><p>{p}</p></div>", False),
        ("<div class='entry share'><p>{p}</p></div>", True),
        ("<div class='post-content share-enabled'><p>{p}</p></div>", True),
    ],
)
def test_content_class_token_protects_from_a_modifier(markup: str, kept: bool) -> None:
    """A class token made of content words protects; a junk word inside the same token still condemns."""
    other = "The harbour master said the ferry would run again on Monday if the wind dropped overnight."
    page = (
        f"<h1>Storm</h1>{markup.format(p=PROSE)}<div class='x'><p>{other}</p><p>{other} Again.</p>"
        f"<p>{other} Once more.</p></div>"
    )
    found = [block.text for block in segment_html(Document("a.html", page, format="html"))]
    assert (PROSE in found) is kept


def test_body_class_words_do_not_make_the_page_furniture() -> None:
    """<body class="... cookies-not-set"> is a page state: its content is kept, its cookie notice is not."""
    found = kept_texts("cookies_body_class.html")
    assert any(text.startswith("Harbridge councillors voted by nine to four") for text in found)
    assert any(text.startswith("Work is expected to start in March") for text in found)
    assert not [text for text in found if "We use cookies" in text]


@pytest.mark.parametrize("tag", ["html", "body", "main", "article"])
def test_page_wrapper_class_words_never_condemn(tag: str) -> None:
    """Class words on html, body, main and article (comments, cookies, share) do not drop what they hold."""
    inner = f"<div class='headline'>Flood</div><p>{PROSE}</p><p>{PROSE} More.</p>"
    wrapped = f"<{tag} class='has-comments cookies-not-set share-on'>{inner}</{tag}>"
    page = wrapped if tag in ("html", "body") else f"<body>{wrapped}</body>"
    found = [block.text for block in segment_html(Document("a.html", page, format="html"))]
    assert PROSE in found


def test_forum_posts_in_comment_containers_are_the_content() -> None:
    """A thread whose posts sit in div.*Comment* keeps them; its sign-in prompt is furniture."""
    found = kept_texts("forum_comments.html")
    assert any(text.startswith("My allotment is heavy clay") for text in found)
    assert any(text.startswith("I lift mine after the first frost") for text in found)
    assert any(text.startswith("On clay I would not leave them in") for text in found)
    assert "Sign in or register to comment." not in found


def test_comments_under_an_article_are_still_dropped() -> None:
    """A story with a few sentences of its own still loses its comment thread, however long."""
    comment = "<li class='comment'><p>I have lived here for forty years and never seen it so high.</p></li>"
    story = f"<article><h1>Flood</h1><p>{PROSE}</p><p>{PROSE} More.</p></article>"
    page = f"{story}<ol class='comments'>{comment * 30}</ol>"
    found = [block.text for block in segment_html(Document("a.html", page, format="html"))]
    assert PROSE in found
    assert not [text for text in found if "forty years" in text]


def test_headline_after_the_body_does_not_discount_the_story() -> None:
    """A story printed before its h1 is kept whole."""
    found = kept_texts("headline_after_body.html")
    for start in (
        "The island ferry service",
        "The operator said",
        "Islanders with hospital",
        "The repairs are",
    ):
        assert any(text.startswith(start) for text in found), start
    assert "Ferry timetable cut as second vessel goes for repairs" in found
    assert not [text for text in found if "Pier lights" in text]


def test_prose_above_a_leading_headline_still_counts_less() -> None:
    """A ticker of other stories above a headline that leads a long story is not the main content."""
    ticker = "".join(
        f"<p>Other story number {n} about the valley and its many small towns today.</p>" for n in range(6)
    )
    story = "".join(f"<p>{PROSE} Paragraph {n}.</p>" for n in range(8))
    page = f"<div class='ticker'>{ticker}</div><div class='story'><h1>Flood</h1>{story}</div>"
    found = [block.text for block in segment_html(Document("a.html", page, format="html"))]
    assert f"{PROSE} Paragraph 7." in found
    assert not [text for text in found if text.startswith("Other story")]


def test_hidden_schema_org_copy_is_never_content() -> None:
    """A display:none schema.org item (an h1 and the body again) is metadata: no title, no copy."""
    found = fixture_blocks("html_main_content", "hidden_metadata_copy.html")
    texts = [block.text for block in found]
    assert found[0].kind is BlockKind.TITLE
    assert found[0].text == "Ten things to know about the canal reopening | Midland Wire"  # the <title>
    assert sum("reopens to boats on Saturday" in text for text in texts) == 1
    assert not [text for text in texts if "canal,Harbridge" in text or text.startswith("https://")]


def test_photo_credits_and_gallery_counters_are_dropped() -> None:
    """Credits alone or glued to a caption, and "Image 1 of 3" counters, leave the captions' own text."""
    texts = kept_texts("photo_credits.html")
    assert "The hospital where the patient is being treated" in texts
    assert "Officials disinfect the village square" in texts
    assert "Marmots and hares can carry the fleas that spread the disease" in texts
    for credit in ("Credit:", "Image 1 of 3", "Image 2 of 3", "Image credit", "Anna Petrova", "Getty"):
        assert not [text for text in texts if credit in text], credit


@pytest.mark.parametrize(
    "text",
    [
        "The square. Photograph: Ann Lee/AP",
        "Photos show the river rising two metres overnight in the town centre, AP reports.",
        "(Graphic: Global assets in 2019 - here)",
        "Courtesy calls from the mayor were answered by the fire brigade within minutes of the alarm.",
    ],
)
def test_captions_and_prose_mentioning_photos_are_kept(text: str) -> None:
    """A caption ending in its credit, and prose about photos, are not credits."""
    page = f"<article><h1>Flood</h1><p>{PROSE}</p><p>{text}</p><p>{PROSE} More.</p></article>"
    assert text in [block.text for block in segment_html(Document("a.html", page, format="html"))]


def test_author_box_call_to_action_and_copyright_are_furniture() -> None:
    """An author's bio box, a subscription call-to-action and a copyright block are not the story."""
    texts = kept_texts("author_box_cta.html")
    assert any(text.startswith("The owners of the Valley Times agreed") for text in texts)
    assert any(text.startswith("Union representatives said") for text in texts)
    for furniture in ("we have a proposition", "has covered the media business", "The contents of this site"):
        assert not [text for text in texts if furniture in text], furniture


def test_credit_patterns_stay_linear_on_hostile_captions() -> None:
    """A caption of a million characters of "(Image:" and "Credit:" is read, not stuck (a hang guard)."""
    code = (
        "from lbdedup.html import segment_html\n"
        "from lbdedup.model import Document\n"
        "body = '(Image: a ' * 60000 + 'xCredit: ' * 60000\n"
        "page = '<h1>Flood</h1><figure><figcaption>' + body + '</figcaption></figure>'\n"
        "print(len(segment_html(Document('a.html', page, format='html'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "label", ["Author:", "Publish date:", "Tags", "Topics", "Share this post", "Filed under:"]
)
def test_widget_labels_alone_are_dropped(label: str) -> None:
    """Labels that tag, share and author widgets leave behind give no block."""
    page = f"<article><h1>Flood</h1><p>{PROSE}</p><p>{label}</p><p>{PROSE} More.</p></article>"
    assert label not in [block.text for block in segment_html(Document("a.html", page, format="html"))]
