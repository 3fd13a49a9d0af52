"""Rules found by benchmarks/bench_quality.py: headlines, paraphrases and scattered words keep their text."""

from __future__ import annotations

from lbdedup import Document, Status, dedupe
from lbdedup.model import DedupeResult

TITLE = "Storm live: Skelby ferry sailings cancelled as gales batter the coast – as it happened"


def _status(result: DedupeResult, text: str) -> list[Status]:
    return [r.status for r in result.blocks if r.block.text == text]


def _page(*posts: str) -> str:
    return TITLE + "\n\n" + "\n\n".join(posts) + "\n"


def test_a_headline_its_paragraph_repeats_is_kept() -> None:
    """A post's headline stays when the paragraph under it opens with the same words."""
    headline = "Is the Skelby ferry running again tonight?"
    body = f"{headline} The operator says the last sailing leaves at nine, gales allowing."
    result = dedupe([Document("a.txt", _page(f"16.26 GMT\n\n{headline}\n\n{body}"))])
    assert _status(result, headline) == [Status.UNIQUE]
    assert _status(result, body) == [Status.UNIQUE]


def test_a_paragraph_quoting_its_headline_is_kept() -> None:
    """A paragraph inside its post's headline ("Name: quote" over the quote) stays with its post."""
    quote = "I have never been more certain of the harbour plan than I am this morning."
    headline = f"Mayor Ortega: {quote}"
    post = f"09.10 GMT\n\n{headline}\n\nThe mayor spoke outside the town hall.\n\n{quote}"
    result = dedupe([Document("a.txt", _page(post))])
    assert _status(result, quote) == [Status.UNIQUE]


def test_a_headline_inside_the_page_title_is_kept() -> None:
    """A post headline that the page title contains is the post's own line, not a copy of the title."""
    headline = "Skelby ferry sailings cancelled as gales batter the coast"
    post = f"11.02 GMT\n\n{headline}\n\nThe operator cancelled every crossing until Friday morning."
    result = dedupe([Document("a.txt", _page(post))])
    assert _status(result, headline) == [Status.UNIQUE]


def test_a_repeated_headline_is_still_a_copy() -> None:
    """Two posts with the same headline and body: the second is a copy, headline included."""
    post = "14.00 GMT\n\nSkelby ferry sailings cancelled\n\nThe operator cancelled every crossing today."
    result = dedupe([Document("a.txt", _page(post)), Document("b.txt", _page(post))])
    assert _status(result, "Skelby ferry sailings cancelled") == [Status.CANONICAL, Status.DUPLICATE]


def test_scattered_words_and_paraphrases_are_kept() -> None:
    """A text whose words the other holds out of order, or with a word changed, is no copy of it."""
    longer = (
        "Smith is now taking questions from reporters at the harbour. Asked whether Jones is weak, "
        "she laughs and says the ferry plan will go ahead."
    )
    scattered = "Jones is now taking questions from reporters."
    leg = "for the second leg of their Champions League qualifier against Limassol"
    paraphrase = f"The Rovers get ready {leg}"
    original = f"The Rovers are in Cyprus {leg}."
    text = "\n\n".join([longer, original, "Rain all day.", scattered, paraphrase]) + "\n"
    result = dedupe([Document("a.txt", text)])
    assert _status(result, scattered) == [Status.UNIQUE]
    assert _status(result, paraphrase) == [Status.UNIQUE]


def test_a_short_text_with_a_word_inserted_is_kept() -> None:
    """A short line is contained in another only word for word: a word inserted makes another text."""
    short = "Welcome to live updates for the day"
    longer = "Good morning - welcome to our live updates for the day from the Skelby newsroom"
    result = dedupe([Document("a.txt", f"{longer}\n\nRain all day.\n\n{short}\n")])
    assert _status(result, short) == [Status.UNIQUE]


def test_a_post_headline_shaped_like_furniture_is_kept() -> None:
    """A timed post's first line is its headline, even one that reads like a sign-up prompt."""
    post = "09.36 GMT\n\nSign up to our email\n\nOur desk launched a daily email."
    foot = "Sign up to our email"
    result = dedupe([Document("a.txt", _page(post, "10.02 GMT\n\nShares fell at the open in Skelby.", foot))])
    statuses = _status(result, "Sign up to our email")
    assert statuses == [Status.UNIQUE, Status.BOILERPLATE]


def test_a_post_with_news_of_its_own_keeps_its_time() -> None:
    """Two days' 16:00 posts with the same greeting and sign-off but news of their own keep both times."""
    greeting = "Good afternoon and welcome back to our live page for the three valleys this Thursday."
    contact = "Meanwhile, you can contact us at any time via email, Facebook or Twitter."
    first = (
        f"16:00\n\nWelcome back to the valleys\n\n{greeting}\n\nThe bypass trial resumes today.\n\n{contact}"
    )
    second = (
        f"16:00\n\nWelcome back to the valleys\n\n{greeting}\n\nIt is another wet and grey day.\n\n{contact}"
    )
    result = dedupe([Document("a.txt", _page(second, "12:00\n\nRain is on the way for the weekend.", first))])
    assert _status(result, "16:00") == [Status.UNIQUE, Status.UNIQUE]


def test_a_post_shown_again_with_furniture_under_it_takes_its_time_along() -> None:
    """A pinned post shown again, with the same link prompt under both copies, is one post: one time."""
    post = "09:00\n\nFerries cancelled\n\nEvery crossing is off until Friday.\n\nRead our full report:"
    result = dedupe(
        [Document("a.txt", _page(post, "08:30\n\nWind is rising along the coast tonight.", post))]
    )
    assert _status(result, "09:00") == [Status.CANONICAL, Status.DUPLICATE]


def test_two_blogs_of_one_title_sharing_only_sign_off_formulas_stay_apart() -> None:
    """Two county pages with one title and sign-off posts built of one farewell formula are two timelines."""
    title = "Local Live: Skelby - News"
    farewell = "Have a good evening - we'll be back at 08:00 tomorrow."
    opener = "Our live coverage today:"
    a_sign_off = (
        f"That's it for our regular updates today - here is a reminder of the top stories. {farewell}"
    )
    blog_a = [
        "17:30\n\n" + opener + "\n\n" + a_sign_off,
        "16:10\n\nThe harbour bridge reopened after engineers checked the cables on Tuesday afternoon.",
        "15:00\n\nA new bus route links the Skelby estates with the hospital from Monday next week.",
    ]
    blog_b = [
        f"17:45\n\n{opener}\n\nThat's all from the Skelby team for Thursday; we'll be here if news breaks."
        f"\n\n{farewell}",
        "16:20\n\nFirefighters spent the afternoon at a barn blaze near the old quarry road in Tarrow.",
        f"17:40\n\n{opener}\n\nOur regular updates have now come to an end for the day, with a recap below."
        f"\n\n{farewell}",
        "15:05\n\nThe county council has agreed to keep the library in Marsby open until the spring.",
    ]
    # Enough news of their own that the sign-offs are a small part of either page.
    blog_a += [
        f"14:{minute:02d}\n\nSkelby market report number {minute}: stalls, prices and footfall."
        for minute in range(6)
    ]
    blog_b += [
        f"13:{minute:02d}\n\nTarrow road works update number {minute}: lanes, detours and delays."
        for minute in range(6)
    ]
    pages = [
        Document("a.txt", f"{title}\n\n" + "\n\n".join(blog_a) + "\n"),
        Document("b.txt", f"{title}\n\n" + "\n\n".join(blog_b) + "\n"),
        Document("c.txt", f"{title}\n\n" + "\n\n".join(blog_b[1:]) + "\n"),
    ]
    timelines = [sorted(timeline.sources) for timeline in dedupe(pages).timelines]
    assert ["a.txt"] in timelines
    assert ["b.txt", "c.txt"] in timelines


def test_a_post_whose_greeting_holds_another_days_keeps_its_time() -> None:
    """A post is not a copy of one whose paragraph its longer greeting merely contains: both keep 15:00."""
    until = "We'll be here until 18:00 keeping you up to date with news, sport, travel and weather."
    wednesday = f"15:00\n\nGood morning\n\nWelcome to live updates for Skelby on Wednesday, 26 July. {until}"
    thursday = f"15:00\n\nGood morning\n\nWelcome to live updates for Skelby on Thursday, 27 July.\n\n{until}"
    news = "12:00\n\nThe harbour bridge reopened after engineers checked the cables."
    result = dedupe([Document("a.txt", _page(thursday, news, wednesday))])
    assert _status(result, "15:00") == [Status.UNIQUE, Status.UNIQUE]
