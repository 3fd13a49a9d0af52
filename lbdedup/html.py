"""Segment HTML pages: the blocks of the main content, with posts and times from live-blog markup.

The page is parsed with beautifulsoup4's ``html.parser`` (no compiled dependency) and walked once, in
document order, with an explicit stack (unclosed tags nest deeply; recursion would overflow). The walk turns
the visible text into *units*: the text of a p, h1-h6, li, blockquote, figcaption or time element, or a run
of loose text directly inside a div-like container. Units inside site furniture (script, style, nav, site
header and footer, aside, forms, comment sections, cookie/newsletter/share widgets, hidden elements) are
marked junk and never become blocks.

The main content is the element whose units hold the most prose and the least link-heavy or menu-like
text; its units (minus link lists and widget labels) become blocks, together with the page title (the page
h1, or <title> when there is none) and anything that the page's live-blog JSON-LD vouches for.

Posts and times come from schema.org ``LiveBlogPosting`` JSON-LD (each ``liveBlogUpdate`` is a post; the
blocks whose text lies in its headline or body belong to it) and otherwise from article or section
elements that hold a <time>.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from bs4 import BeautifulSoup
from bs4.element import CData, NavigableString, Tag

from lbdedup.meta import is_byline, is_timestamp
from lbdedup.model import Block, BlockKind, Document

__all__ = ["LiveUpdate", "iso_time", "live_updates", "segment_html"]

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements whose text is one block.
BLOCK_TAGS = HEADING_TAGS | {"p", "li", "blockquote", "figcaption", "pre", "dt", "dd", "address"}
# Elements that separate blocks but whose own loose text (outside child blocks) is a paragraph. A table row
# is one block: its cells say one thing together ("3 Kevin Harvick 5033").
CONTAINER_TAGS = frozenset(
    {
        "html", "body", "div", "section", "article", "main", "header", "footer", "aside", "nav", "figure",
        "ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "caption", "form",
        "fieldset", "details", "summary", "center", "hgroup", "hr", "menu", "dialog", "legend",
        "picture", "video", "audio", "iframe", "object", "noscript",
    }
)  # fmt: skip
# Never visible text.
HARD_JUNK_TAGS = frozenset(
    {
        "head", "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
        "canvas", "select", "option", "textarea", "button", "input", "video", "audio", "map", "link",
        "meta", "title",
    }
)  # fmt: skip
# Site furniture, unless it holds the article itself (some sites wrap the whole page in a <form>).
SOFT_JUNK_TAGS = frozenset({"nav", "aside", "footer", "form", "menu", "dialog"})
JUNK_ROLES = frozenset(
    {"navigation", "complementary", "contentinfo", "search", "banner", "dialog", "alertdialog", "menu"}
)
# Words in class and id names that mark furniture: compared with whole words of the name
# ("share-buttons" -> share, buttons; "relatedStories" -> related, stories).
JUNK_NAME_WORDS = frozenset(
    {
        "comment", "comments", "commentlist", "disqus", "respond", "cookie", "cookies", "consent", "gdpr",
        "newsletter", "newsletters", "subscribe", "subscription", "signup", "signin", "login", "register",
        "share", "sharing", "sharebar", "sociallinks", "follow", "related", "recommended",
        "sharedaddy", "socialshare", "sharethis", "addtoany", "shareaholic", "likes", "credit", "credits",
        "recommendations", "recirc", "recirculation", "promo", "promos", "promotion", "advert", "adverts",
        "advertisement", "advertising", "ad", "ads", "adslot", "adunit", "dfp", "sponsor", "sponsored",
        "outbrain", "taboola", "sidebar", "rail", "breadcrumb", "breadcrumbs", "popup", "modal", "banner",
        "navbar", "nav", "navigation", "menu", "masthead", "footer", "toolbar", "pagination", "pager",
        "tags", "skip", "print", "trending", "popular", "teaser", "teasers",
        "cta", "copyright", "bio", "authorbio", "authorbox", "authorinfo", "aboutauthor", "abouttheauthor",
    }
)  # fmt: skip
JUNK_NAMES = frozenset(
    {"sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text", "screen-reader-only", "offscreen"}
)
# Text for screen readers only, as themes prefix or suffix the name ("off-screen", "elementor-screen-only",
# "at4-visually-hidden", "sharing-screen-reader-text"): a label ("Image caption") that a reader never sees.
_SCREEN_READER_NAME = re.compile(
    r"(?:^|[-_])(?:screen[-_]?reader|screen[-_]?only|visually[-_]?hidden|off[-_]?screen|sr[-_]only)(?:$|[-_])"
)
# Names that are furniture however much text they hold (a long comment thread is still comments).
STRICT_NAME_WORDS = frozenset(
    {"comment", "comments", "commentlist", "disqus", "respond", "cookie", "cookies", "consent", "gdpr",
     "newsletter", "newsletters", "outbrain", "taboola"}
)  # fmt: skip
# Comment sections, unless the page has nothing else to say: a forum thread's posts are its content.
COMMENT_NAME_WORDS = frozenset({"comment", "comments", "commentlist"})
# A class token made only of these words names the content ("entry", "entry-content", "post-body"): the other
# tokens of the element are a theme's modifiers ("entry themeform share"), not a widget's name.
CONTENT_NAME_WORDS = frozenset(
    {"entry", "content", "article", "post", "story", "body", "text", "main", "inner", "single", "blog"}
)
# Elements whose class names say what page they are on, not what they hold ("cookies-not-set" on <body>).
PAGE_WRAPPER_TAGS = frozenset({"html", "body", "main", "article"})
# Labels that widgets leave in the text.
UI_LABELS = frozenset(
    {
        "advertisement", "advertisment", "advertising", "ad", "share", "share this", "share this article",
        "tweet", "email", "print", "read more", "continue reading", "sponsored", "related", "subscribe",
        "comments", "comment", "close", "menu", "search", "skip to content", "back to top", "loading",
        "story continues below advertisement", "scroll to continue with content", "show more",
        "caption", "hide caption", "toggle caption", "media caption", "back to gallery", "view gallery",
        "open gallery", "enlarge", "expand", "enlarge this image", "getty images", "by", "updated",
        "author", "authors", "publish date", "published", "tags", "tagged", "topics", "filed under",
        "share this post", "share this story", "share this page", "share on", "share via", "sharing",
        "advert", "adverts", "text size", "all", "more", "post comment", "like this", "like loading",
        "loading content", "this slideshow requires javascript",
    }
)  # fmt: skip
# Headings that open a list of other stories, in the languages of the pages seen; everything after one in its
# section is teasers.
TEASER_HEADINGS = frozenset(
    {
        "related", "related articles", "related stories", "related posts", "related content", "related news",
        "related coverage", "related topics", "you may also like", "you might also like", "you may like",
        "more from", "more stories", "more news", "more on this story", "read more", "read next", "also read",
        "see also", "recommended", "recommended for you", "most read", "most popular", "trending", "popular",
        "latest news", "top stories", "don t miss", "dont miss", "related tags",
        "leia também", "leia mais", "veja também", "você pode gostar",
        "voce pode gostar", "notícias relacionadas", "lesen sie auch", "mehr zum thema",
        "das könnte sie auch interessieren",
        "à lire aussi", "a lire aussi", "lire aussi", "sur le même sujet", "vous aimerez aussi",
        "te puede interesar", "también te puede interesar", "noticias relacionadas", "lee también",
        "leggi anche", "potrebbe interessarti", "articoli correlati", "читайте также", "похожие статьи",
        "関連記事", "相关文章", "相關文章",
    }
)  # fmt: skip
MAX_TEASER_HEADING_WORDS = 6
_NAME_WORD = re.compile(r"[a-z]+|[A-Z][a-z]*")
_WORD = re.compile(r"\w+")
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE_END = re.compile(r"[.!?…:;\"'”’)。！？」]\s*$")
# Scripts written without spaces count one word per character.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORDISH = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_TIME_ZULU = re.compile(r"Z$", re.IGNORECASE)
_TIME_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")
_TIME_FRACTION = re.compile(r"(\.\d+)")

# A unit with more of its text inside links than this is a link list or a teaser, not prose...
MAX_LINK_DENSITY = 0.5
# ...unless it is a sentence of at least this many words with at most this share linked ("The suspect was
# convicted and <a>sentenced to life last Thursday</a>."): news links a clause of its own prose.
MIN_LINKED_PROSE_WORDS = 12
MAX_PROSE_LINK_DENSITY = 0.7
# Text outside the main content counts against a container this much per word.
BOILERPLATE_WEIGHT = 1.5
# Labels are short; a block without letters this short is a counter ("4", "2/5"), not news.
MAX_LABEL_CHARS = 40
MAX_COUNTER_CHARS = 5
# An inline element inside a paragraph with this many links, words, and share of linked text is a widget.
WIDGET_MIN_LINKS = 3
WIDGET_MIN_WORDS = 15
WIDGET_LINK_SHARE = 0.8
# An element that looks like furniture is kept when it holds at least this share of the page's prose
# (a layout wrapper named "has-sidebar" around the article).
FURNITURE_MAX_SHARE = 0.7
# The main content widens to its parent when that adds no furniture and at most this share of words (or
# this many words).
WIDEN_WORDS = 0.25
WIDEN_MIN_WORDS = 25
# A teaser card: a linked headline (of at least this many words when it is not a heading element) in a
# box of at most this many units and words.
MIN_HEADLINE_WORDS = 4
CARD_MAX_UNITS = 6
CARD_MAX_WORDS = 80
# An h2 is the headline rather than the h1 (the site's logo) when its words and the <title>'s overlap at
# least this much (Jaccard), and twice as much as the h1's.
TITLE_H2_OVERLAP = 0.5
# Prose above the headline counts against its container only when the headline leads a story: this many
# words of prose follow it, or at least a third of what precedes it.
MIN_STORY_AFTER_HEADLINE = 100
HEADLINE_LEADS_SHARE = 3
# A unit this short, without sentence punctuation, is a label rather than prose.
MIN_PROSE_WORDS = 8
# A heading is matched with the <title> on its first this many characters: an unclosed <h1> holds the rest of
# the page, and reading all of it for each heading inside it would take quadratic time.
MAX_HEADING_CHARS = 2000


@dataclass(frozen=True, slots=True)
class LiveUpdate:
    """One ``liveBlogUpdate`` of a LiveBlogPosting: a post's headline, time and body text."""

    headline: str
    time: str | None
    body: str


@dataclass(slots=True)
class _Unit:
    owner: Tag
    kind: BlockKind
    line_start: int
    line_end: int
    parts: list[str] = field(default_factory=list)
    link_chars: int = 0
    # Links the unit's text runs through: the count of links entered when it ended, less that when it began.
    links: int = 0
    teaser: bool = False
    # After a "Related stories" heading: dropped, but no evidence about its container either way.
    related: bool = False
    time: str | None = None
    time_text: str = ""
    text: str = ""
    # Whether its own text and links make it furniture (link list, label, call to action): computed once.
    furniture: bool | None = None
    # A call to action or a cookie notice: dropped, but articles end with them too, so no evidence either way.
    asks: bool = False


@dataclass(slots=True)
class _Frame:
    tag: Tag
    children: Iterator[Any]
    junk: bool
    owner: Tag
    context: BlockKind
    in_link: bool
    in_article: bool
    time: tuple[str | None, str] | None
    node: int


class _Tree:
    """The page's elements numbered in document order, with each one's parent, depth and last descendant.

    Unclosed tags nest thousands deep, so nothing walks up from each unit: "is A inside B" is a comparison
    of numbers (B <= A <= last[B]), and sums over the elements above each unit are one pass from the last
    element to the first, adding each into its parent.
    """

    def __init__(self) -> None:
        self.tags: list[Tag] = []
        self.parent: list[int] = []
        self.depth: list[int] = []
        self.last: list[int] = []
        self.number: dict[int, int] = {}

    def add(self, tag: Tag, parent: int) -> int:
        """Number ``tag``, a child of element ``parent`` (-1 for the root)."""
        node = len(self.tags)
        self.tags.append(tag)
        self.parent.append(parent)
        self.depth.append(self.depth[parent] + 1 if parent >= 0 else 0)
        self.last.append(node)
        self.number[id(tag)] = node
        return node

    def close(self, node: int) -> None:
        """Every descendant of ``node`` has been added."""
        self.last[node] = len(self.tags) - 1

    def of(self, tag: Tag) -> int:
        """The number of an element that was added."""
        return self.number[id(tag)]

    def inside(self, node: int, container: int) -> bool:
        """``node`` is ``container`` or one of its descendants."""
        return container <= node <= self.last[container]

    def add_up(self, values: list[Any]) -> None:
        """Add each element's value into its parent's, leaves first: every value becomes its subtree's sum."""
        parent = self.parent
        for node in range(len(values) - 1, 0, -1):
            values[parent[node]] += values[node]

    def below(self, marked: set[int]) -> list[bool]:
        """For each element, whether it or an element above it is in ``marked``."""
        parent = self.parent
        inside = [False] * len(self.tags)
        for node in range(len(inside)):
            inside[node] = node in marked or (node > 0 and inside[parent[node]])
        return inside


def iso_time(value: str | None) -> str | None:
    """An ISO 8601 date or date-time from a ``datetime`` attribute or JSON-LD date, or None.

    >>> iso_time("2023-09-13T05:59:00Z"), iso_time("2023-09-13T05:59:30.125+0100"), iso_time("2023-09-13")
    ('2023-09-13T05:59+00:00', '2023-09-13T05:59:30+01:00', '2023-09-13')
    >>> iso_time("yesterday") is None
    True
    """
    if not value:
        return None
    text = _TIME_ZULU.sub("+00:00", value.strip())
    text = _TIME_OFFSET.sub(r"\1:\2", text) if "T" in text or " " in text else text
    text = _TIME_FRACTION.sub("", text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if len(text) <= len("2023-09-13"):
        return moment.date().isoformat()
    return moment.isoformat(timespec="minutes" if moment.second == 0 else "seconds")


# Characters a browser shows as nothing: the soft hyphen (a line-break hint in long words), zero-width space,
# non-joiner and joiner, word joiner, and a byte-order mark inside the text.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))


def _collapse(text: str) -> str:
    """Visible text: invisible characters dropped, whitespace runs made one space.

    >>> _collapse(" Katastrophen\\u00adfall \\u200b in\\u2060 Regens\\u00adburg\\n")
    'Katastrophenfall in Regensburg'
    """
    return " ".join(text.translate(_INVISIBLE).split())


def _norm_words(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def _class_words(tag: Tag) -> Iterator[str]:
    for attribute in ("class", "id"):
        value = tag.get(attribute)
        names = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        for name in names:
            lowered = name.lower()
            if lowered in JUNK_NAMES or _SCREEN_READER_NAME.search(lowered):
                yield "sr-only"
            words = [word.lower() for word in _NAME_WORD.findall(name)]
            yield from words
            if len(words) > 1:
                # "SignIn", "sign-in", "log-in": the words joined name the widget too.
                yield "".join(words)


def _is_hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true":
        return True
    style = tag.get("style")
    return isinstance(style, str) and _HIDDEN_STYLE.search(style) is not None


def _names_content(tag: Tag) -> bool:
    """Whether one of the element's class tokens is made only of words that name the content."""
    value = tag.get("class")
    for token in value if isinstance(value, list) else []:
        words = [word.lower() for word in _NAME_WORD.findall(token)]
        if words and all(word in CONTENT_NAME_WORDS for word in words):
            return True
    return False


def _names_caption(tag: Tag) -> bool:
    """Whether a class token names a caption ("caption", "wp-caption-text", "slide-caption").

    The text of a gallery slide or of an image box is a caption, whatever element holds it.
    """
    value = tag.get("class")
    return isinstance(value, list) and any("caption" in token.lower() for token in value)


FURNITURE_COMMENTS = 3


def _furniture_level(tag: Tag, inside_article: bool) -> int:
    """How much ``tag`` looks like site furniture, from 0 (content) to 3.

    0: content; 1: looks like furniture (judged later, by how much prose it holds); 2: furniture;
    3 (FURNITURE_COMMENTS): a comment section, furniture unless the page says little outside its comments.
    """
    name = tag.name
    words = set() if name in PAGE_WRAPPER_TAGS else set(_class_words(tag))
    if words & STRICT_NAME_WORDS:
        return FURNITURE_COMMENTS if words & STRICT_NAME_WORDS <= COMMENT_NAME_WORDS else 2
    if name in SOFT_JUNK_TAGS or (name == "header" and not inside_article):
        return 1
    role = tag.get("role")
    if isinstance(role, str) and role.lower() in JUNK_ROLES:
        return 1
    if _is_hidden(tag) or "sr-only" in words:
        return 1
    if words & JUNK_NAME_WORDS and not _names_content(tag):
        return 1
    return 0


_SURROGATE = re.compile("[\ud800-\udfff]")
# A character reference: what a browser would show as one character.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")


def _json_objects(data: Any) -> Iterator[dict[str, Any]]:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            yield item
            graph = item.get("@graph")
            if isinstance(graph, list):
                stack.extend(reversed(graph))


def _types(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k) for k in kinds if k}


def _unescape(text: str) -> str:
    """``text`` with its HTML character references decoded, twice over for a page that escaped them twice.

    >>> _unescape("Farage&#x2019;s &ldquo;two-tier&rdquo; claim")
    'Farage’s “two-tier” claim'
    >>> _unescape("E&amp;#39; &amp;egrave; R&amp;D")
    "E' è R&D"
    """
    for _ in range(2):
        if "&" not in text or _ENTITY.search(text) is None:
            break
        text = html.unescape(text)
    return text


def _plain(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    # JSON can spell a lone surrogate ("\\ud800"), which is not text: U+FFFD, as browsers show it.
    text: str = _SURROGATE.sub("\ufffd", _unescape(value))
    if "<" in text and ">" in text:
        text = BeautifulSoup(text, "html.parser").get_text("\n")
    return text.translate(_INVISIBLE).strip()


def _json_ld(soup: BeautifulSoup) -> list[tuple[Tag, Any]]:
    found = []
    for script in soup.find_all("script"):
        kind = script.get("type")
        if not isinstance(kind, str) or kind.strip().lower() != "application/ld+json":
            continue
        raw = script.string or ""
        raw = raw.strip().removeprefix("<![CDATA[").removesuffix("]]>").strip()
        try:
            found.append((script, json.loads(raw)))
        except (ValueError, RecursionError):  # not JSON, or nested too deeply: the page is read without it
            continue
    return found


def live_updates(data: Any) -> list[LiveUpdate]:
    """The posts of every schema.org LiveBlogPosting in parsed JSON-LD, in their order there.

    >>> live_updates({"@type": "LiveBlogPosting", "liveBlogUpdate": [
    ...     {"headline": "Dam holds", "datePublished": "2023-09-13T05:59Z", "articleBody": "Water fell."}]})
    [LiveUpdate(headline='Dam holds', time='2023-09-13T05:59+00:00', body='Water fell.')]
    """
    updates = []
    for item in _json_objects(data):
        if "LiveBlogPosting" not in _types(item):
            continue
        entries = item.get("liveBlogUpdate")
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, dict):
                continue
            when = entry.get("datePublished") or entry.get("dateCreated") or entry.get("dateModified")
            update = LiveUpdate(
                headline=_collapse(_plain(entry.get("headline") or entry.get("name"))),
                time=iso_time(when if isinstance(when, str) else None),
                body=_plain(entry.get("articleBody") or entry.get("text")),
            )
            if update.headline or update.body:
                updates.append(update)
    return updates


def _strings(tag: Tag) -> Iterator[str]:
    """The strings ``tag.get_text()`` joins (no comments, scripts or styles), read as they are needed."""
    stack = [iter(tag.contents)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif isinstance(child, Tag):
            stack.append(iter(child.contents))
        elif type(child) is NavigableString or type(child) is CData:
            yield str(child)


def _heading_text(heading: Tag) -> str:
    """``heading.get_text()``, up to MAX_HEADING_CHARS or a little more."""
    parts = []
    size = 0
    for string in _strings(heading):
        parts.append(string)
        size += len(string)
        if size >= MAX_HEADING_CHARS:
            break
    return "".join(parts)


def _under_hard_junk(tag: Tag, known: dict[int, bool]) -> bool:
    """Whether an element above ``tag`` is never visible; ``known`` keeps the answers for elements passed."""
    path = []
    above = tag.parent
    while above is not None and id(above) not in known:
        path.append(above)
        above = above.parent
    hidden = known[id(above)] if above is not None else False
    for element in reversed(path):
        hidden = hidden or element.name in HARD_JUNK_TAGS or _is_metadata(element)
        known[id(element)] = hidden
    return hidden


def _is_metadata(tag: Tag) -> bool:
    """A hidden schema.org item: the page's metadata spelled as elements (a copy of the article)."""
    return tag.has_attr("itemscope") and _is_hidden(tag)


def _visible_headings(soup: BeautifulSoup, name: str, known: dict[int, bool]) -> Iterator[Tag]:
    for heading in soup.find_all(name):
        if (
            isinstance(heading, Tag)
            and any(string.strip() for string in _strings(heading))
            and not _under_hard_junk(heading, known)
        ):
            yield heading


def _page_title(soup: BeautifulSoup) -> tuple[Tag | None, Tag | None]:
    """The page's headline element and its <title> element.

    The headline is the h1 whose words overlap most with those of the <title> (and og:title); where the h1
    is only the site's logo, an h2 that matches the <title> far better.
    """
    title = soup.find("title")
    names = [title.get_text()] if isinstance(title, Tag) else []
    for meta in soup.find_all("meta", attrs={"property": "og:title"}):
        content = meta.get("content") if isinstance(meta, Tag) else None
        if isinstance(content, str):
            names.append(content)
    title_words = {word for name in names for word in _WORD.findall(name.casefold())}

    def overlap(heading: Tag) -> float:
        words = set(_WORD.findall(_heading_text(heading).casefold()))
        return len(words & title_words) / len(words | title_words) if words else 0.0

    best: Tag | None = None
    best_overlap = -1.0
    known: dict[int, bool] = {}
    for h1 in _visible_headings(soup, "h1", known):
        found = overlap(h1)
        if found > best_overlap:
            best, best_overlap = h1, found
    for h2 in _visible_headings(soup, "h2", known):
        found = overlap(h2)
        if found >= TITLE_H2_OVERLAP and found > 2 * best_overlap:
            best, best_overlap = h2, found
    return best, title if isinstance(title, Tag) else None


def _anchors(soup: BeautifulSoup, h1: Tag | None) -> set[int]:
    """Ids of the elements that hold the article: never dropped as furniture."""
    anchors: list[Tag] = [
        tag
        for tag in soup.find_all(True)
        if tag.name == "main" or tag.get("itemprop") == "articleBody" or tag.get("role") == "main"
    ]
    if h1 is not None:
        anchors.append(h1)
    protected: set[int] = set()
    for anchor in anchors:
        # Above an element climbed through before, every element is protected already.
        for tag in _ancestors(anchor):
            if id(tag) in protected and tag is not anchor:
                break
            protected.add(id(tag))
    return protected


_CONTEXT_OF = {"blockquote": BlockKind.QUOTE, "figcaption": BlockKind.CAPTION, "li": BlockKind.LIST_ITEM}


def _kind_of(tag: Tag, context: BlockKind) -> BlockKind:
    name = tag.name
    if name in HEADING_TAGS:
        return BlockKind.HEADING
    if name in _CONTEXT_OF:
        return _CONTEXT_OF[name]
    if name == "time":
        return BlockKind.TIMESTAMP
    return context


class _Walker:
    """One pass over the tree: visible text to units, with their source lines."""

    def __init__(self, protected: set[int]) -> None:
        self.protected = protected
        self.units: list[_Unit] = []
        self.current: _Unit | None = None
        self.line = 1
        self.breaks = 0
        self.times: list[tuple[Tag, str | None]] = []
        self.tree = _Tree()
        # Elements that look like furniture, kept or dropped by how much prose they hold (_without_furniture).
        self.flagged: set[int] = set()
        # Comment sections: dropped unless the page holds little prose outside them (_without_comments).
        self.comments: set[int] = set()
        self.links_entered = 0
        # Link and text counts of the elements _is_inline_widget looked at, and of their descendants.
        self.inline: dict[int, _Inline] = {}

    def close(self, exit_line: int | None = None) -> None:
        """End the unit being built; an element's closing tag line ends its span."""
        unit = self.current
        self.current = None
        if unit is None:
            return
        unit.text = _without_credits(_collapse("".join(unit.parts)))
        if not unit.text:
            return
        unit.links = self.links_entered - unit.links
        if exit_line is not None:
            unit.line_end = max(unit.line_end, exit_line)
        self.units.append(unit)

    def text(self, frame: _Frame, string: str) -> None:
        """Add a text node to the unit being built (or start one), tracking its lines."""
        start = self.line
        self.line += string.count("\n")
        if frame.junk:
            return
        stripped = string.strip()
        if not stripped:
            if self.current is not None:
                self.current.parts.append(" ")
            return
        if self.breaks >= 2:
            # Two <br> in a row end a paragraph of loose text.
            self.close()
        self.breaks = 0
        last = start + string[: len(string.rstrip())].count("\n")
        if self.current is None:
            first = start + string[: len(string) - len(string.lstrip())].count("\n")
            self.current = _Unit(frame.owner, _kind_of(frame.owner, frame.context), first, last)
            # Until it closes, ``links`` holds the count of links entered before it (the one it starts in
            # was entered already).
            self.current.links = self.links_entered - int(frame.in_link)
        unit = self.current
        unit.parts.append(string)
        unit.line_end = last
        if frame.in_link:
            unit.link_chars += len(stripped)
        if frame.time is not None and unit.time is None:
            unit.time, unit.time_text = frame.time

    def walk(self, root: Tag) -> list[_Unit]:
        """All units under ``root``, in document order."""
        top = self.tree.add(root, -1)
        stack = [_Frame(root, iter(root.contents), False, root, BlockKind.PARAGRAPH, False, False, None, top)]
        while stack:
            frame = stack[-1]
            child = next(frame.children, None)
            if child is None:
                stack.pop()
                self.tree.close(frame.node)
                if frame.owner is frame.tag and frame.tag is not root:
                    name = frame.tag.name
                    self.close(self.line if name in BLOCK_TAGS or name == "time" else None)
                continue
            if isinstance(child, Tag):
                self.enter(stack, frame, child)
            elif type(child) is NavigableString or isinstance(child, CData):
                self.text(frame, str(child))
            elif isinstance(child, NavigableString):
                # Comments, doctypes, script bodies: invisible, but their lines count.
                self.line += str(child).count("\n")
        self.close()
        return self.units

    def enter(self, stack: list[_Frame], frame: _Frame, tag: Tag) -> None:
        """Open an element: decide whether it is junk, starts a block, or changes the block kind."""
        if tag.sourceline is not None:
            self.line = tag.sourceline
        name = tag.name
        if name == "br":
            self.breaks += 1
            if self.current is not None:
                self.current.parts.append(" ")
            return
        if name in ("td", "th") and self.current is not None:
            self.current.parts.append(" ")
        junk = frame.junk or name in HARD_JUNK_TAGS
        block = name in BLOCK_TAGS or name in CONTAINER_TAGS
        if name == "a" and not frame.in_link:
            self.links_entered += 1
        if not junk and not block and name != "a" and frame.owner.name in BLOCK_TAGS:
            junk = _is_inline_widget(tag, self.inline)
        node = self.tree.add(tag, frame.node)
        junk = junk or _is_metadata(tag)
        if not junk and id(tag) not in self.protected:
            level = _furniture_level(tag, frame.in_article)
            if level == FURNITURE_COMMENTS:
                self.comments.add(node)
            elif level == 2 or (level == 1 and not block):
                junk = True
            elif level == 1:
                self.flagged.add(node)
        time = frame.time
        if name == "time":
            time = (iso_time(_attr(tag, "datetime")) or iso_time(tag.get_text()), _collapse(tag.get_text()))
            # A <time> standing alone between blocks is a timestamp block; inside a paragraph it is text.
            block = frame.owner.name not in BLOCK_TAGS
            if not junk:
                self.times.append((tag, time[0]))
        if block:
            self.close()
            self.breaks = 0
        context = frame.context
        if name in _CONTEXT_OF:
            context = _CONTEXT_OF[name]
        elif (name == "figure" and context is BlockKind.PARAGRAPH) or _names_caption(tag):
            context = BlockKind.CAPTION
        elif name in ("article", "section", "main"):
            # A whole article inside a list item is not a list.
            context = BlockKind.PARAGRAPH
        stack.append(
            _Frame(
                tag,
                iter(tag.contents),
                junk,
                tag if block else frame.owner,
                context,
                frame.in_link or name == "a",
                frame.in_article or name in ("article", "main", "section"),
                time,
                node,
            )
        )


@dataclass(slots=True)
class _Inline:
    """What ``_is_inline_widget`` needs of an element: its links, words and the characters of its links.

    Words are those of ``_collapse(tag.get_text(" "))``; ``linked`` adds up the collapsed texts' lengths of
    the links at every depth below the element, as ``find_all("a")`` lists them.
    """

    links: int = 0
    words: int = 0
    chars: int = 0
    linked: int = 0

    def text_length(self) -> int:
        """The length of the element's collapsed text: its words, one space between each two."""
        return self.chars + self.words - 1 if self.words else 0


def _inline_counts(tag: Tag, known: dict[int, _Inline]) -> _Inline:
    """The counts of ``tag``, and of every element below it into ``known``, in one pass with a stack.

    Nested inline elements each ask for theirs: each subtree is counted once, not once per element above it.
    """
    found = known.get(id(tag))
    if found is not None:
        return found
    stack: list[tuple[Tag, Iterator[Any], _Inline]] = [(tag, iter(tag.contents), _Inline())]
    while True:
        element, children, counts = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            known[id(element)] = counts
            if not stack:
                return counts
            parent = stack[-1][2]
            parent.links += counts.links + (element.name == "a")
            parent.words += counts.words
            parent.chars += counts.chars
            parent.linked += counts.linked + (counts.text_length() if element.name == "a" else 0)
        elif isinstance(child, Tag):
            below = known.get(id(child))
            if below is None:
                stack.append((child, iter(child.contents), _Inline()))
                continue
            counts.links += below.links + (child.name == "a")
            counts.words += below.words
            counts.chars += below.chars
            counts.linked += below.linked + (below.text_length() if child.name == "a" else 0)
        elif type(child) is NavigableString or type(child) is CData:
            # get_text's strings: no comments, nor the text of scripts and styles.
            words = child.split()
            counts.words += len(words)
            counts.chars += sum(map(len, words))


def _is_link_box(tag: Tag, known: dict[int, _Inline]) -> bool:
    counts = _inline_counts(tag, known)
    if counts.links < WIDGET_MIN_LINKS or counts.words < WIDGET_MIN_WORDS:
        return False
    return counts.linked >= WIDGET_LINK_SHARE * counts.text_length()


def _is_inline_widget(tag: Tag, known: dict[int, _Inline]) -> bool:
    """An inline element of a paragraph that is a box of links (a hover card listing a person's stories).

    Where the box is a child of the element, the child is the widget: the element also holds the linked name
    the card pops up from ("Rep. <span><a>Jo Roe</a><span>card</span></span> said"), which is prose.
    """
    if not _is_link_box(tag, known):
        return False
    return not any(isinstance(child, Tag) and _is_link_box(child, known) for child in tag.children)


def _attr(tag: Tag, name: str) -> str | None:
    value = tag.get(name)
    return value if isinstance(value, str) else None


def _ancestors(tag: Tag) -> Iterator[Tag]:
    yield tag
    yield from tag.parents


def _link_density(unit: _Unit) -> float:
    return unit.link_chars / max(1, len(unit.text))


def _is_link_heavy(unit: _Unit) -> bool:
    """A link list or a linked teaser: mostly links, and not a sentence with a linked clause."""
    density = _link_density(unit)
    if density <= MAX_LINK_DENSITY:
        return False
    # A caption that is mostly a link is an advert's image ("Want more science? Get a subscription...").
    return not (
        unit.kind in (BlockKind.PARAGRAPH, BlockKind.LIST_ITEM)
        and density <= MAX_PROSE_LINK_DENSITY
        and _word_count(unit.text) >= MIN_LINKED_PROSE_WORDS
        and _SENTENCE_END.search(unit.text[-3:]) is not None
    )


# Photo credits and gallery furniture: "Photo: Jane Roe, AP", "(Image credit: NASA)", "Image copyright EPA",
# "Jane Roe/Getty Images", "Image 2 of 5".
_CREDIT_WORDS = r"(?:image|images|photo|photos|photograph|picture|pic|foto|bild)"
_CREDIT_LINE = re.compile(
    rf"^\(?\s*(?:{_CREDIT_WORDS}\s*(?:credits?|copyright|courtesy|source)?\s*(?::|©|by\b)"
    rf"|{_CREDIT_WORDS}\s+(?:credits?|copyright|courtesy)\b|credits?\s*:|©|copyright\s*©?|courtesy\s+of\b)",
    re.IGNORECASE,
)
_AGENCY_END = re.compile(
    r"(?:^\(?|/|,\s*|\s-\s|\s|\()(?:getty(?:\s*images)?|ap|afp|reuters|epa|shutterstock|alamy|pa|dpa|istock|"
    r"ap\s+photo|pa\s+wire|pa\s+images|afp\s+via\s+getty\s+images|ansa|lapresse|efe|europa\s+press)\)?\s*$",
    re.IGNORECASE,
)
_GALLERY_COUNTER = re.compile(r"^(?:image|photo|slide|picture)?\s*\d+\s*(?:of|/)\s*\d+$", re.IGNORECASE)
# Credits glued to the end of a caption ("... ate a rabbitCredit: Getty", "... autonomy (Image: GETTY )") and
# counters glued to its start ("1of4Grass Valley's ...").
_GLUED_CREDIT = re.compile(
    rf"(?:(?<=[a-z.!?)”\"'])Credit:\s.*|\s*\(\s*{_CREDIT_WORDS}\s*(?:credit)?\s*:[^()]*\))$", re.IGNORECASE
)
_GLUED_COUNTER = re.compile(r"^\d+\s?of\s?\d+(?=[A-Z])")
MAX_CREDIT_WORDS = 12
MAX_GLUED_CREDIT_CHARS = 200
MAX_AGENCY_CREDIT_WORDS = 8


def _is_credit(text: str) -> bool:
    """A photo credit or a gallery counter standing alone.

    >>> _is_credit("Photo: John Locher, AP"), _is_credit("(Image credit: Blue Origin)")
    (True, True)
    >>> _is_credit("Biplov Bhuyan/Hindustan Times/Getty Images"), _is_credit("Image 3 of 5")
    (True, True)
    >>> _is_credit("(reuters)"), _is_credit("(Foto Ansa)"), _is_credit("AP")
    (True, True, True)
    >>> _is_credit("Photos show the river rising two metres overnight in the town centre, AP reports.")
    False
    """
    words = len(text.split())
    if words > MAX_CREDIT_WORDS:
        return False
    if _CREDIT_LINE.match(text) or _GALLERY_COUNTER.match(text):
        return True
    # Names and agencies only: no sentence ends inside ("The square. Photograph: Ann Lee/AP" is a caption).
    return (
        words <= MAX_AGENCY_CREDIT_WORDS
        and _AGENCY_END.search(text) is not None
        and ". " not in text
        and not text.endswith(".")
    )


def _without_credits(text: str) -> str:
    """A caption without the credit glued to its end or the gallery counter glued to its start.

    >>> _without_credits("A hunter killed and ate a rabbitCredit: Getty - Contributor")
    'A hunter killed and ate a rabbit'
    >>> _without_credits("1of4Grass Valley's hardware store sold out. (Image: GETTY )")
    "Grass Valley's hardware store sold out."
    """
    if "redit" not in text and "(" not in text and not text[:1].isdigit():
        return text
    # A credit is short: only the tail is searched, so a long unit full of "(Image:" costs linear time.
    cut = max(0, len(text) - MAX_GLUED_CREDIT_CHARS)
    head, tail = text[:cut], text[cut:]
    found = _GLUED_CREDIT.search(tail)
    kept = head + tail[: found.start()] if found is not None else text
    return _GLUED_COUNTER.sub("", kept).strip() or text


# Calls to action written as text, in a short unit: newsletter sign-ups, "follow us", "share it with a
# friend", affiliate-link disclosures, ad-blocker pleas (in the languages of the furniture lists).
_CALL_TO_ACTION = re.compile(
    r"\b(?:sign\s+up|subscribe)\b.{0,80}\b(?:newsletters?|inbox|alerts)\b"
    r"|\bnewsletters?\b.{0,60}\b(?:inbox|sign\s+up|subscribe)\b"
    r"|\bfollow\s+us(?:\s+(?:on|at|for|via|by|elsewhere)\b|\s*[:@!.]|\s*$)|\bfollow\s+(?:him|her|me|them)\b.{0,20}@\w"
    r"|\bshare\s+(?:it|this(?:\s+(?:story|article|post))?)\s+with\s+(?:a|your)\s+friends?\b"
    r"|\bmay\s+(?:earn|receive)\b.{0,30}\bcommissions?\b|\baffiliate\s+(?:links|partnerships)\b"
    r"|\byour\s+ad\s?-?blocker\b|\b(?:disable|turn\s+off|whitelist)\s+(?:an?\s+|the\s+)?ad\s?-?blockers?\b"
    r"|\bnewsletter\s+abonnieren\b|\bfolgen\s+sie\s+uns\b|\bsuivez[- ]nous\b"
    r"|\babonnez[- ]vous\b.{0,40}\bnewsletter\b|\bs[ií]guenos\b|\bsuscr[ií]bete\b|\bseguici\b"
    r"|\biscriviti\b.{0,40}\bnewsletter\b",
    re.IGNORECASE,
)
MAX_CALL_TO_ACTION_WORDS = 45
# A cookie notice written as text, wherever its box sits ("This website uses cookies to ...").
_COOKIE_NOTICE = re.compile(
    r"\b(?:this|our)\s+(?:web)?site\s+uses\s+cookies?\b|\bwe\s+use\s+cookies\b|\buse\s+of\s+cookies\b"
    r"|\b(?:accept|allow)\s+(?:all\s+)?cookies\b|\bcookie\s+(?:settings|policy|preferences)\b"
    r"|\b(?:diese\s+(?:web)?seite|diese\s+website|wir)\s+(?:verwendet|verwenden|nutzt|nutzen)\s+cookies\b"
    r"|\b(?:ce\s+site\s+utilise|nous\s+utilisons)\s+des\s+cookies\b"
    r"|\b(?:este\s+sitio(?:\s+web)?\s+utiliza|utilizamos)\s+cookies\b"
    r"|\b(?:questo\s+sito\s+utilizza|utilizziamo)\s+(?:i\s+)?cookie\b",
    re.IGNORECASE,
)
MAX_COOKIE_NOTICE_WORDS = 80


def _is_call_to_action(text: str) -> bool:
    """A short line asking the reader to sign up, follow, share or turn off an ad blocker, or a cookie notice.

    >>> _is_call_to_action("Get the latest flood alerts in your inbox: sign up for our daily newsletter.")
    True
    >>> _is_call_to_action("The council said residents should follow the evacuation signs to the shelters.")
    False
    """
    words = _word_count(text)
    if words <= MAX_CALL_TO_ACTION_WORDS and _CALL_TO_ACTION.search(text) is not None:
        return True
    return words <= MAX_COOKIE_NOTICE_WORDS and _COOKIE_NOTICE.search(text) is not None


def _is_label(text: str) -> bool:
    """A widget's label ("Share", "Advertisement"), a photo credit, or a gallery counter ("4", "2/5").

    A teaser heading standing alone as a paragraph ("DON'T MISS", "Leggi anche") is a label too.
    """
    if len(text) <= MAX_COUNTER_CHARS and not _LETTER.search(text):
        return not is_timestamp(text)
    if len(text) <= MAX_LABEL_CHARS:
        words = _norm_words(text)
        if words in UI_LABELS or words in TEASER_HEADINGS:
            return True
    return _is_credit(text)


def _is_furniture(unit: _Unit) -> bool:
    """A link list, a teaser or a widget label: never a block, wherever it is."""
    if unit.teaser or unit.related:
        return True
    if unit.furniture is None:
        unit.asks = _is_call_to_action(unit.text)
        unit.furniture = unit.asks or _is_link_heavy(unit) or _is_label(unit.text)
    return unit.furniture


def _is_teaser_heading(unit: _Unit) -> bool:
    if unit.kind is not BlockKind.HEADING and unit.owner.name not in HEADING_TAGS:
        return False
    words = _norm_words(unit.text)
    if words.count(" ") >= MAX_TEASER_HEADING_WORDS:
        return False
    # "More from The Ledger" opens a list; "Related post: Pickled sprouts" is one teaser, not a section.
    return words in TEASER_HEADINGS or words.startswith(
        ("more from ", "more on ", "more stories from ", "more great ", "popular on ", "about the author")
    )


def _mark_teaser_sections(units: list[_Unit], tree: _Tree) -> None:
    """Mark a "Related stories" heading and every unit after it in its section as teasers."""
    # covered[n]: element n is inside a section found so far (a section's elements are consecutive).
    covered = bytearray(len(tree.tags))
    for unit in units:
        node = tree.of(unit.owner)
        if covered[node]:
            unit.related = True
        elif _is_teaser_heading(unit) and node > 0:
            unit.related = True
            section = tree.parent[node] if unit.owner.name in HEADING_TAGS else node
            end = tree.last[section] + 1
            covered[section:end] = b"\x01" * (end - section)


def _mark_teasers(units: list[_Unit], tree: _Tree, headline: Tag | None = None) -> None:
    """Mark the units of teaser cards: a linked headline boxed with a line or two of summary.

    The card is the largest element around the linked headline that still holds only a few short units;
    an article's own paragraphs sit together in a container far larger than that.
    """
    count = [0] * len(tree.tags)
    prose = [0] * len(tree.tags)
    for unit in units:
        node = tree.of(unit.owner)
        count[node] += 1
        prose[node] += _word_count(unit.text)
    tree.add_up(count)
    tree.add_up(prose)
    cards: set[int] = set()
    for unit in units:
        if not _is_link_heavy(unit) or unit.kind is BlockKind.QUOTE:
            continue
        # The page's own headline often links to the page; a line of several links ("Tags: a, b, c") is a
        # link list, not a card's headline.
        if unit.owner is headline or unit.links > 1:
            continue
        if unit.owner.name not in HEADING_TAGS and _word_count(unit.text) < MIN_HEADLINE_WORDS:
            continue
        # Each element climbed through holds at most CARD_MAX_UNITS units: the climbs take linear time.
        card = -1
        node = tree.of(unit.owner)
        while node >= 0 and count[node] <= CARD_MAX_UNITS and prose[node] <= CARD_MAX_WORDS:
            card = node
            node = tree.parent[node]
        if card >= 0 and count[card] > 1:
            cards.add(card)
    if not cards:
        return
    in_card = tree.below(cards)
    # A short post under a linked headline looks like a card too: when the page holds less prose outside
    # its cards than the card with the most, that card is the article.
    outside = sum(
        max(0.0, _value(unit)) for unit in units if not in_card[tree.of(unit.owner)] and not unit.related
    )
    largest = max(cards, key=lambda card: (prose[card], -card))
    if outside < prose[largest]:
        cards.discard(largest)
        in_card = tree.below(cards)
    for unit in units:
        if in_card[tree.of(unit.owner)]:
            unit.teaser = True


def _word_count(text: str) -> int:
    """Words, counting each character of Chinese and Japanese as one.

    >>> _word_count("The dam held."), _word_count("商標法違反")
    (3, 5)
    """
    return len(_WORDISH.findall(text))


def _value(unit: _Unit) -> float:
    """How much a unit says that its container is the article: prose counts for, link lists against."""
    if unit.related:
        return 0.0
    words = _word_count(unit.text)
    if _is_furniture(unit):
        return 0.0 if unit.asks else -BOILERPLATE_WEIGHT * words
    if unit.kind in (BlockKind.HEADING, BlockKind.TITLE, BlockKind.TIMESTAMP):
        return 0.0
    if words >= MIN_PROSE_WORDS or _SENTENCE_END.search(unit.text[-3:]):
        return float(words)
    return 0.0


# A page with less prose than this outside its comment sections (a headline, a sign-in prompt) is a forum
# thread: the comments are its content.
COMMENTS_ONLY_MAX_WORDS = 25


def _without_comments(
    units: list[_Unit], times: list[tuple[Tag, str | None]], tree: _Tree, comments: set[int]
) -> tuple[list[_Unit], list[tuple[Tag, str | None]]]:
    """Drop the units and times inside comment sections, unless the page says little outside them."""
    if not comments:
        return units, times
    inside = tree.below(comments)
    values = [max(0.0, _value(unit)) for unit in units]
    held = sum(value for unit, value in zip(units, values, strict=True) if inside[tree.of(unit.owner)])
    outside = sum(values) - held
    if outside < min(COMMENTS_ONLY_MAX_WORDS, held):
        return units, times
    kept = [unit for unit in units if not inside[tree.of(unit.owner)]]
    return kept, [(tag, moment) for tag, moment in times if not inside[tree.of(tag)]]


def _without_furniture(
    units: list[_Unit], times: list[tuple[Tag, str | None]], tree: _Tree, flagged: set[int]
) -> tuple[list[_Unit], list[tuple[Tag, str | None]]]:
    """Drop the units (and times) inside furniture-like elements that hold little of the page's prose.

    ``flagged`` are the elements that look like furniture; a flagged element that holds a time but no unit
    is furniture too.
    """
    if not flagged:
        return units, times
    values = [max(0.0, _value(unit)) for unit in units]
    total = sum(values)
    held = [0.0] * len(tree.tags)
    count = [0] * len(tree.tags)
    for unit, value in zip(units, values, strict=True):
        node = tree.of(unit.owner)
        held[node] += value
        count[node] += 1
    tree.add_up(held)
    tree.add_up(count)
    timed = [0] * len(tree.tags)
    for tag, _ in times:
        timed[tree.of(tag)] += 1
    tree.add_up(timed)
    furniture = {
        node
        for node in flagged
        if (count[node] and (held[node] < FURNITURE_MAX_SHARE * total or not total))
        or (not count[node] and timed[node])
    }
    inside = tree.below(furniture)
    kept = [unit for unit in units if not inside[tree.of(unit.owner)]]
    kept_times = [(tag, moment) for tag, moment in times if not inside[tree.of(tag)]]
    return kept, kept_times


def _main_content(units: list[_Unit], headline: Tag | None, tree: _Tree) -> int | None:
    """The element whose units hold the most prose net of the link lists and labels inside it.

    Prose above the headline (tickers, teasers of other stories) does not count for its container.
    """
    if not units:
        return None
    size = len(tree.tags)
    score = [0.0] * size
    words = [0] * size
    # The position of the first unit inside each element: ties go to the element whose units come first.
    first = [len(units)] * size
    before = headline is not None and any(unit.owner is headline for unit in units)
    if before:
        # A headline printed after the story (layouts that place it with CSS) leads nothing: the prose
        # above it is the story.
        after = at = 0.0
        for unit in units:
            at = at or float(unit.owner is headline)
            after += at * max(0.0, _value(unit))
        above = sum(max(0.0, _value(unit)) for unit in units) - after
        before = after * HEADLINE_LEADS_SHARE >= above or after >= MIN_STORY_AFTER_HEADLINE
    for position, unit in enumerate(units):
        if unit.owner is headline:
            before = False
        node = tree.of(unit.owner)
        score[node] += min(0.0, _value(unit)) if before else _value(unit)
        words[node] += _word_count(unit.text)
        first[node] = min(first[node], position)
    tree.add_up(score)
    tree.add_up(words)
    parent = tree.parent
    for node in range(size - 1, 0, -1):
        first[parent[node]] = min(first[parent[node]], first[node])
    depth = tree.depth
    best = max(
        (node for node in range(size) if first[node] < len(units)),
        key=lambda node: (score[node], depth[node], -first[node]),
    )
    # Widen to the parent while that costs nothing and adds only a little neutral text (the headline, the
    # byline and time above a story body).
    limit = words[best] * (1 + WIDEN_WORDS) + WIDEN_MIN_WORDS
    while parent[best] >= 0:
        up = parent[best]
        if score[up] < score[best] or words[up] > limit:
            break
        best = up
    return best


def _json_ld_posts(units: list[_Unit], updates: list[LiveUpdate]) -> dict[int, int]:
    """Unit position -> update position, for units whose text lies in an update's headline or body.

    An index of the updates' word trigrams keeps this linear: a unit is only compared with the updates
    that hold its first three words.
    """
    # A headline that several updates share (the Guardian gives each the page's) tells no post from another.
    shared = Counter(_norm_words(update.headline) for update in updates)
    own_headline = [shared[_norm_words(update.headline)] == 1 for update in updates]
    texts = [
        f" {_norm_words((update.headline if own else '') + chr(10) + update.body)} "
        for update, own in zip(updates, own_headline, strict=True)
    ]
    headlines: dict[str, int] = {}
    for number, update in enumerate(updates):
        if own_headline[number]:
            headlines.setdefault(_norm_words(update.headline), number)
    trigrams: dict[str, list[int]] = {}
    for number, text in enumerate(texts):
        words = text.split()
        for start in range(len(words) - 2):
            holders = trigrams.setdefault(" ".join(words[start : start + 3]), [])
            if not holders or holders[-1] != number:
                holders.append(number)
    matched: dict[int, int] = {}
    for position, unit in enumerate(units):
        key = _norm_words(unit.text)
        words = key.split()
        if len(words) < 3:
            if key in headlines:
                matched[position] = headlines[key]
            continue
        for number in trigrams.get(" ".join(words[:3]), ()):
            if f" {key} " in texts[number]:
                matched[position] = number
                break
    return matched


_NO_POST = -1
_POSTS = -2


def _post_containers(units: list[_Unit], matched: dict[int, int], tree: _Tree) -> dict[int, int]:
    """Element -> post, for the largest element around each post's units that holds no other post."""
    # only[n]: the one post whose units element n holds, _NO_POST for none, _POSTS for several.
    only = [_NO_POST] * len(tree.tags)
    for position, post in matched.items():
        node = tree.of(units[position].owner)
        only[node] = post if only[node] in (_NO_POST, post) else _POSTS
    parent = tree.parent
    for node in range(len(only) - 1, 0, -1):
        mine, up = only[node], only[parent[node]]
        if mine != _NO_POST and up != mine:
            only[parent[node]] = mine if up == _NO_POST else _POSTS
    containers: dict[int, int] = {}
    # The climb from an element ends where the climb through it ended: each element is climbed once.
    top: dict[int, int] = {}
    for position, post in matched.items():
        node = tree.of(units[position].owner)
        path = []
        while node not in top and parent[node] >= 0 and only[parent[node]] == post:
            path.append(node)
            node = parent[node]
        node = top.get(node, node)
        top.update(dict.fromkeys(path, node))
        containers[node] = post
    return containers


def _dom_posts(times: list[tuple[Tag, str | None]], tree: _Tree) -> dict[int, tuple[Tag, str | None]]:
    """Article or section elements that hold a <time>: element -> (element, time of its first <time>)."""
    parent = tree.parent
    # around[n]: the nearest article or section strictly above element n, or -1.
    around = [-1] * len(tree.tags)
    for node in range(1, len(around)):
        up = parent[node]
        around[node] = up if tree.tags[up].name in ("article", "section") else around[up]
    found: dict[int, tuple[Tag, str | None]] = {}
    for time, moment in times:
        post = around[tree.of(time)]
        if post >= 0 and post not in found:
            found[post] = (tree.tags[post], moment)
    # The innermost ones: a section around several timed articles is the blog, not a post.
    holds = [False] * len(around)
    for node in range(len(around) - 1, 0, -1):
        if holds[node] or node in found:
            holds[parent[node]] = True
    posts = {node: value for node, value in found.items() if not holds[node]}
    return posts if len(posts) >= 2 else {}


_LIVE_UPDATE_PROP = re.compile(r"(?:^|\s)liveBlogUpdate(?:\s|$)")
_DATE_PROPS = ("datePublished", "dateCreated", "dateModified")


def _microdata_posts(soup: BeautifulSoup, tree: _Tree) -> dict[int, str | None]:
    """Microdata ``itemprop="liveBlogUpdate"`` elements: element -> the time its date property gives.

    Each date property belongs to the nearest update around it: one pass over the elements, however deep
    unclosed tags nest the updates.
    """
    items = {
        tree.of(tag)
        for tag in soup.find_all(itemprop=_LIVE_UPDATE_PROP)
        if isinstance(tag, Tag) and id(tag) in tree.number
    }
    if not items:
        return {}
    parent = tree.parent
    # nearest[n]: the nearest update at or above element n, or -1.
    nearest = [-1] * len(tree.tags)
    for node in range(len(nearest)):
        nearest[node] = node if node in items else nearest[parent[node]] if node > 0 else -1
    dates: dict[int, dict[str, str]] = {}
    for tag in soup.find_all(itemprop=list(_DATE_PROPS)):
        if not isinstance(tag, Tag) or id(tag) not in tree.number:
            continue
        item = nearest[tree.of(tag)]
        moment = iso_time(_attr(tag, "content") or _attr(tag, "datetime") or tag.get_text())
        if item >= 0 and moment is not None:
            dates.setdefault(item, {}).setdefault(str(tag.get("itemprop")), moment)
    found: dict[int, str | None] = {}
    for item in sorted(items):
        given = dates.get(item, {})
        found[item] = next((given[prop] for prop in _DATE_PROPS if prop in given), None)
    return found


# A post's own time and the clock its page shows differ by a zone offset: a whole number of these minutes,
# give or take a rounding of seconds.
OFFSET_STEP_MINUTES = 15
OFFSET_SLACK_MINUTES = 2
MAX_OFFSET_MINUTES = 14 * 60


def _one_time(own: str | None, shown: str | None, repeated: bool) -> str | None:
    """A post's one time, from the time its markup gives it and the time its <time> element shows.

    The markup's time wins, written in the zone of the shown clock when the two differ by a zone offset
    (la Repubblica shows "16:48" and marks 15:48:45Z); a markup time that other posts share too (the
    Guardian gives every update the page's) is no post's own, and the shown one wins.

    >>> _one_time("2023-11-02T15:48:45+00:00", "2023-11-02T16:48+00:00", False)
    '2023-11-02T16:48:45+01:00'
    >>> _one_time("2023-05-15T11:50:54+00:00", "2023-05-15T10:13:16+00:00", True)
    '2023-05-15T10:13:16+00:00'
    """
    if own is None or (repeated and shown is not None):
        return shown or own
    if shown is None or "T" not in own or "T" not in shown:
        return own
    try:
        moment, clock = datetime.fromisoformat(own), datetime.fromisoformat(shown)
    except ValueError:
        return own
    if moment.tzinfo is None:
        return own
    utc = moment.astimezone(timezone.utc).replace(tzinfo=None)
    minutes = (clock.replace(tzinfo=None) - utc).total_seconds() / 60
    offset = round(minutes / OFFSET_STEP_MINUTES) * OFFSET_STEP_MINUTES
    if abs(minutes - offset) > OFFSET_SLACK_MINUTES or abs(offset) > MAX_OFFSET_MINUTES:
        return own
    local = moment.astimezone(timezone(timedelta(minutes=offset)))
    return local.isoformat(timespec="minutes" if local.second == 0 else "seconds")


def _posts_below(containers: dict[int, int], tree: _Tree) -> list[int | None]:
    """For each element, the post of the nearest container at or above it, or None."""
    parent = tree.parent
    post: list[int | None] = [None] * len(tree.tags)
    for node in range(len(post)):
        post[node] = containers.get(node, post[parent[node]] if node > 0 else None)
    return post


def _script_lines(script: Tag) -> tuple[int, int]:
    start = script.sourceline or 1
    return start, start + (script.string or "").count("\n")


@dataclass(frozen=True, slots=True)
class _Piece:
    """A block before numbering: text, kind, lines, and the post key it belongs to."""

    line_start: int
    line_end: int
    kind: BlockKind
    text: str
    post: int | None
    time: str | None


def _pieces_from_updates(
    script: Tag, updates: Iterable[tuple[int, LiveUpdate]], first_key: int
) -> Iterator[_Piece]:
    start, end = _script_lines(script)
    for number, update in updates:
        key = first_key + number
        if update.headline:
            yield _Piece(start, end, BlockKind.HEADING, update.headline, key, update.time)
        for line in update.body.splitlines():
            text = _collapse(line)
            if text:
                yield _Piece(start, end, BlockKind.PARAGRAPH, text, key, update.time)


def _refine_kind(unit: _Unit) -> BlockKind:
    if unit.time_text and unit.text == unit.time_text:
        return BlockKind.TIMESTAMP
    if unit.kind is BlockKind.PARAGRAPH and is_timestamp(unit.text):
        return BlockKind.TIMESTAMP
    if unit.kind is BlockKind.PARAGRAPH and is_byline(unit.text):
        return BlockKind.BYLINE
    return unit.kind


def _pieces(soup: BeautifulSoup) -> list[_Piece]:
    h1, title = _page_title(soup)
    walker = _Walker(_anchors(soup, h1))
    tree = walker.tree
    units, times = _without_comments(walker.walk(soup), walker.times, tree, walker.comments)
    units, times = _without_furniture(units, times, tree, walker.flagged)
    _mark_teasers(units, tree, h1)
    _mark_teaser_sections(units, tree)
    pieces: list[_Piece] = []
    if h1 is None and title is not None:
        text = _collapse(title.get_text())
        if text:
            line = title.sourceline or 1
            pieces.append(_Piece(line, line, BlockKind.TITLE, text, None, None))

    scripts_updates = [(script, live_updates(data)) for script, data in _json_ld(soup)]
    scripts_updates = [(script, updates) for script, updates in scripts_updates if updates]
    updates = [update for _, found in scripts_updates for update in found]
    matched = _json_ld_posts(units, updates) if updates else {}
    # The page's headline is no post's, even where an update repeats it.
    matched = {position: post for position, post in matched.items() if units[position].owner is not h1}
    post_time: dict[int, str | None]
    if matched:
        containers = _post_containers(units, matched, tree)
        own_times = [update.time for update in updates]
    elif micro := _microdata_posts(soup, tree):
        containers = {node: number for number, node in enumerate(micro)}
        own_times = list(micro.values())
    else:
        dom = _dom_posts(times, tree)
        containers = {key: number for number, key in enumerate(dom)}
        own_times = [value[1] for value in dom.values()]
    post_at = _posts_below(containers, tree)
    shown_times: dict[int, str] = {}
    for tag, moment in times:
        post = post_at[tree.of(tag)]
        if post is not None and moment is not None:
            shown_times.setdefault(post, moment)
    # A time most posts share is the page's (two posts in one minute are not).
    repeated = Counter(own_times)
    post_time = {
        number: _one_time(own, shown_times.get(number), 2 * repeated[own] > len(own_times) > 1)
        for number, own in enumerate(own_times)
    }

    main = _main_content(units, h1, tree)
    shown: set[int] = set()
    for position, unit in enumerate(units):
        title_unit = h1 is not None and unit.owner is h1
        node = tree.of(unit.owner)
        post = post_at[node]
        if not title_unit and _is_furniture(unit):
            continue
        in_main = main is not None and tree.inside(node, main)
        if not (title_unit or position in matched or in_main):
            continue
        kind = BlockKind.TITLE if title_unit else _refine_kind(unit)
        time = unit.time if kind is BlockKind.TIMESTAMP and unit.time else None
        if post is not None:
            # One time per post: its shown time stamp says when the post is, not when something else was.
            time = post_time.get(post) or time
        pieces.append(_Piece(unit.line_start, unit.line_end, kind, unit.text, post, time))
        if position in matched:
            shown.add(matched[position])

    # Updates the markup does not show (pages that render posts with script, or list only in an index of
    # key events) come from the JSON-LD.
    # Post keys of the markup's own posts (when the JSON-LD matched none) come first; these follow them.
    base = 0 if matched else len(post_time)
    first = 0
    for script, found in scripts_updates:
        missing = [(number, update) for number, update in enumerate(found) if first + number not in shown]
        if matched or len(missing) == len(found):
            pieces.extend(_pieces_from_updates(script, missing, base + first))
        first += len(found)
    return pieces


def segment_html(document: Document, doc: int = 0) -> tuple[Block, ...]:
    """Split an HTML page into the blocks of its main content, with posts and times where marked up.

    >>> page = "<body><nav><a href='/'>Home</a></nav><h1>Dam live</h1>\\n<p>The dam held.</p></body>"
    >>> [(b.kind.value, b.text, b.line_start) for b in segment_html(Document("a.html", page, format="html"))]
    [('title', 'Dam live', 1), ('paragraph', 'The dam held.', 2)]
    """
    soup = BeautifulSoup(document.text, "html.parser")
    pieces = _pieces(soup)
    posts = _post_numbers(pieces)
    times = [piece.time for piece in pieces]
    if pieces and all(post is None for post in posts):
        from lbdedup.posts import post_times

        # No markup for posts: read them as in text ("12.31 Uhr: ..." headings), the page's metadata dating
        # a clock time alone.
        found = post_times([piece.kind for piece in pieces], [piece.text for piece in pieces])
        if found is not None:
            date, offset = _page_clock(soup)
            posts = list[int | None](found[0])
            times = [_dated(time, date, offset) for time in found[1]]
    return tuple(
        Block(
            doc=doc,
            source=document.source,
            index=index,
            line_start=piece.line_start,
            line_end=max(piece.line_start, piece.line_end),
            kind=piece.kind,
            text=piece.text,
            post=post,
            time=time,
        )
        for index, (piece, post, time) in enumerate(zip(pieces, posts, times, strict=True))
    )


_PAGE_DATE_META = frozenset(
    {"article:published_time", "article:modified_time", "og:updated_time", "datepublished", "datemodified"}
)
_BARE_CLOCK = re.compile(r"\d{2}:\d{2}(?::\d{2})?([+-]\d{2}:\d{2})?")
_NO_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?")


def _page_clock(soup: BeautifulSoup) -> tuple[str | None, str | None]:
    """The date of the page (its latest published or modified time) and the zone offset its times are in.

    The date comes from the page's metadata (JSON-LD, <meta>), else its <time> elements; the offset is the
    commonest one other than UTC's among all of them (a site's times in UTC say nothing of its clock).
    """
    meta: list[datetime] = []
    for _, data in _json_ld(soup):
        for item in _json_objects(data):
            for key in ("dateModified", "datePublished"):
                meta.extend(_instants(item.get(key)))
    for tag in soup.find_all("meta"):
        if isinstance(tag, Tag):
            name = _attr(tag, "property") or _attr(tag, "itemprop") or _attr(tag, "name") or ""
            if name.lower() in _PAGE_DATE_META:
                meta.extend(_instants(_attr(tag, "content")))
    shown = [
        moment
        for tag in soup.find_all("time")
        if isinstance(tag, Tag)
        for moment in _instants(_attr(tag, "datetime"))
    ]
    dated = meta or shown
    date = max(dated).date().isoformat() if dated else None
    offsets = Counter(
        moment.isoformat()[-6:] for moment in meta + shown if moment.utcoffset() != timedelta(0)
    )
    return date, offsets.most_common(1)[0][0] if offsets else None


def _instants(value: Any) -> list[datetime]:
    """The moment of an ISO date-time with a zone, as a list of one (none for anything else)."""
    moment = iso_time(value) if isinstance(value, str) else None
    if moment is None or "T" not in moment:
        return []
    parsed = datetime.fromisoformat(moment)
    return [parsed] if parsed.tzinfo is not None else []


def _dated(time: str | None, date: str | None, offset: str | None) -> str | None:
    """A post time read from text, given the page's date (a clock time alone) and zone (a time without one).

    >>> _dated("12:31", "2024-08-27", "+02:00"), _dated("2024-08-26T23:10", None, "+02:00")
    ('2024-08-27T12:31+02:00', '2024-08-26T23:10+02:00')
    >>> _dated("15:53+01:00", "2023-09-13", "-04:00"), _dated("-PT2H", "2023-09-13", None)
    ('2023-09-13T15:53+01:00', '-PT2H')
    """
    if time is None:
        return None
    clock = _BARE_CLOCK.fullmatch(time)
    if clock is not None:
        if date is None:
            return time
        return f"{date}T{time}" + ("" if clock.group(1) else offset or "")
    if offset and _NO_OFFSET.fullmatch(time):
        return time + offset
    return time


def _post_numbers(pieces: Sequence[_Piece]) -> list[int | None]:
    """Posts numbered from 0 in page order, as for text: the page head (title, standfirst) is post 0.

    A block between posts belongs to the post above it; a page without posts has none.
    """
    if all(piece.post is None for piece in pieces):
        return [None] * len(pieces)
    numbers: dict[int, int] = {}
    head = pieces[0].post is None
    current: int | None = 0 if head else None
    result: list[int | None] = []
    for piece in pieces:
        if piece.post is not None:
            current = numbers.setdefault(piece.post, len(numbers) + int(head))
        result.append(current)
    return result
