"""Main content against the furniture and link shapes of real news pages (markup written for these tests)."""

from __future__ import annotations

import pytest

from lbdedup.html import segment_html
from lbdedup.model import Block, BlockKind, Document

STORY = (
    "<p>The council opened two shelters in the town after the river rose two metres overnight.</p>"
    "<p>Volunteers filled sandbags along the quay until late in the evening, the mayor said.</p>"
    "<p>Schools will stay closed on Tuesday while engineers inspect the old stone bridge.</p>"
)


def blocks(body: str, title: str = "River floods the old town") -> tuple[Block, ...]:
    """The blocks of a page holding ``body`` under its headline."""
    page = f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
    return segment_html(Document("a.html", page, format="html"))


def texts(body: str) -> list[str]:
    """The texts of the blocks of a page holding ``body``."""
    return [block.text for block in blocks(body)]


def test_sentence_with_a_linked_clause_is_prose() -> None:
    """A sentence whose longer half is a link is kept: news links a clause of its own prose."""
    sentence = (
        "<p>The driver, a man of 41, was convicted and "
        "<a href='/x'>sentenced to four years in prison last Thursday</a>.</p>"
    )
    found = texts(f"<article>{STORY}{sentence}</article>")
    assert (
        "The driver, a man of 41, was convicted and sentenced to four years in prison last Thursday." in found
    )


def test_link_lists_and_linked_teasers_are_still_dropped() -> None:
    """A line of links, a linked headline without a sentence end, and a short linked line stay out."""
    lines = (
        "<p><a href='/a'>Bridge closed after storm damage in the north</a> "
        "<a href='/b'>Rail services resume on the coast line today</a></p>"
        "<p><a href='/c'>Police name the man found in the harbour on Sunday night</a></p>"
        "<p>More: <a href='/d'>our full coverage of the storm.</a></p>"
    )
    found = " ".join(texts(f"<article>{STORY}{lines}</article>"))
    assert "Bridge closed" not in found
    assert "Police name" not in found
    assert "full coverage" not in found


def test_mostly_linked_caption_is_an_advert() -> None:
    """A figure caption that is mostly a link (a subscription offer) is not kept as prose."""
    figure = (
        "<figure><img src='m.png'><figcaption><a href='/shop'>Want more rivers? Get a subscription to our "
        "sister title</a> <a href='/shop'>Waterways Monthly</a>, for the finest flood news.</figcaption>"
        "</figure>"
    )
    found = " ".join(texts(f"<article>{STORY}{figure}</article>"))
    assert "subscription" not in found


@pytest.mark.parametrize(
    "line",
    [
        "Get the latest flood news in your inbox. Sign up for our daily newsletter.",
        "Newsletter: subscribe and get the river levels every morning.",
        "Follow us on Twitter and Facebook for the latest updates.",
        "Have a tip? Jo Bloggs may be reached at the newsroom. Follow her on Twitter @jobloggs.",
        "Like this story? Share it with a friend!",
        "The Courier may earn an affiliate commission when you buy through links on this page.",
        "We rely on advertising: please turn off your ad blocker to keep reading.",
        "Jetzt den Newsletter abonnieren und nichts verpassen.",
        "Suivez-nous sur les réseaux sociaux.",
        "This website uses cookies to count visitors. By continuing to browse you agree to their use.",
        "Cookie settings",
        "Diese Website verwendet Cookies, um Ihnen den bestmöglichen Service zu bieten.",
    ],
)
def test_calls_to_action_are_furniture(line: str) -> None:
    """A short line asking the reader to sign up, follow, share or unblock ads is dropped."""
    found = texts(f"<article>{STORY}<p>{line}</p></article>")
    assert line not in found
    assert len(found) == 4


@pytest.mark.parametrize(
    "line",
    [
        "The council said residents should follow the evacuation signs to the two shelters in the town.",
        "Fans who follow him on Instagram saw the first pictures of the flooded stadium on Sunday.",
        "The newsletter of the rowing club, printed every month since 1952, was lost in the flood.",
        "The bakery sold out of cookies by noon as volunteers stopped for coffee on the way to the quay.",
        "'Follow us,' the officer shouted, and the crowd moved back from the flooded underpass.",
        "Ad blockers cost local publishers two million euros last year, the association said.",
        "The retailer cut its affiliate commissions for garden furniture to three percent this week.",
    ],
)
def test_prose_using_the_same_words_is_kept(line: str) -> None:
    """Prose that mentions following, newsletters or friends is not a call to action."""
    assert line in texts(f"<article>{STORY}<p>{line}</p></article>")


def test_hover_card_goes_but_the_name_it_pops_up_from_stays() -> None:
    """In "Mayor <span><a>Jo Roe</a><span>card of links</span></span> said", only the card is dropped."""
    card = "<span class='card'>" + " ".join(
        f"<a href='/s/{n}'>Another story about the mayor and the valley {n}</a>" for n in range(4)
    )
    person = f"<span class='person'><a href='/p/roe'>Jo Roe</a>{card}</span></span>"
    sentence = f"<p>Mayor {person} said the dam held.</p>"
    found = texts(f"<article>{STORY}{sentence}</article>")
    assert "Mayor Jo Roe said the dam held." in found
    assert not any("Another story" in text for text in found)


@pytest.mark.parametrize(
    "label",
    ["Advert", "Text size", "All...", "More:", "Like this:", "Like Loading...", "DON'T MISS", "Leggi anche"],
)
def test_widget_labels_and_teaser_labels_alone_are_dropped(label: str) -> None:
    """A widget's label or a teaser heading standing alone as a paragraph is not a block."""
    assert texts(f"<article>{STORY}<p>{label}</p></article>")[1:] == texts(f"<article>{STORY}</article>")[1:]


@pytest.mark.parametrize("name", ["off-screen", "elementor-screen-only", "at4-visually-hidden", "u-sr-only"])
def test_screen_reader_labels_are_not_text(name: str) -> None:
    """A label for screen readers only ("Image caption") is left out of the caption it precedes."""
    figure = (
        f"<figure><img src='r.jpg'><figcaption><span class='{name}'>Image caption</span>"
        "Sandbags piled along the quay on Monday evening</figcaption></figure>"
    )
    found = texts(f"<article>{STORY}{figure}</article>")
    assert found[-1] == "Sandbags piled along the quay on Monday evening"


def test_screen_words_elsewhere_in_a_name_condemn_nothing() -> None:
    """A class such as "screenshot-gallery" or "fullscreen" is no screen-reader label."""
    figure = (
        "<figure class='fullscreen screenshot-gallery'><img src='r.jpg'>"
        "<figcaption>Sandbags piled along the quay on Monday evening</figcaption></figure>"
    )
    assert (
        texts(f"<article>{STORY}{figure}</article>")[-1] == "Sandbags piled along the quay on Monday evening"
    )


def test_gallery_slide_text_under_a_caption_class_is_a_caption() -> None:
    """A slide's text in an element named caption is of kind caption, not a list item or paragraph."""
    gallery = (
        "<ul class='gallery'><li class='slide'><img src='1.jpg'><div class='slide-caption'>"
        "<p>Sandbags piled along the quay on Monday evening as the water rose.</p></div></li></ul>"
        "<div class='wp-caption'><img src='2.jpg'>"
        "<p class='wp-caption-text'>The old stone bridge at dawn.</p>"
        "</div>"
    )
    kinds = {block.text: block.kind for block in blocks(f"<article>{STORY}{gallery}</article>")}
    assert kinds["Sandbags piled along the quay on Monday evening as the water rose."] is BlockKind.CAPTION
    assert kinds["The old stone bridge at dawn."] is BlockKind.CAPTION
    assert kinds["Schools will stay closed on Tuesday while engineers inspect the old stone bridge."] is (
        BlockKind.PARAGRAPH
    )


@pytest.mark.parametrize("credit", ["(reuters)", "(Reuters)", "AP", "(Foto Ansa)", "(EFE)"])
def test_an_agency_credit_alone_is_dropped(credit: str) -> None:
    """An agency's name alone under a photo, bare or in brackets, is a credit."""
    figure = f"<figure><img src='r.jpg'><figcaption>{credit}</figcaption></figure>"
    assert texts(f"<article>{STORY}{figure}</article>") == texts(f"<article>{STORY}</article>")


@pytest.mark.parametrize("name", ["sharedaddy sd-block", "socialshare", "sharethis-inline", "addtoany_list"])
def test_share_widgets_named_by_product_are_furniture(name: str) -> None:
    """A share widget named after its product (Jetpack's sharedaddy, AddToAny) is dropped with its text."""
    widget = (
        f"<div class='{name}'><p>Tell your neighbours about the flood appeal before the weekend</p></div>"
    )
    assert texts(f"<article>{STORY}{widget}</article>") == texts(f"<article>{STORY}</article>")


def test_a_call_to_action_does_not_count_against_the_story_it_ends() -> None:
    """A long sign-up plea under the story is dropped but does not hand the main content to another box."""
    plea = (
        "<p>Get every update on the flood, the clean-up and the council's decisions delivered straight to "
        "your inbox each morning: sign up for our free daily newsletter today and never miss a story from "
        "the valley again.</p>"
    )
    other = (
        "<div class='box'><p>Rail services resumed on the coast line this morning after repairs.</p></div>"
    )
    found = texts(f"<div class='story'>{STORY}{plea}</div>{other}")
    assert "Volunteers filled sandbags along the quay until late in the evening, the mayor said." in found
    assert not any("newsletter" in text for text in found)


@pytest.mark.parametrize("name", ["credit", "image-credit", "photo__credits"])
def test_credit_marked_by_class_leaves_the_caption_clean(name: str) -> None:
    """A credit in an element named credit is cut from its caption, though its text says nothing of credit."""
    figure = (
        "<figure><img src='r.jpg'><figcaption>Volunteers clean up the high street "
        f"<span class='{name}'>Jo Roe for the Valley Press</span></figcaption></figure>"
    )
    assert texts(f"<article>{STORY}{figure}</article>")[-1] == "Volunteers clean up the high street"
