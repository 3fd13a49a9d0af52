"""A labelled quality benchmark: scrape sets with known truth, made from real live blogs, judged by block.

Usage::

    python benchmarks/bench_quality.py                 # the test splits, lbdedup and an exact-hash baseline
    python benchmarks/bench_quality.py --split valid   # the splits to tune on
    python benchmarks/bench_quality.py --json          # the figures as one JSON object

The truth generator (``build_set`` and what it calls) never imports lbdedup: it writes pages as text files
and, beside them, what every line of every page is (which blog, which post, which piece of content, or
furniture). The judge runs ``python -m lbdedup clean --format json`` over each set's pages, as a user would,
and compares the report with the truth. A set is made from the blogs of one source (Guardian or BBC) of one
split of ``../shared/corpus/liveblogs`` (``--corpus``); per blog, deterministically (``--seed``):

- the page as published (title, then per post: time line, headline, paragraphs of 1-3 sentences), newest
  post first, the oldest posts sometimes paginated away; sometimes a pinned post repeated at the top, a
  photo caption printed twice (once with a credit), a dangling link prompt ("Read more here.");
- sometimes an earlier snapshot (the newest posts not yet there, a few paragraphs with their quotes or one
  letter changed);
- sometimes a scraper copy: an invented site's header and footer (breadcrumb glued to the title, role
  bylines, reading times, share and comment labels, teaser sections listing other blogs' headlines),
  some paragraphs truncated with "…", some posts missing;
- across blogs: wire paragraphs pasted into another blog's post (true copies), paragraphs pasted with a
  number changed (hard negatives), and in BBC sets the first post of every day opening at 08:00 with its
  region's stock greeting (near-identical text, different posts: their time lines must not merge).

Truth groups: content, headlines and titles are one group per piece of text (copies, edits, truncations,
glued titles, equal texts); a time line is one group per post (its copies in snapshots and scraper pages),
never merged with another post's equal time text. Figures, per set and in total:

- pair precision, recall and F1 of the clusters (pairs of blocks said to be one text, over non-furniture);
- content groups with no kept copy (must be 0: text lost), redundant copies left (kept members beyond one);
- furniture recall (furniture blocks not kept) and precision (blocks dropped as boilerplate that are
  furniture);
- timelines mixing blogs, blogs split over timelines, post time lines lost (a post printed without any of
  its time lines: its own, or those of a post all of which is in it, which the truth joins with them).

The baseline keeps the first of every group of blocks with equal text (case, spacing and punctuation aside).
Standard library only; the exit status is 0 whatever the figures, 2 when the corpus is missing.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "liveblogs"
FURNITURE = "furniture"
# Roles of a labelled line; every line of a page has exactly one.
ROLES = ("title", "time", "headline", "content", FURNITURE)

# ---------------------------------------------------------------------------------------------- truth


@dataclass
class Line:
    """One line of a generated page and what it truly is."""

    text: str
    role: str
    key: str  # the piece of content (for time lines: the post), "" for furniture
    blog: str
    post: str  # "blog/post" the line belongs to, "" outside posts


@dataclass
class Post:
    """A post of a blog as it was published."""

    key: str
    time: str
    headline: str
    paragraphs: list[tuple[str, str]]  # (content key, text)
    caption: str = ""  # a photo caption, printed twice: bare, then with its credit
    credit: str = ""
    prompts: list[str] = field(default_factory=list)  # the corpus's dangling link prompts, furniture


@dataclass
class Blog:
    """One live blog: its title, its posts (newest first) and the pages generated from it."""

    key: str
    title: str
    source: str
    genre: str
    posts: list[Post]
    pages: list[tuple[str, list[Line]]] = field(default_factory=list)


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """The blogs of one JSONL.gz file of the LiveBlogSummary corpus."""
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                yield json.loads(line)


def _clock(raw: str, source: str) -> str:
    """The time line a page shows: BBC's "14:05", the Guardian's "14.05 GMT"."""
    match = re.search(r"(\d{1,2}):(\d{2})", raw)
    if not match:
        return ""
    hour, minute = match.groups()
    return f"{hour}:{minute}" if source == "bbc" else f"{int(hour)}.{minute} GMT"


def _sentence_case(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].upper() + text[1:]


def make_blog(record: dict[str, Any], rng: random.Random) -> Blog | None:
    """A Blog from a corpus record: paragraphs of 1-3 sentences; None when it has too few posts."""
    key = str(record["id"])[:10]
    source = str(record.get("source") or "")
    posts: list[Post] = []
    for number, raw in enumerate(record.get("posts") or []):
        sentences = [_sentence_case(s) for s in raw.get("text") or [] if s and re.search(r"\w", s)]
        headline = _sentence_case(str(raw.get("title") or ""))
        if sentences and headline and sentences == [headline]:
            sentences = []  # a headline-only post: the page shows the headline alone
        # A corpus paragraph that only points at a link the corpus lost ("Read more here.") is furniture.
        dangling = [s for s in sentences if DANGLING.match(s)]
        sentences = [s for s in sentences if not DANGLING.match(s)]
        paragraphs: list[tuple[str, str]] = []
        while sentences:
            take = rng.randint(1, 3)
            paragraphs.append((f"{key}/{number}/{len(paragraphs)}", " ".join(sentences[:take])))
            sentences = sentences[take:]
        if not paragraphs and not headline:
            continue
        post = Post(f"{key}/{number}", _clock(str(raw.get("time") or ""), source), headline, paragraphs)
        post.prompts = dangling
        last_key, last = paragraphs[-1] if paragraphs else ("", "")
        if ". " in last and rng.random() < 0.06:
            # The last sentence of the post becomes its photo caption (its own text, nowhere else).
            text, caption = last.rsplit(". ", 1)
            if len(caption.split()) >= 5:
                paragraphs[-1] = (last_key, text + ".")
                post.caption, post.credit = caption, rng.choice(CREDITS)
        posts.append(post)
    if len(posts) < 6:
        return None
    title = re.sub(r"\s+", " ", str(record.get("title") or "")).strip()
    return Blog(key, title, source, str(record.get("genre") or ""), posts)


def post_lines(blog: Blog, post: Post, edit: dict[str, str] | None = None) -> list[Line]:
    """A post as lines: time, headline, paragraphs (``edit`` replaces texts by content key)."""
    edit = edit or {}
    lines: list[Line] = []
    if post.time:
        lines.append(Line(post.time, "time", f"{post.key}/t", blog.key, post.key))
    if post.headline:
        lines.append(Line(post.headline, "headline", f"{post.key}/h", blog.key, post.key))
    for key, text in post.paragraphs:
        lines.append(Line(edit.get(key, text), "content", key, blog.key, post.key))
    for prompt in post.prompts:
        lines.append(Line(prompt, FURNITURE, "", blog.key, post.key))
    if post.caption:
        caption = f"{post.key}/caption"
        lines.append(Line(post.caption, "content", caption, blog.key, post.key))
        lines.append(Line(f"{post.caption} {post.credit}", "content", caption, blog.key, post.key))
    return lines


def edit_text(text: str, rng: random.Random) -> str:
    """A light edit a later snapshot or a copy shows: quote style, one letter, or a spacing change."""
    if "'" in text and rng.random() < 0.5:
        return text.replace("'", "’")
    words = text.split(" ")
    long_words = [i for i, word in enumerate(words) if len(word) > 5 and word.isalpha()]
    if long_words:
        i = rng.choice(long_words)
        word = words[i]
        j = rng.randrange(1, len(word) - 1)
        words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]  # two letters swapped: a typo
        return " ".join(words)
    return text + " "


def truncate(text: str, rng: random.Random) -> str:
    """An excerpt: the first 50-80% of the words, ending in an ellipsis."""
    words = text.split()
    keep = max(6, int(len(words) * rng.uniform(0.5, 0.8)))
    return " ".join(words[:keep]) + "…"


# Invented furniture of scraper sites and theme parts; none of it is content.
SITES = [
    {
        "name": "The Daily Ledger",
        "head": [
            "Skip to content",
            "Home » {section} » Live",
            "{title} | The Daily Ledger",
            "By admin",
            "Posted on {date}",
            "4 min read",
        ],
        "foot": [
            "Source link",
            "Share this:",
            "Click to share on Facebook (Opens in new window)",
            "Click to share on X (Opens in new window)",
            "Like this:",
            "Loading...",
            "Related",
            "RELATED ARTICLES",
            "{teasers}",
            "Leave a Reply Cancel reply",
            "Your email address will not be published. Required fields are marked *",
        ],
    },
    {
        "name": "NewsWire24",
        "head": [
            "NewsWire24",
            "Breaking › {section}",
            "{title}",
            "By News Desk",
            "Last updated: {date}",
            "Reading Time: 3 minutes",
            "0 Comments",
        ],
        "foot": [
            "Tags: {section}",
            "Share on Facebook",
            "Share on WhatsApp",
            "You may also like",
            "{teasers}",
            "TRENDING NOW",
            "© 2016 NewsWire24. All rights reserved.",
        ],
    },
    {
        "name": "Planet Updates",
        "head": [
            "Menu",
            "{section} News",
            "{title} – Planet Updates",
            "By Editor",
            "{date}",
            "2 mins read",
            "12 Comments",
        ],
        "foot": [
            "Originally published at the source.",
            "Read More",
            "Previous Post",
            "{teasers}",
            "Next Post",
            "{teasers}",
            "Popular Posts",
            "Subscribe to our newsletter",
            "Powered by Planet Updates",
        ],
    },
]
# A sentence of the corpus that is a link prompt whose link is gone (the quality issue calls them furniture):
# "Read more here.", "Read more." (with or without its stop), and "Read more: <another story's headline>"
# (the headline of a linked story, one phrase with no sentence in it: a teaser whose link is gone).
DANGLING = re.compile(
    r"^(?:read more[.:!]?|read more: [^.!?:]{1,100}"
    r"|(?:you can |click here to )?(?:read|watch|see|listen to|view|find out)\b.{0,70} here[.:!]?)$",
    re.IGNORECASE,
)
DANGLING_PROMPTS = [
    "Read more here.",
    "Read the full interview here.",
    "You can read our full report here.",
    "Watch the video here.",
]
CREDITS = [
    "Photograph: Ana Ruiz/AP",
    "Photograph: Tom Weller/Reuters",
    "Photograph: PA",
    "Photograph: Li Wen/AFP/Getty Images",
]
GREETING = (
    "Good morning and welcome to our live coverage of news, sport, travel and weather across "
    "{region} on {day}. We will bring you updates until 18:00."
)
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def _region(genre: str) -> str:
    return genre.rsplit("-", 1)[-1].replace("_", " ").title() if genre.startswith("uk-") else ""


def original_page(blog: Blog, rng: random.Random) -> list[Line]:
    """The page as published: pinned post, doubled caption and dangling prompts sometimes."""
    lines = [Line(blog.title, "title", f"{blog.key}/title", blog.key, "")]
    posts = blog.posts
    if len(posts) > 12 and rng.random() < 0.4:
        posts = posts[: len(posts) - rng.randint(1, len(posts) // 6)]  # the oldest paginated away
    if rng.random() < 0.3:
        pinned = rng.choice(posts[: max(1, len(posts) // 2)])
        lines.extend(post_lines(blog, pinned))
    for post in posts:
        lines.extend(post_lines(blog, post))
        if post.paragraphs and rng.random() < 0.04:
            lines.append(Line(rng.choice(DANGLING_PROMPTS), FURNITURE, "", blog.key, post.key))
    return lines


def snapshot_page(blog: Blog, rng: random.Random) -> list[Line]:
    """An earlier snapshot: the newest posts not yet published, a few paragraphs edited."""
    cut = rng.randint(max(1, len(blog.posts) // 10), max(2, len(blog.posts) // 4))
    posts = blog.posts[cut:]
    keys = [key for post in posts for key, _ in post.paragraphs]
    edits = rng.sample(keys, min(len(keys), rng.randint(1, 4)))
    texts = {key: text for post in posts for key, text in post.paragraphs}
    edit = {key: edit_text(texts[key], rng) for key in edits}
    lines = [Line(blog.title, "title", f"{blog.key}/title", blog.key, "")]
    for post in posts:
        lines.extend(post_lines(blog, post, edit))
    return lines


def scraper_page(blog: Blog, rng: random.Random, teasers: Sequence[str], date: str) -> list[Line]:
    """A scraper site's copy: its header and footer around most posts, some paragraphs truncated."""
    site = rng.choice(SITES)
    section = blog.genre.split("-")[0].title() or "News"
    lines: list[Line] = []

    def furniture(templates: Iterable[str]) -> None:
        for template in templates:
            if template == "{teasers}":
                for teaser in rng.sample(list(teasers), min(len(teasers), rng.randint(2, 4))):
                    lines.append(Line(teaser, FURNITURE, "", blog.key, ""))
            elif "{title}" in template:
                glued = template.format(title=blog.title, section=section, date=date)
                lines.append(Line(glued, "title", f"{blog.key}/title", blog.key, ""))
            else:
                lines.append(Line(template.format(section=section, date=date), FURNITURE, "", blog.key, ""))

    furniture(site["head"])
    kept_posts = [post for post in blog.posts if rng.random() < 0.85]
    texts = {key: text for post in kept_posts for key, text in post.paragraphs}
    long_keys = [key for key, text in texts.items() if len(text.split()) >= 20]
    edit = {key: truncate(texts[key], rng) for key in rng.sample(long_keys, min(len(long_keys), 3))}
    for post in kept_posts:
        lines.extend(post_lines(blog, post, edit))
    furniture(site["foot"])
    return lines


def _with_number_changed(text: str, rng: random.Random) -> str | None:
    numbers = list(re.finditer(r"\b\d+\b", text))
    if not numbers:
        return None
    found = rng.choice(numbers)
    value = int(found.group()) + rng.randint(1, 9)
    return f"{text[: found.start()]}{value}{text[found.end() :]}"


def cross_blog_edits(blogs: Sequence[Blog], rng: random.Random) -> None:
    """Wire paragraphs pasted into other blogs (true copies) and number-changed pastes (hard negatives)."""
    if len(blogs) < 2:
        return
    for _ in range(max(1, len(blogs) // 3)):
        donor, taker = rng.sample(list(blogs), 2)
        pieces = [(key, text) for post in donor.posts for key, text in post.paragraphs if len(text) > 120]
        if not pieces:
            continue
        key, text = rng.choice(pieces)
        target = rng.choice(taker.posts)
        if rng.random() < 0.5:
            target.paragraphs.append((key, text))  # the wire paragraph, word for word
        else:
            changed = _with_number_changed(text, rng)
            if changed is not None:
                target.paragraphs.append((f"{taker.key}/negative/{key}", changed))


def template_greetings(blogs: Sequence[Blog], rng: random.Random) -> None:
    """BBC Local Live pages of one region: the first post of the day opens at 08:00 with a stock greeting.

    The greetings are near copies of each other (another weekday); the posts are not, for each goes on with
    the day's own news, so their equal "08:00" lines stay apart.
    """
    for blog in blogs:
        region = _region(blog.genre)
        first = blog.posts[-1]
        if not region or not first.paragraphs:
            continue
        text = GREETING.format(region=region, day=rng.choice(DAYS))
        first.paragraphs.insert(0, (f"greeting/{region}", text))
        first.time = "08:00"


def build_set(records: Sequence[dict[str, Any]], folder: Path, seed: int) -> dict[str, Any]:
    """Write one scrape set's pages into ``folder``; return its truth (lines of every page, blog of each)."""
    rng = random.Random(seed)
    blogs = [blog for record in records if (blog := make_blog(record, rng)) is not None]
    cross_blog_edits(blogs, rng)
    template_greetings(blogs, rng)
    headlines = [post.headline for blog in blogs for post in blog.posts if post.headline]
    for number, blog in enumerate(blogs):
        date = f"{rng.randint(1, 28)} August 2016"
        pages = [("page", original_page(blog, rng))]
        if rng.random() < 0.45:
            pages.append(("snapshot", snapshot_page(blog, rng)))
        if rng.random() < 0.3:
            teasers = [h for h in rng.sample(headlines, min(len(headlines), 12)) if h]
            pages.append(("scraped", scraper_page(blog, rng, teasers, date)))
        blog.pages = [(f"{number:03d}-{blog.key}-{name}.txt", lines) for name, lines in pages]
    folder.mkdir(parents=True, exist_ok=True)
    truth: dict[str, Any] = {"files": {}, "blogs": {}}
    for blog in blogs:
        for name, lines in blog.pages:
            (folder / name).write_text("\n\n".join(line.text for line in lines) + "\n", encoding="utf-8")
            truth["files"][name] = [[line.role, line.key, line.post] for line in lines]
            truth["blogs"][name] = blog.key
    # Beside the pages, for whoever studies a set kept with --workdir.
    (folder / "truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return truth


# ---------------------------------------------------------------------------------------------- judge


@dataclass
class Judged:
    """One block of a run, with its truth."""

    file: str
    role: str
    key: str
    post: str
    kept: bool
    boilerplate: bool
    cluster: str  # the predicted group ("" when alone)


def _plain(text: str) -> str:
    """Text as two copies of it may differ and still be one text: case, spacing and punctuation."""
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def truth_groups(
    truth: dict[str, Any], texts: dict[tuple[str, int], str]
) -> tuple[dict[tuple[str, int], str], set[tuple[str, str]]]:
    """Each non-furniture line's truth group: one per piece of text (copies joined), one per post's time.

    A post's time joins another post's equal time only when all the post says is in that other post. Also
    returned: the pairs of texts (shorter, longer, as :func:`_plain` gives them) where the shorter is inside
    the longer but in other texts too, so not of its group: a cluster may join them, and the shorter text is
    kept when the longer is.
    """
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    by_text: dict[str, str] = {}
    paragraphs: set[str] = set()
    headlines: set[str] = set()
    for name, labels in truth["files"].items():
        for index, (role, key, _) in enumerate(labels):
            if role in ("content", "headline", "title"):
                plain = _plain(texts[(name, index)]) or key  # text without a word is its own
                if plain in by_text:
                    parent[find(key)] = find(by_text[plain])
                else:
                    by_text[plain] = key
                if role in ("content", "headline"):
                    (paragraphs if role == "content" else headlines).add(plain)
    # Headlines with headlines only: a headline is not a copy of the paragraph under it repeating its words.
    copies = natural_copies(sorted(paragraphs)) + natural_copies(sorted(headlines))
    containers = Counter(shorter for shorter, _ in copies)
    inside: set[tuple[str, str]] = set()
    for shorter, longer in copies:
        # Containment is no equivalence: a stock sentence inside many paragraphs does not make them one.
        if containers[shorter] == 1 or len(shorter) >= NATURAL_NEAR_LENGTH * len(longer):
            parent[find(by_text[shorter])] = find(by_text[longer])
        else:
            inside.add((shorter, longer))
    # A post whose whole content is a copy of another post's is that post shown again: its time goes with it.
    content_of: dict[str, set[str]] = defaultdict(set)
    time_of: dict[str, str] = {}
    for name, labels in truth["files"].items():
        for index, (role, key, post) in enumerate(labels):
            if role in ("content", "headline") and post:
                content_of[post].add(key)
            elif role == "time":
                time_of[post] = _plain(texts[(name, index)])
    holders: dict[str, set[str]] = defaultdict(set)
    for post, keys in content_of.items():
        for key in keys:
            holders[find(key)].add(post)
    for post, keys in content_of.items():
        held = {find(key) for key in keys}
        others = set.intersection(*(holders[group] for group in held)) - {post}
        for other in sorted(others):
            if post in time_of and time_of.get(other) == time_of[post]:
                parent[find(f"{post}/t")] = find(f"{other}/t")
    groups = {
        (name, index): find(key)
        for name, labels in truth["files"].items()
        for index, (role, key, _) in enumerate(labels)
        if role != FURNITURE
    }
    return groups, inside


# Copies the corpus itself holds (a quote repeated in a later post, a stock greeting with a sentence added):
# a text of NATURAL_MIN_WORDS words or more whose words are NATURAL_SHARE in order inside another, with no
# number of its own missing there, is a copy of it; so is a text of NATURAL_SHORT_WORDS words or more found
# word for word inside another. Shorter texts are copies only when equal.
NATURAL_MIN_WORDS = 8
# From this many words, a text found word for word inside another is a copy of it too.
NATURAL_SHORT_WORDS = 5
NATURAL_SHARE = 0.9
NATURAL_GRAM = 4
NATURAL_COMMON_GRAM = 50
# A copy this close in length to the other text is a near copy (an edit), which is one text with it.
NATURAL_NEAR_LENGTH = 0.8


def natural_copies(plains: Sequence[str]) -> list[tuple[str, str]]:
    """Pairs (shorter, longer) of texts that are near or contained copies, by word alignment (difflib)."""
    words = [plain.split() for plain in plains]
    postings: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for number, text in enumerate(words):
        for gram in {tuple(text[i : i + NATURAL_GRAM]) for i in range(len(text) - NATURAL_GRAM + 1)}:
            postings[gram].append(number)
    shared: Counter[tuple[int, int]] = Counter()
    for holders in postings.values():
        if 1 < len(holders) <= NATURAL_COMMON_GRAM:
            for i, a in enumerate(holders):
                for b in holders[i + 1 :]:
                    shared[(a, b)] += 1
    pairs: list[tuple[str, str]] = []
    for (a, b), count in sorted(shared.items()):
        short, long = (a, b) if len(words[a]) <= len(words[b]) else (b, a)
        if count < 2 or len(words[short]) < NATURAL_SHORT_WORDS:
            continue
        if len(words[short]) < NATURAL_MIN_WORDS:
            if f" {plains[short]} " in f" {plains[long]} ":
                pairs.append((plains[short], plains[long]))
            continue
        numbers = Counter(w for w in words[short] if w.isdigit())
        if numbers - Counter(w for w in words[long] if w.isdigit()):
            continue  # a number of its own that the other lacks: a different fact
        matcher = difflib.SequenceMatcher(None, words[short], words[long], autojunk=False)
        matched = sum(block.size for block in matcher.get_matching_blocks())
        if matched >= NATURAL_SHARE * len(words[short]):
            pairs.append((plains[short], plains[long]))
    return pairs


def judge_lbdedup(folder: Path, truth: dict[str, Any], report: dict[str, Any]) -> tuple[list[Judged], int]:
    """The report's blocks joined with the truth by line (pages have one block per paragraph line)."""
    judged: list[Judged] = []
    misaligned = 0
    for block in report["blocks"]:
        name = Path(block["source"]).name
        labels = truth["files"][name]
        # Paragraphs are on lines 1, 3, 5, ...: line n holds paragraph (n - 1) / 2.
        first, last = (block["line_start"] - 1) // 2, (block["line_end"] - 1) // 2
        if first != last:
            misaligned += 1
        role, key, post = labels[first]
        status = block["status"]
        cluster = "" if block["cluster"] is None else f"c{block['cluster']}"
        judged.append(
            Judged(name, role, key, post, status in ("unique", "canonical"), status == "boilerplate", cluster)
        )
    return judged, misaligned


def judge_exact(folder: Path, truth: dict[str, Any]) -> list[Judged]:
    """The baseline: blocks with equal text (case, spacing, punctuation aside) are one cluster; first kept."""
    judged: list[Judged] = []
    first_of: dict[str, int] = {}
    for name, labels in truth["files"].items():
        paragraphs = (folder / name).read_text(encoding="utf-8").split("\n\n")
        for (role, key, post), text in zip(labels, paragraphs, strict=False):
            plain = _plain(text)
            kept = plain not in first_of
            first_of.setdefault(plain, len(first_of))
            judged.append(Judged(name, role, key, post, kept, False, f"x{first_of[plain]}"))
    return judged


def _pairs(sizes: Iterable[int]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes)


def score(
    judged: Sequence[Judged],
    groups: dict[tuple[str, int], str],
    texts: dict[tuple[str, int], str],
    positions: Sequence[int],
    timelines: list[list[str]] | None,
    blogs: dict[str, str],
    inside: set[tuple[str, str]],
) -> dict[str, Any]:
    """The figures of one run over one set (``positions``: each judged block's paragraph index).

    Pairs of texts in ``inside`` (see :func:`truth_groups`) count neither for nor against a cluster.
    """
    truth_of = [groups.get((block.file, position)) for block, position in zip(judged, positions, strict=True)]
    members = [(block, group) for block, group in zip(judged, truth_of, strict=True) if group is not None]
    member_positions = [p for p, group in zip(positions, truth_of, strict=True) if group is not None]
    predicted = Counter(block.cluster or f"alone{i}" for i, (block, _) in enumerate(members))
    actual = Counter(group for _, group in members)
    both = Counter((block.cluster or f"alone{i}", group) for i, (block, group) in enumerate(members))
    true_pairs, said_pairs, right_pairs = (
        _pairs(actual.values()),
        _pairs(predicted.values()),
        _pairs(both.values()),
    )
    if inside:
        by_cluster: dict[str, list[str]] = defaultdict(list)
        for (block, _), position in zip(members, member_positions, strict=True):
            if block.cluster:
                by_cluster[block.cluster].append(_plain(texts[(block.file, position)]))
        for plains in by_cluster.values():
            said_pairs -= sum(
                (a, b) in inside or (b, a) in inside for i, a in enumerate(plains) for b in plains[i + 1 :]
            )
    precision = right_pairs / said_pairs if said_pairs else 1.0
    recall = right_pairs / true_pairs if true_pairs else 1.0
    kept_per_group: Counter[str] = Counter()
    for block, group in members:
        kept_per_group[group] += block.kept
    content_groups = {group for block, group in members if block.role != "time"}
    missing = [group for group in content_groups if kept_per_group[group] == 0]
    # A text whose only kept copy is a furniture line (a teaser listing it) is printed, in the wrong place.
    furniture_texts = {
        texts[(block.file, position)]
        for block, position in zip(judged, positions, strict=True)
        if block.role == FURNITURE and block.kept
    }
    group_texts: dict[str, set[str]] = defaultdict(set)
    for block, position in zip(judged, positions, strict=True):
        member_of = groups.get((block.file, position))
        if member_of is not None:
            group_texts[member_of].add(texts[(block.file, position)])
    only_furniture = [group for group in missing if group_texts[group] & furniture_texts]
    kept_plains = {_plain(texts[(b.file, p)]) for b, p in zip(judged, positions, strict=True) if b.kept}
    # A text whose group has a kept copy is printed, in that copy's words (the truth says they are one text).
    for group, written in group_texts.items():
        if kept_per_group[group]:
            kept_plains.update(map(_plain, written))
    containers: dict[str, set[str]] = defaultdict(set)
    for shorter, longer in inside:
        containers[shorter].add(longer)
    # A text inside a kept longer text is kept with it.
    within = {
        group
        for group in missing
        if any(containers[_plain(text)] & kept_plains for text in group_texts[group])
    }
    lost = sorted(set(missing) - set(only_furniture) - within)
    redundant = sum(max(0, kept_per_group[group] - 1) for group in actual)
    furniture = [block for block in judged if block.role == FURNITURE]
    dropped_as_boilerplate = [block for block in judged if block.boilerplate]
    furniture_recall = sum(not b.kept for b in furniture) / len(furniture) if furniture else 1.0
    furniture_precision = (
        sum(b.role == FURNITURE for b in dropped_as_boilerplate) / len(dropped_as_boilerplate)
        if dropped_as_boilerplate
        else 1.0
    )
    printed = {
        block.post for block in judged if block.kept and block.role in ("content", "headline") and block.post
    }
    timed = {block.post for block in judged if block.role == "time"}
    # A post's time lines are its truth group: its own, and those of a post that is all in it (one post
    # shown twice, its time going with it, as truth_groups joins them).
    time_groups: dict[str, set[str]] = defaultdict(set)
    kept_time_groups: set[str] = set()
    for block, position in zip(judged, positions, strict=True):
        if block.role == "time":
            time_group = groups.get((block.file, position), block.post)
            time_groups[block.post].add(time_group)
            if block.kept:
                kept_time_groups.add(time_group)
    time_kept = {post for post, found in time_groups.items() if found & kept_time_groups}
    times_lost = sorted(post for post in printed & timed if post not in time_kept)
    figures: dict[str, Any] = {
        "blocks": len(judged),
        "pair_precision": precision,
        "pair_recall": recall,
        "pair_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "groups_lost": len(lost),
        "groups_kept_as_furniture": len(only_furniture),
        "redundant_left": redundant,
        "furniture_recall": furniture_recall,
        "furniture_precision": furniture_precision,
        "post_times_lost": len(times_lost),
        "examples_lost": lost[:3],
        "examples_times_lost": times_lost[:3],
    }
    if timelines is not None:
        mixing = sum(1 for sources in timelines if len({blogs[s] for s in sources}) > 1)
        timeline_of = {source: number for number, sources in enumerate(timelines) for source in sources}
        pages_of: dict[str, list[str]] = defaultdict(list)
        for name, blog in blogs.items():
            pages_of[blog].append(name)
        # A page in no timeline stands alone: it counts as a timeline of its own.
        split = sum(
            1 for names in pages_of.values() if len({timeline_of.get(name, name) for name in names}) > 1
        )
        figures["timelines"] = len(timelines)
        figures["timelines_mixing_blogs"] = mixing
        figures["blogs_split"] = split
    return figures


def run_lbdedup(folder: Path, names: Sequence[str]) -> dict[str, Any]:
    """``lbdedup clean --format json`` over the set's pages, with this interpreter."""
    command = [sys.executable, "-m", "lbdedup", "clean", "--format", "json", "--quiet", *names]
    done = subprocess.run(command, cwd=folder, capture_output=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench_quality: lbdedup failed ({done.returncode}): {done.stderr.decode()[-400:]}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def evaluate(folder: Path, truth: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Both runs over one set: lbdedup's figures and the baseline's."""
    names = sorted(truth["files"])
    texts = {
        (name, index): paragraph
        for name in names
        for index, paragraph in enumerate(
            (folder / name).read_text(encoding="utf-8").rstrip("\n").split("\n\n")
        )
    }
    groups, inside = truth_groups(truth, texts)
    start = time.perf_counter()
    report = run_lbdedup(folder, names)
    seconds = time.perf_counter() - start
    judged, misaligned = judge_lbdedup(folder, truth, report)
    positions = [(block["line_start"] - 1) // 2 for block in report["blocks"]]
    timelines = [[Path(s).name for s in timeline["sources"]] for timeline in report.get("timelines", [])]
    ours = score(judged, groups, texts, positions, timelines, truth["blogs"], inside)
    ours["misaligned_blocks"] = misaligned
    ours["seconds"] = seconds
    exact = judge_exact(folder, truth)
    exact_positions = [i for name in truth["files"] for i in range(len(truth["files"][name]))]
    baseline = score(exact, groups, texts, exact_positions, None, truth["blogs"], inside)
    return {"lbdedup": ours, "exact-hash": baseline}


# ---------------------------------------------------------------------------------------------- main


def choose_records(path: Path, count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` blogs of one corpus file, seeded; BBC blogs drawn by region so generic titles collide."""
    records = list(iter_records(path))
    rng = random.Random(seed)
    if records and records[0].get("source") == "bbc":
        by_genre: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in records:
            by_genre[str(record.get("genre"))].append(record)
        regions = sorted((g for g in by_genre if g.startswith("uk-") and len(by_genre[g]) >= 3), key=str)
        rng.shuffle(regions)
        chosen: list[dict[str, Any]] = []
        for region in regions[:4]:
            chosen.extend(by_genre[region][:4])
        others = [r for r in records if r not in chosen]
        chosen.extend(rng.sample(others, max(0, min(len(others), count - len(chosen)))))
        return chosen[:count]
    return rng.sample(records, min(count, len(records)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of the *.jsonl.gz files")
    parser.add_argument("--split", default="test", choices=("test", "valid", "train"))
    parser.add_argument("--blogs", type=int, default=30, help="blogs per set (30)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where the sets are written (a temp folder)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--bench-corpus",
        type=float,
        default=0,
        metavar="MB",
        help="also check the timelines of bench_clean.py's corpus of MB megabytes (40: its default)",
    )
    args = parser.parse_args(argv)
    files = sorted(args.corpus.glob(f"*-{args.split}.jsonl.gz")) if args.corpus.is_dir() else []
    if not files:
        print(f"bench_quality: no *-{args.split}.jsonl.gz in {args.corpus}", file=sys.stderr)
        return 2
    results: dict[str, dict[str, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="lbdedup-quality-") as scratch:
        root = args.workdir or Path(scratch)
        for number, path in enumerate(files):
            name = path.name.removesuffix(".jsonl.gz")
            records = choose_records(path, args.blogs, args.seed + number)
            folder = root / name
            truth = build_set(records, folder, args.seed + number)
            results[name] = evaluate(folder, truth)
    bench = bench_corpus_timelines(args.corpus, args.bench_corpus) if args.bench_corpus else None
    if args.json:
        print(json.dumps({**results, **({"bench-corpus": bench} if bench else {})}, indent=1, sort_keys=True))
        return 0
    print_table(results)
    if bench is not None:
        print(
            f"bench_clean corpus, {bench['mb']:g} MB: {bench['files']} files of {bench['blogs']} blogs "
            f"({bench['blogs_held_twice']} held twice by the source corpus), "
            f"{bench['timelines']} timelines, {bench['timelines_mixing_blogs']} mixing blogs, "
            f"{bench['blogs_split']} blogs split"
        )
    return 0


def bench_corpus_timelines(corpus: Path, mb: float) -> dict[str, Any]:
    """Timelines of bench_clean.py's corpus against the blogs its files hold.

    A page and its snapshot share a file name. The source corpus also holds some blogs twice, under two ids
    (BBC's rolling county pages saved on two days): pages that share at least ``SAME_BLOG_SHARE`` of the
    sentences of the smaller one (word for word, 45 characters or more) are one blog too.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_clean  # the corpus builder of the speed benchmark, next to this script

    workdir = bench_clean.default_workdir(mb, bench_clean.SEED)
    built = bench_clean.build_corpus(corpus.parent, workdir, mb, bench_clean.SEED)
    report = run_lbdedup(built.root, list(built.files))
    blogs = {name: Path(name).name for name in built.files}
    parent = {blog: blog for blog in blogs.values()}

    def find(blog: str) -> str:
        while parent[blog] != blog:
            blog = parent[blog]
        return blog

    holders: dict[str, set[str]] = defaultdict(set)
    sizes: Counter[str] = Counter()
    for name in built.files:
        if name.startswith("blogs/"):
            text = (built.root / name).read_text(encoding="utf-8")
            # Sentences, not paragraphs: the builder cuts each blog's posts into paragraphs its own way.
            for sentence in set(re.split(r"(?<=[.!?])\s+|\n+", text)):
                if len(sentence) >= 45:
                    holders[sentence].add(blogs[name])
                    sizes[blogs[name]] += 1
    shared: Counter[tuple[str, str]] = Counter()
    for holding in holders.values():
        if 1 < len(holding) <= 3:
            ordered = sorted(holding)
            shared.update((a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :])
    twice = 0
    for (a, b), count in sorted(shared.items()):
        if count >= SAME_BLOG_SHARE * min(sizes[a], sizes[b]) and find(a) != find(b):
            parent[max(find(a), find(b))] = min(find(a), find(b))
            twice += 1
    timelines = [list(timeline["sources"]) for timeline in report.get("timelines", [])]
    mixing = sum(1 for sources in timelines if len({find(blogs[s]) for s in sources}) > 1)
    timeline_of = {source: number for number, sources in enumerate(timelines) for source in sources}
    pages_of: dict[str, list[str]] = defaultdict(list)
    for name, blog in blogs.items():
        pages_of[find(blog)].append(name)
    split = sum(1 for names in pages_of.values() if len({timeline_of.get(n, n) for n in names}) > 1)
    return {
        "mb": mb,
        "files": len(built.files),
        "blogs": len(pages_of),
        "blogs_held_twice": twice,
        "timelines": len(timelines),
        "timelines_mixing_blogs": mixing,
        "blogs_split": split,
    }


# Two corpus blogs sharing this share of the smaller one's sentences are one blog saved twice.
SAME_BLOG_SHARE = 0.5


ROWS = [
    ("blocks", "blocks", "{:d}"),
    ("pair_precision", "pair precision", "{:.3f}"),
    ("pair_recall", "pair recall", "{:.3f}"),
    ("pair_f1", "pair F1", "{:.3f}"),
    ("groups_lost", "content groups with no kept copy", "{:d}"),
    ("groups_kept_as_furniture", "... kept only as a furniture line", "{:d}"),
    ("redundant_left", "redundant copies left", "{:d}"),
    ("furniture_recall", "furniture recall", "{:.3f}"),
    ("furniture_precision", "furniture precision", "{:.3f}"),
    ("timelines", "timelines", "{:d}"),
    ("timelines_mixing_blogs", "timelines mixing blogs", "{:d}"),
    ("blogs_split", "blogs split over timelines", "{:d}"),
    ("post_times_lost", "posts printed without their time", "{:d}"),
    ("misaligned_blocks", "blocks spanning two truth lines", "{:d}"),
    ("seconds", "lbdedup seconds", "{:.1f}"),
]


def print_table(results: dict[str, dict[str, dict[str, Any]]]) -> None:
    """One column per set and method; targets of the quality issue beside the rows they judge."""
    columns = [(name, method) for name in results for method in ("lbdedup", "exact-hash")]
    header = ["figure", *(f"{name} {method}" for name, method in columns)]
    rows = [header]
    for key, label, form in ROWS:
        row = [label]
        for name, method in columns:
            value = results[name][method].get(key)
            row.append("-" if value is None else form.format(value))
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    ours = [results[name]["lbdedup"] for name in results]
    verdicts = [
        ("pair F1 >= 0.98", all(f["pair_f1"] >= 0.98 for f in ours)),
        ("no content group lost", all(f["groups_lost"] == 0 for f in ours)),
        ("no timeline mixing blogs", all(f.get("timelines_mixing_blogs", 0) == 0 for f in ours)),
        ("no blog split", all(f.get("blogs_split", 0) == 0 for f in ours)),
        ("no post time lost", all(f["post_times_lost"] == 0 for f in ours)),
        ("furniture recall >= 0.95", all(f["furniture_recall"] >= 0.95 for f in ours)),
        ("furniture precision >= 0.99", all(f["furniture_precision"] >= 0.99 for f in ours)),
    ]
    print()
    for label, passed in verdicts:
        print(f"{'PASS' if passed else 'FAIL'}  {label}")
    for name in results:
        for key in ("examples_lost", "examples_times_lost"):
            if results[name]["lbdedup"][key]:
                print(f"{name}: {key.replace('_', ' ')}: {', '.join(results[name]['lbdedup'][key])}")


if __name__ == "__main__":
    sys.exit(main())
