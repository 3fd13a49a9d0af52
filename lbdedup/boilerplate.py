"""Boilerplate stage: the site furniture among the blocks of a run (headers, footers, prompts, teasers).

Two signals, combined. The line itself: built-in phrases and shapes in English, French, German and Spanish
(comment prompts, share buttons, "Source link", cookie and newsletter prompts, copyright lines), scrape dates
and breadcrumbs at the top of a page, and the teasers listed under "Related" or "Check Also". And repetition:
a short line that appears in many sources which share no other content is a site's furniture, not news.

Precision comes first: meta lines (timestamps, bylines), post headlines and short real lines stay, and in
``auto`` mode every doubt is resolved towards keeping. Pure: blocks, their normalized keys and exact hashes
in, ``{block index: reason}`` out. The per-block work is a length test, a dict lookup and, for the few
short lines, one or two anchored regexes; everything across sources is done with numpy on the exact hashes.

A run too big for one process runs part by part (:func:`find_boilerplate_parts`): the passes over each page
on the part's worker, repetition on columns only (hashes, word counts, documents and a few bytes of facts
a block), then each part's last pass; the result is the same.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise, repeat
from operator import attrgetter, contains, is_, is_not, itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from lbdedup.fingerprint import Fingerprints
from lbdedup.model import (
    BLOCK_KINDS,
    HEADLINE_KINDS,
    KIND_CODES,
    META_KINDS,
    Block,
    BlockKind,
    BoilerplateMode,
    Options,
)
from lbdedup.normalize import normalize, normalize_many
from lbdedup.table import block_table

__all__ = [
    "BlockFacts",
    "BoilerplateError",
    "apply_user_patterns",
    "compile_patterns",
    "find_boilerplate",
    "find_boilerplate_parts",
    "furniture_by_parts",
    "line_pattern",
    "merge_headlines",
    "part_final_pass",
    "part_first_pass",
    "part_headlines",
    "repeated_furniture",
    "set_apart",
]

# ----------------------------------------------------------------------------------------- built-in list
# Whole lines, written as they appear on pages; they are normalized once at import, so "LEAVE A REPLY",
# "Leave a Reply" and "- Leave a reply -" all meet the same entry.
_PHRASES: dict[str, tuple[str, ...]] = {
    "comment prompt": (
        "Leave a Reply", "Leave a comment", "Leave a Reply Cancel reply", "Cancel reply",
        "Please enter your comment!", "Please enter your name here",
        "You have entered an incorrect email address!", "Post Comment", "Add a comment", "Add comment",
        "Comments", "Comment", "Recent Comments", "No comments yet", "Be the first to comment",
        "Join the conversation", "View comments", "Show comments", "Comments are closed",
        "Log in to comment", "Your email address will not be published.",
        "Your email address will not be published. Required fields are marked *",
        "Required fields are marked *",
        "Save my name, email, and website in this browser for the next time I comment.",
        "Laisser un commentaire", "Laisser une réponse", "Annuler la réponse", "Commentaires",
        "Ajouter un commentaire", "Votre adresse e-mail ne sera pas publiée.",
        "Votre adresse e-mail ne sera pas publiée. Les champs obligatoires sont indiqués avec *",
        "Schreibe einen Kommentar", "Kommentar schreiben", "Kommentare", "Antworten abbrechen",
        "Deine E-Mail-Adresse wird nicht veröffentlicht.", "Ihre E-Mail-Adresse wird nicht veröffentlicht.",
        "Erforderliche Felder sind mit * markiert",
        "Deja un comentario", "Deja una respuesta", "Cancelar respuesta", "Comentarios",
        "Tu dirección de correo electrónico no será publicada.",
        "Los campos obligatorios están marcados con *",
    ),
    "source link": (
        "Source link", "Source", "Original source", "View source", "Source article", "Original article",
        "Read original article", "View original article", "Lien source", "Voir la source", "Quelle",
        "Quelle anzeigen", "Fuente", "Enlace de origen", "Ver fuente",
    ),
    "link prompt": (
        "Read more", "Read more here", "Read full story", "Read the full story", "Read full article",
        "Read the full article", "Continue reading", "Click here", "Click here to read more",
        "Lire la suite", "Lire plus", "En savoir plus", "Weiterlesen", "Mehr lesen", "Leer más",
        "Seguir leyendo", "Sigue leyendo",
    ),
    "teaser heading": (
        "Related", "Related Posts", "Related Articles", "Related Stories", "Related News", "Related Content",
        "Related Topics", "Check Also", "See also", "You may also like", "You might also like",
        "You may be interested in", "More from this author", "More stories", "More news",
        "More on this story",
        "Most Popular", "Most Read", "Most Viewed", "Popular Posts", "Popular Stories", "Trending Now",
        "Recommended", "Recommended for you", "Recent Posts", "Latest Posts", "Don't miss",
        "Read also", "Also read", "Read next", "Up next", "Editor's picks",
        "Sur le même sujet", "À lire aussi", "Lire aussi", "À voir aussi", "Les plus lus",
        "Articles similaires", "Articles liés", "Vous aimerez aussi", "Vous aimerez peut-être aussi",
        "Das könnte Sie auch interessieren", "Mehr zum Thema", "Meistgelesen", "Meistgelesene Artikel",
        "Ähnliche Artikel", "Auch interessant", "Lesen Sie auch", "Weitere Artikel",
        "Te puede interesar", "También te puede interesar", "Noticias relacionadas", "Artículos relacionados",
        "Lo más leído", "Más noticias", "Lee también", "Relacionado", "Relacionados",
        # The title of the neighbouring post follows these links, as a teaser does.
        "Next Post", "Previous Post", "Next Article", "Previous Article", "Next Story", "Previous Story",
        "Article précédent", "Article suivant", "Nächster Artikel", "Vorheriger Artikel",
        "Artículo anterior", "Artículo siguiente",
    ),
    "advertisement": (
        "Advertisement", "Advertisment", "Advert", "Ad", "Ads", "Sponsored", "Sponsored content",
        "Promoted", "Promoted content", "Paid content", "Scroll to continue with content",
        "Story continues below advertisement", "Article continues below advertisement",
        "Article continues below", "Publicité", "Contenu sponsorisé", "Anzeige", "Werbung",
        "Gesponserter Inhalt", "Publicidad", "Contenido patrocinado",
    ),
    "share buttons": (
        "Share", "Share this", "Share this article", "Share this story", "Share this post",
        "Share on Facebook", "Share on Twitter", "Share on X", "Share on WhatsApp", "Share via Email",
        "Tweet", "Copy link", "Link copied", "Email", "Print", "Print this page", "Like this:", "Partager",
        "Partager sur Facebook",
        "Partager cet article", "Teilen", "Artikel teilen", "Compartir", "Compartir en Facebook",
    ),
    "newsletter prompt": (
        "Subscribe", "Subscribe now", "Newsletter", "Sign up", "Sign in", "Log in", "Login", "Register",
        "Enter your email address", "Get the latest news delivered to your inbox",
        "S'abonner", "Abonnez-vous", "Se connecter", "Abonnieren", "Jetzt abonnieren", "Anmelden",
        "Suscríbete", "Iniciar sesión",
    ),
    "cookie notice": (
        "Accept cookies", "Accept all cookies", "Accept all", "Reject all", "Cookie settings",
        "Cookie policy",
        "Manage cookies", "Manage preferences", "Tout accepter", "Tout refuser", "Paramètres des cookies",
        "Alle akzeptieren", "Cookie-Einstellungen", "Aceptar todas", "Aceptar cookies",
        "Configuración de cookies",
    ),
    "navigation": (
        "Home", "Menu", "Main menu", "Search", "Skip to content", "Skip to main content", "Back to top",
        "Older Posts", "Newer Posts", "Load more", "Show more", "View all", "See all", "Tags", "Tagged",
        "Categories", "Filed under", "About us", "Contact us", "Privacy Policy", "Terms of Use",
        "Terms and Conditions", "Terms of Service", "Sitemap", "Accueil", "Rechercher",
        "Mentions légales", "Politique de confidentialité", "Nous contacter", "Startseite",
        "Suche", "Impressum", "Datenschutz", "Datenschutzerklärung",
        "Nach oben", "Inicio", "Portada", "Buscar", "Aviso legal",
        "Política de privacidad",
    ),
    # What a page shows while a widget loads; the scrape keeps the words, never the widget.
    "placeholder": (
        "Loading...", "Loading", "Please wait...", "Chargement...", "Wird geladen...", "Cargando...",
    ),
}  # fmt: skip

# Words that make up navigation and prompt lines: a short line made only of these, with at least one strong
# one ("Share this article", "Print this page", "Leave a comment below"), is furniture. Weak words alone
# ("More news", "Back home") are not, and neither is a lone platform name, which may be a section label.


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STRONG_WORDS = _words(
    """comment comments reply replies share tweet subscribe newsletter newsletters login logout signup menu
    search advertisement advertisment advertising sponsored cookies cookie sitemap trending popular related
    print email commentaire commentaires répondre partager partagez abonnez abonner publicité recherche
    rechercher kommentar kommentare antworten teilen abonnieren anzeige werbung suche comentario comentarios
    responder compartir suscríbete suscribete publicidad buscar relacionados relacionadas"""
)
_PLATFORMS = _words(
    "facebook twitter x whatsapp linkedin pinterest telegram reddit instagram youtube tiktok flipboard "
    "messenger rss threads bluesky mastodon"
)
_WEAK_WORDS = _PLATFORMS | _words(
    """the a an this that these our your on to in us of and or with via me more all up log sign read also
    may you like might most recent article articles story stories post posts page top back view show load
    home content main next previous prev older newer here now link copy source below above news
    le la les l un une ce cet cette sur de du des et ou nous vous plus lire aussi
    der die das den dem ein eine einen auf zu und oder mit uns mehr diesen artikel seite
    el los las una este esta en y o con nos más leer artículo artículos página"""
)
_VOCABULARY = _STRONG_WORDS | _WEAK_WORDS
VOCABULARY_MAX_WORDS = 6

# Prompt families, matched on the normalized text (lower case, punctuation spaced). Each is looked at only
# for lines that start with one of its words, or that contain one of its needles (searched in one pass).
_FOLLOW = re.compile(
    r"^(?:follow us|suivez nous|folgen sie uns|folge uns|síguenos|siguenos)\b"
    r"|^follow (?:\w+ ){1,4}on (?:twitter|x|facebook|instagram|telegram|tiktok|youtube|linkedin|threads"
    r"|bluesky|mastodon|whatsapp|google news)\b"
)
_LINK_PROMPT = re.compile(
    r"^(?:read|see|watch) (?:our|the) (?:full |whole |complete |original )?"
    r"(?:report|story|article|coverage|analysis|explainer|interview)(?: here)?$"
    # A prompt whose link the scrape lost: "Read more here.", "You can watch the video here."
    r"|^(?:you can |click here to |tap here to )?(?:read|see|watch|listen to|view|find out more|download)"
    r"(?: \S+){0,6} here$"
)
# "4 min read", "Reading time: 3 minutes", "Lesezeit: 3 Minuten".
_READING_TIME = re.compile(
    r"^(?:(?:estimated )?reading time |read time |lesezeit |temps de lecture |tiempo de lectura )?"
    r"(?:about |approx |ca )?\d{1,3} (?:min|mins|minute|minutes|minuten|minutos)"
    r"(?: (?:read|reading|de lecture|de lectura|lesezeit|lesedauer))?$"
)
# A comment counter: "0 Comments", "12 comments", "No Comments" (not "No comment.", which is news).
_COMMENT_COUNT = re.compile(
    r"^(?:\d{1,6} (?:comments?|responses?|replies|commentaires?|kommentare?|comentarios?)"
    r"|(?:no|zero|aucun|keine|sin) (?:comments|responses|replies|commentaires|kommentare|comentarios))$"
)
# A byline naming a role, not a person: the scraper site's account ("By admin", "By News Desk").
_ROLE_BYLINE = re.compile(
    r"^(?:by|posted by|written by|published by|von|par|por|publié par|publicado por) (?:the )?"
    r"(?:admin|administrator|site admin|editor|editors|editorial team|editorial staff|editorial desk"
    r"|news desk|newsdesk|web desk|webdesk|digital desk|online desk|desk|staff|staff writer|staff reporter"
    r"|team|newsroom|news team|guest author|guest contributor|author|webmaster|redaktion|rédaction"
    r"|la rédaction|redacción|la redacción)$"
)
# Share buttons as the scrape spells out their tooltips: "Click to share on Facebook (Opens in new window)".
_SHARE_CLICK = re.compile(r"^click to (?:share on|email|print|tweet|share)\b")
# "Originally published at ...", "This article originally appeared on ...".
_ORIGINALLY = re.compile(
    r"^(?:this (?:article|story|post|piece) )?(?:was )?originally (?:published|appeared|posted)"
    r" (?:on|at|in|by)\b"
)
_POWERED_BY = re.compile(r"^(?:proudly )?powered by\b|^(?:wordpress )?theme by\b")
_NEWSLETTER = re.compile(
    r"^(?:sign up|signup|subscribe|register|join|get|inscrivez vous|abonnez vous|abonnieren sie"
    r"|jetzt abonnieren|melden sie sich|suscríbete|suscribete|regístrate|registrate)\b"
    r".*\b(?:newsletters?|inbox|infolettre|lettre d information|boletín|boletin)\b"
)
_COOKIE = re.compile(
    r"^(?:we use|we and our partners use|this (?:web)?site uses|our (?:web)?site uses|by continuing"
    r"|by using|nous utilisons|ce site utilise|en poursuivant|wir verwenden|wir nutzen"
    r"|diese (?:web)?seite (?:verwendet|nutzt)|diese website (?:verwendet|nutzt)|utilizamos|usamos"
    r"|este sitio (?:web )?utiliza|esta web utiliza)\b.*\bcookies?\b"
)
_RIGHTS = re.compile(
    r"\b(?:all rights reserved|tous droits réservés|alle rechte vorbehalten|todos los derechos reservados)\b"
)
_RIGHTS_ENDINGS = (
    "all rights reserved",
    "tous droits réservés",
    "alle rechte vorbehalten",
    "todos los derechos reservados",
)
COOKIE_MAX_WORDS = 60
PROMPT_MAX_WORDS = 30
# Families matched on the text as written (the marks that tell them apart are dropped by normalization).
_COPYRIGHT = re.compile(r"^\s*(?:©|\(c\)\s*\d{4}|copyright\s*(?:©|\(c\)|\d{4}))", re.IGNORECASE)
_TEASER_LINK = re.compile(
    r"^\s*(?:related|read more|read also|also read|see also|lire aussi|à lire aussi|a lire aussi|voir aussi"
    r"|lesen sie auch|mehr zum thema|auch interessant|lee también|lea también|te puede interesar"
    r"|relacionado|relacionada)\s*[:|»›]\s*\S",
    re.IGNORECASE,
)
_LABELS = re.compile(
    r"^\s*(?:tags?|tagged|filed under|posted in|categories|category|topics|mots[- ]clés|catégories?"
    r"|rubriques?|schlagwörter|schlagworte|kategorien?|etiquetas|categorías?)\s*:\s*\S",
    re.IGNORECASE,
)
# First words of the lines each family may match: a line is only tried against the families its first word
# announces, and most news starts otherwise.
_COOKIE_STARTS = _words("we this our by nous ce en wir diese utilizamos usamos este esta")
_SMALL_NUMBERS = tuple(str(number) for number in range(121))
_FAMILY_STARTS: dict[str, tuple[str, ...]] = {
    "follow prompt": ("follow", "suivez", "folgen", "folge", "síguenos", "siguenos"),
    "link prompt": ("read", "see", "watch", "you", "click", "tap", "listen", "view", "find", "download"),
    "reading time": (
        *_SMALL_NUMBERS, "reading", "estimated", "read", "lesezeit", "temps", "tiempo", "about", "approx",
        "ca",
    ),
    "comment count": (*_SMALL_NUMBERS, "no", "zero", "aucun", "keine", "sin"),
    "role byline": ("by", "posted", "written", "published", "von", "par", "por", "publié", "publicado"),
    "share buttons": ("click",),
    "source link": ("originally", "this", "was"),
    "credit line": ("powered", "proudly", "theme", "wordpress"),
    "newsletter prompt": (
        "sign", "signup", "subscribe", "register", "join", "get", "inscrivez", "abonnez", "abonnieren",
        "jetzt", "melden", "suscríbete", "suscribete", "regístrate", "registrate",
    ),
    "copyright": (
        "copyright", "c", "all", "tous", "alle", "todos", *(str(year) for year in range(1990, 2040)),
    ),
    "teaser link": (
        "related", "read", "also", "see", "lire", "à", "voir", "lesen", "mehr", "auch", "lee", "lea", "te",
        "relacionado", "relacionada",
    ),
    "navigation": (
        "tags", "tag", "tagged", "filed", "posted", "categories", "category", "topics", "mots", "catégories",
        "catégorie", "rubriques", "rubrique", "schlagwörter", "schlagworte", "kategorien", "kategorie",
        "etiquetas", "categorías", "categoría",
    ),
}  # fmt: skip
# A sentence break inside a line ("… africa Fidel castro successfully led …"): a teaser link never has one.
_INNER_SENTENCE = re.compile(r"[.!?]\s+\S")
TEASER_LINK_MAX_WORDS = 14
# A teaser list may hold headlines long enough to pass for paragraphs: one sentence each, at most this many
# words, at most this many of them before the furniture that ends the list.
TEASER_MAX_WORDS = 20
TEASER_RUN_LINES = 8
# A breadcrumb: the site's home link, then either a separator or the next crumb glued on ("HomeWorldRussia…").
_BREADCRUMB = re.compile(r"^\s*(?:Home|Accueil|Startseite|Inicio|Portada)(?:(?=[A-Z])|\s*[»›>/|]\s*)")
_CRUMB_SEPARATOR = re.compile(r"\s*[»›>/|]\s*")
# Crumbs without a home link, with the separators only a breadcrumb uses ("Breaking › World").
_SECTION_CRUMBS = re.compile(r"^[^»›]{1,40}\s[»›]\s\S")
# The page's own date, labelled, at its top ("Last updated: 9 August 2016", "Posted on 27 August 2016").
_DATE_LABEL = re.compile(
    r"^(?:last updated|last modified|updated on|updated|posted on|posted|published on|published|date)\s*:?\s",
    re.IGNORECASE,
)
# A scrape date glued in front of the title (" date 2023-09-13 Ukraine-Russia war – live: …").
_DATE_PREFIX = re.compile(
    r"^\s*(?:(?:date|scraped|retrieved|fetched|published|posted|updated)\s*:?\s*)?"
    r"(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?|\d{1,2}/\d{1,2}/\d{2,4})\s+(?=\S)",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"\d{1,2}[:.]\d{2}|\d\s*[ap]\.?m\b", re.IGNORECASE)
_TRUNCATED = re.compile(r"(?:\.\.\.|…|\[…\]|\[\.\.\.\])\s*$")
_SENTENCE_END = re.compile(r"[.!?…]['\"’”»)\]]*\s*$")
_DIGIT = re.compile(r"\d")
_GLUE_POINT = re.compile(r"(?<=[a-z])(?=[A-Z])")

# Lines are judged on their own only up to this length (normalized); longer ones only by the needles.
SHORT_LINE_CHARS = 120
MAX_LINE_CHARS = 400
# How many blocks at the top of a page may hold a scrape date or a breadcrumb.
TOP_BLOCKS = 4
# How many blocks of a page's head may hold the site's date labels and section crumbs.
HEAD_BLOCKS = 10
# A date written out has at most this many words ("Tuesday, 7 March 2017").
DATE_MAX_WORDS = 5
# A body paragraph (ending a teaser list, protecting the line above it): at least this many words.
PARAGRAPH_WORDS = {BoilerplateMode.AUTO: 8, BoilerplateMode.STRICT: 30}
# Repetition: how many unrelated sources make a line furniture, and how long such a line may be.
UNRELATED_SOURCES = {BoilerplateMode.AUTO: 3, BoilerplateMode.STRICT: 2}
REPEATED_MAX_WORDS = {BoilerplateMode.AUTO: 12, BoilerplateMode.STRICT: 40}
# Two sources are related when they share a block of at least this many words (shorter lines prove nothing),
# found in no more than this many sources (a line in more is too common to relate anything).
RELATING_MIN_WORDS = 6
MAX_RELATING_SOURCES = 64
# Counting unrelated sources stops here; the reason then says "100+".
MAX_COUNTED_SOURCES = 100
MAX_REASON_CHARS = 40
STRICT_CAPS_MAX_WORDS = 5
# Categories that a line loses when it introduces a paragraph: then it is a post headline ("Related").
_HEADLINE_CATEGORIES = frozenset({"teaser heading", "navigation", "share buttons"})

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

_BODY_KINDS = frozenset({BlockKind.PARAGRAPH, BlockKind.QUOTE, BlockKind.LIST_ITEM, BlockKind.CAPTION})
# The word counts of a run whose passes read none (its page tops, its headlines).
_NO_COUNTS: I64 = np.empty(0, dtype=np.int64)


class BoilerplateError(ValueError):
    """A keep or drop pattern that is not a valid regular expression."""


def _normalized_phrases() -> dict[str, str]:
    entries = [(phrase, category) for category, phrases in _PHRASES.items() for phrase in phrases]
    keys = normalize_many([phrase for phrase, _ in entries])
    return {key: category for key, (_, category) in zip(keys, entries, strict=True) if key}


_PHRASE_CATEGORY = _normalized_phrases()


@lru_cache(maxsize=64)
def compile_patterns(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """Compile user patterns; a bad one raises :class:`BoilerplateError` naming it.

    >>> [p.pattern for p in compile_patterns(("^Powered by",))]
    ['^Powered by']
    >>> compile_patterns(("*",))
    Traceback (most recent call last):
    ...
    lbdedup.boilerplate.BoilerplateError: bad regular expression '*': nothing to repeat at position 0
    """
    compiled = []
    for pattern in patterns:
        if not pattern:
            raise BoilerplateError("an empty regular expression would match every block")
        try:
            compiled.append(re.compile(pattern))
        # re raises more than re.error: OverflowError for a huge repeat count, RecursionError for deep
        # nesting, MemoryError for a pattern too big to hold.
        except (re.error, OverflowError, ValueError) as error:
            raise BoilerplateError(f"bad regular expression {_shown(pattern)}: {error}") from None
        except RecursionError:
            raise BoilerplateError(f"bad regular expression {_shown(pattern)}: nested too deeply") from None
        except MemoryError:
            raise BoilerplateError(f"bad regular expression {_shown(pattern)}: too large") from None
    return tuple(compiled)


# A pattern is quoted whole in messages up to this length, and cut with an ellipsis beyond.
SHOWN_PATTERN_CHARS = 80


def _shown(pattern: str) -> str:
    """The pattern as messages quote it: whole when short, its start and an ellipsis when long.

    >>> _shown("^Ad$"), _shown("(" * 100)[-6:]
    ("'^Ad$'", "((...'")
    """
    if len(pattern) <= SHOWN_PATTERN_CHARS:
        return repr(pattern)
    return repr(pattern[:SHOWN_PATTERN_CHARS] + "...")


def line_pattern(text: str, key: str) -> str | None:
    """The built-in category of a line judged on its own (``key`` is its normalized text), or None.

    >>> line_pattern("LEAVE A REPLY", "leave a reply")
    'comment prompt'
    >>> line_pattern("Share this article", "share this article")
    'share buttons'
    >>> line_pattern("© 2024 Ledger Media. All rights reserved.", "2024 ledger media all rights reserved")
    'copyright'
    >>> line_pattern("Goal! Arsenal 1-0 Chelsea", "goal arsenal 1 0 chelsea") is None
    True
    """
    if len(key) > MAX_LINE_CHARS:
        return None
    found = _PHRASE_CATEGORY.get(key)
    if found is not None:
        return found
    spaces = key.count(" ")
    if spaces < VOCABULARY_MAX_WORDS:
        found = _vocabulary_line(text, key)
        if found is not None:
            return found
    first = key.partition(" ")[0]
    if first in _COOKIE_STARTS and spaces < COOKIE_MAX_WORDS and "cookie" in key and _COOKIE.match(key):
        return "cookie notice"
    if spaces >= PROMPT_MAX_WORDS:
        return None
    found = _prompt_line(text, key, first, spaces)
    if found is None and (key.endswith(_RIGHTS_ENDINGS) or ("©" in text and _COPYRIGHT.match(text))):
        return "copyright"
    return found


def _vocabulary_line(text: str, key: str) -> str | None:
    words = key.split()
    if not words or not _VOCABULARY.issuperset(words):
        return None
    distinct = set(words)
    if distinct & _STRONG_WORDS:
        return "navigation"
    if len(distinct & _PLATFORMS) >= 2:
        return "share buttons"
    if len(words) >= 2 and text.isupper():
        return "navigation"
    return None


def _copyright_line(text: str, key: str, spaces: int) -> bool:
    # Cheap tests first: many news lines start with "All" or a year, few with "©" or "all rights reserved".
    if key.startswith(_RIGHTS_ENDINGS):
        return True
    return ("©" in text or key.startswith(("copyright ", "c "))) and _COPYRIGHT.match(text) is not None


def _teaser_link(text: str, key: str, spaces: int) -> bool:
    return (
        spaces < TEASER_LINK_MAX_WORDS and bool(_TEASER_LINK.match(text)) and not _INNER_SENTENCE.search(text)
    )


def _matcher(pattern: re.Pattern[str], on_text: bool = False) -> Callable[[str, str, int], bool]:
    if on_text:
        return lambda text, key, spaces: pattern.match(text) is not None
    return lambda text, key, spaces: pattern.match(key) is not None


_FAMILY_TESTS: dict[str, Callable[[str, str, int], bool]] = {
    "follow prompt": _matcher(_FOLLOW),
    "link prompt": _matcher(_LINK_PROMPT),
    "newsletter prompt": _matcher(_NEWSLETTER),
    "copyright": _copyright_line,
    "teaser link": _teaser_link,
    "navigation": _matcher(_LABELS, on_text=True),
    "reading time": _matcher(_READING_TIME),
    "comment count": _matcher(_COMMENT_COUNT),
    "role byline": _matcher(_ROLE_BYLINE),
    "share buttons": _matcher(_SHARE_CLICK),
    "source link": _matcher(_ORIGINALLY),
    "credit line": _matcher(_POWERED_BY),
}


def _families_by_start() -> dict[str, tuple[tuple[str, Callable[[str, str, int], bool]], ...]]:
    by_start: dict[str, list[tuple[str, Callable[[str, str, int], bool]]]] = {}
    for category, starts in _FAMILY_STARTS.items():
        for start in starts:
            by_start.setdefault(start, []).append((category, _FAMILY_TESTS[category]))
    return {start: tuple(tests) for start, tests in by_start.items()}


_FAMILIES_BY_START = _families_by_start()
_TRIGGERS = (
    _COOKIE_STARTS
    | frozenset(_FAMILIES_BY_START)
    | frozenset(key.partition(" ")[0] for key in _PHRASE_CATEGORY)
)


def _prompt_line(text: str, key: str, first: str, spaces: int) -> str | None:
    for category, test in _FAMILIES_BY_START.get(first, ()):
        if test(text, key, spaces):
            return category
    return None


# What a line's first word tells (bits): which sizes of line it may open a pattern in, as _may_be_pattern
# chooses them, and which patterns :func:`_worth_a_look` must still consider.
_TINY_START, _MEDIUM_START, _LONG_START, _VOCABULARY_START, _COOKIE_START, _FAMILY_START = (
    1 << bit for bit in range(6)
)


def _start_flags() -> dict[str, int]:
    flags: dict[str, int] = {}

    def mark(words: Iterable[str], flag: int) -> None:
        for word in words:
            flags[word] = flags.get(word, 0) | flag

    mark(_VOCABULARY | _TRIGGERS, _TINY_START)
    mark(_TRIGGERS, _MEDIUM_START)
    mark(_COOKIE_STARTS, _LONG_START | _COOKIE_START)
    mark(_VOCABULARY, _VOCABULARY_START)
    # A line opening with a year is a copyright line only with a "©", which _worth_a_look tests anyway; one
    # opening with a small number may count minutes of reading or comments.
    mark((start for start in _FAMILIES_BY_START if not start.isdecimal() or len(start) < 4), _FAMILY_START)
    return flags


_START_FLAGS = _start_flags()
_FIRST, _TEXT = itemgetter(0), attrgetter("text")


def _may_be_pattern(keys: Sequence[str], word_counts: I64) -> tuple[I64, npt.NDArray[np.uint8]]:
    """The lines worth a look, chosen by their size and first word, never by a regex over every line.

    Tiny lines starting with a vocabulary word or a trigger, then longer ones starting with a trigger, then
    the longest starting like a cookie notice; and the flags of each line's first word. Lines too long for
    :func:`line_pattern` may be among them.

    >>> found, flags = _may_be_pattern(["share this", "the river rose", ""], np.array([2, 3, 0]))
    >>> found.tolist()
    [0, 1]
    """
    firsts = map(_FIRST, map(str.partition, keys, repeat(" ")))
    flags = np.fromiter(map(_START_FLAGS.get, firsts, repeat(0)), dtype=np.uint8, count=len(keys))
    tiny = (word_counts <= VOCABULARY_MAX_WORDS) & ((flags & _TINY_START) != 0)
    medium = (word_counts > VOCABULARY_MAX_WORDS) & (word_counts <= PROMPT_MAX_WORDS)
    medium &= (flags & _MEDIUM_START) != 0
    long = (word_counts > PROMPT_MAX_WORDS) & (word_counts <= COOKIE_MAX_WORDS) & ((flags & _LONG_START) != 0)
    found: I64 = np.concatenate([np.flatnonzero(tiny), np.flatnonzero(medium), np.flatnonzero(long)])
    return found, flags


def _worth_a_look(
    blocks: Sequence[Block], keys: Sequence[str], found: I64, flags: npt.NDArray[np.uint8]
) -> list[int]:
    """The lines of ``found`` that :func:`line_pattern` may give a category, in order.

    A few ``in`` tests, without a Python loop, spare it most lines (those opening with a year, "we"…).

    >>> texts = ["2016 ©", "2016 a"]
    >>> blocks = [Block(0, "a", i, i, i, BlockKind.PARAGRAPH, text) for i, text in enumerate(texts)]
    >>> _worth_a_look(blocks, ["2016", "2016 a"], np.array([0, 1]), np.array([0, 0], dtype=np.uint8))
    [0]
    """
    indices: list[int] = found.tolist()
    count = len(indices)
    found_keys = list(map(keys.__getitem__, indices))
    texts = block_table(blocks).texts(indices)
    first = flags[found]
    spaces = np.fromiter(map(str.count, found_keys, repeat(" ")), dtype=np.int64, count=count)
    worth = np.fromiter(map(_PHRASE_CATEGORY.__contains__, found_keys), dtype=bool, count=count)
    worth |= (spaces < VOCABULARY_MAX_WORDS) & ((first & _VOCABULARY_START) != 0)
    cookie = np.fromiter(map(contains, found_keys, repeat("cookie")), dtype=bool, count=count)
    worth |= cookie & ((first & _COOKIE_START) != 0)
    copyright = np.fromiter(map(contains, texts, repeat("©")), dtype=bool, count=count)
    copyright |= np.fromiter(map(str.endswith, found_keys, repeat(_RIGHTS_ENDINGS)), dtype=bool, count=count)
    worth |= (spaces < PROMPT_MAX_WORDS) & (copyright | ((first & _FAMILY_START) != 0))
    chosen: list[int] = found[worth].tolist()
    return chosen


# ----------------------------------------------------------------------------------------- the stage


class _Run:
    """Everything the passes share: blocks, keys, where each source starts and ends, verdicts so far."""

    def __init__(
        self,
        blocks: Sequence[Block],
        keys: Sequence[str],
        word_counts: I64,
        mode: BoilerplateMode,
        headlines: Mapping[str, int] | None = None,
        first_row: int = 0,
    ) -> None:
        self.keys = keys
        # Where this run's blocks sit in the whole run (a part of it), and the headlines atop every page of
        # the whole run (made from this run's own blocks when None: then it is the whole run).
        self.first_row = first_row
        self.headlines = headlines
        self.word_counts = word_counts
        self.mode = mode
        self.strict = mode is BoilerplateMode.STRICT
        self.found: dict[int, str] = {}
        table = self.blocks = block_table(blocks)
        # Kinds and texts by position, read here and there; no Block is made for them.
        self.kinds = list(map(BLOCK_KINDS.__getitem__, table.kind.tolist()))
        self.text = table.text
        docs = table.doc.astype(np.int64)
        self.docs = docs
        if len(blocks):
            starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
            ends = np.r_[starts[1:], len(blocks)]
        else:
            starts = ends = np.empty(0, dtype=np.int64)
        self.spans: list[tuple[int, int]] = list(zip(starts.tolist(), ends.tolist(), strict=True))
        self.end_of: dict[int, int] = dict(self.spans)
        self.doc_start = np.repeat(starts, ends - starts)
        self.doc_end = np.repeat(ends, ends - starts)
        self._bodies: dict[int, tuple[int | None, int | None]] = {}

    def words(self, index: int) -> int:
        key = self.keys[index]
        return key.count(" ") + 1 if key else 0

    def is_paragraph(self, index: int) -> bool:
        """A body paragraph: prose of some length, not a headline, not cut short like a teaser blurb."""
        return (
            self.kinds[index] in _BODY_KINDS
            and self.words(index) >= PARAGRAPH_WORDS[self.mode]
            and not _TRUNCATED.search(self.text(index)[-8:])
        )

    def body(self, index: int) -> tuple[int | None, int | None]:
        """The first and the last body paragraph of the source of block ``index`` (None when it has none)."""
        start = int(self.doc_start[index])
        if start not in self._bodies:
            paragraphs = [other for other in range(start, self.end_of[start]) if self.is_paragraph(other)]
            self._bodies[start] = (paragraphs[0], paragraphs[-1]) if paragraphs else (None, None)
        return self._bodies[start]

    def next_content(self, index: int, skip: Iterable[int] = ()) -> int | None:
        """The next block of the same source that is not a meta line (nor in ``skip``), if any."""
        end = int(self.doc_end[index])
        skipped = set(skip)
        for following in range(index + 1, end):
            if self.kinds[following] not in META_KINDS and following not in skipped:
                return following
        return None

    def opens_timed_post(self, index: int) -> bool:
        """True for the first line of a timed post (only meta lines above it) when more of the post follows.

        Such a line is the post's headline even when the post is short ("Sign up to our email" over "The
        business desk has launched a daily email."): furniture sits around posts, not at their head.
        """
        block = self.blocks[index]
        if block.time is None or block.post is None:
            return False
        following = self.next_content(index)
        if following is None or self.blocks[following].post != block.post:
            return False
        start = int(self.doc_start[index])
        for before in range(index - 1, start - 1, -1):
            other = self.blocks[before]
            if other.post != block.post:
                return True
            if other.kind not in META_KINDS:
                return False
        return True

    def introduces_paragraph(self, index: int) -> bool:
        """True for a post headline or any line directly followed (meta aside) by a body paragraph."""
        following = self.next_content(index)
        return following is not None and self.is_paragraph(following)

    def post_time(self, index: int) -> bool:
        """True for a time line with a clock time: a post starts there."""
        return _is_post_time(self.blocks[index])

    def top_undated(self, index: int) -> bool:
        """True for a date line without a clock time at the top of its page (a scrape date, maybe)."""
        return (
            index - int(self.doc_start[index]) < TOP_BLOCKS
            and self.kinds[index] is BlockKind.TIMESTAMP
            and not _CLOCK.search(self.text(index))
        )

    def top_headlines(self) -> Mapping[str, int]:
        """The headlines atop every page of the whole run, as :func:`part_headlines` gives them."""
        if self.headlines is None:
            self.headlines = _top_headlines(self)
        return self.headlines


def find_boilerplate(
    blocks: Sequence[Block],
    keys: Sequence[str],
    fingerprints: Fingerprints,
    options: Options,
) -> dict[int, str]:
    """The blocks of a run that are site furniture, as ``{index: reason}``.

    ``keys`` are the normalized texts and ``fingerprints`` their hashes, as the fingerprint stage made them.

    >>> from lbdedup.core import segment_all
    >>> from lbdedup.model import Document
    >>> blocks = segment_all([Document("a.txt", "Flood live\\n\\nThe river rose.\\n\\nSource link\\n")])
    >>> keys = normalize_many([b.text for b in blocks])
    >>> from lbdedup.fingerprint import fingerprint
    >>> find_boilerplate(blocks, keys, fingerprint(keys), Options())
    {2: 'pattern: source link'}
    """
    # The three passes of find_boilerplate_parts over one part, the whole run.
    run = _Run(blocks, keys, fingerprints.word_counts, options.boilerplate)
    if options.boilerplate is not BoilerplateMode.OFF and blocks:
        _mark_within_pages(run)
        _mark_repeated(run, fingerprints)
    _finish(run, options)
    return dict(sorted(run.found.items()))


def _mark_within_pages(run: _Run) -> None:
    """The passes that look at one page at a time (but for the headlines atop other pages)."""
    _mark_lines(run)
    _mark_page_tops(run)
    _mark_page_heads(run)
    _mark_teasers(run)


def _finish(run: _Run, options: Options, patterns: PatternRunner | None = None) -> None:
    """Once repetition is known: the scrape dates it uncovered atop pages, then the user's patterns.

    ``patterns`` runs them (default :func:`apply_user_patterns`, here).
    """
    if options.boilerplate is not BoilerplateMode.OFF and run.keys:
        _mark_page_tops(run)
    if options.drop_patterns or options.keep_patterns:
        run.found = (patterns or apply_user_patterns)(run.blocks.texts(), run.found, options)


# ----------------------------------------------------------------------------------------- in parts
# A run too big for one process is cut into parts, each a run of whole documents (consecutive rows of the
# whole run's BlockTable). find_boilerplate_parts composes what each step needs, and an engine that spreads
# the parts over processes does the same: part_headlines on each part, merge_headlines of them all; then
# part_first_pass on each part; repeated_furniture on the columns of all parts; part_final_pass on each.


@dataclass(frozen=True, eq=False)
class BlockFacts:
    """What :func:`repeated_furniture` needs to know of each block's text and key: 3 bytes a block.

    ``repeatable``: a short line that may be furniture by repetition (not a meta line, unless shaped like a
    site name atop or under its page; not a post headline, not punctuation; in ``auto`` mode without a digit
    and not ending like a sentence). ``post_time``: a time line with a clock time. ``top_undated``: a date
    line without one among the first blocks of its page.

    >>> part = BlockFacts(*[np.array([True, False])] * 3)
    >>> BlockFacts.concat([part, BlockFacts.none(1)]).repeatable.tolist()
    [True, False, False]
    """

    repeatable: npt.NDArray[np.bool_]
    post_time: npt.NDArray[np.bool_]
    top_undated: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.repeatable)

    @classmethod
    def none(cls, count: int) -> BlockFacts:
        """Facts of ``count`` blocks of which none holds (``boilerplate = "off"``)."""
        return cls(*(np.zeros(count, dtype=bool) for _ in range(3)))

    @classmethod
    def concat(cls, parts: Sequence[BlockFacts]) -> BlockFacts:
        """The facts of the parts' blocks, one part after the other."""
        if not parts:
            return cls.none(0)
        return cls(
            np.concatenate([part.repeatable for part in parts]),
            np.concatenate([part.post_time for part in parts]),
            np.concatenate([part.top_undated for part in parts]),
        )


def _block_facts(run: _Run, lines: I64 | None = None) -> BlockFacts:
    """Every block's facts, computed with numpy and, for the short lines left, a regex or two each.

    The same as :func:`_may_repeat`, :meth:`_Run.post_time` and :meth:`_Run.top_undated` block by block.
    Given ``lines``, only what the repetition pass may read when those are the common lines: whether they
    may repeat, and the time lines next to them or to the furniture found so far; no other fact holds.
    """
    count = len(run.keys)
    table = run.blocks
    rows = np.arange(count)
    kind = table.kind
    stamps = np.flatnonzero(kind == KIND_CODES[BlockKind.TIMESTAMP])
    if lines is not None:
        found = np.fromiter(run.found, dtype=np.int64, count=len(run.found))
        near = np.concatenate([lines, found])
        near = np.unique(np.concatenate([near - 1, near + 1]))
        near = near[(near >= 0) & (near < count)]
        stamps = near[kind[near] == KIND_CODES[BlockKind.TIMESTAMP]]
    clocked = np.fromiter(
        map(is_not, map(_CLOCK.search, table.texts(stamps.tolist())), repeat(None)),
        dtype=bool,
        count=len(stamps),
    )
    post_time = np.zeros(count, dtype=bool)
    post_time[stamps[clocked]] = True
    undated = stamps[~clocked]
    top_undated = np.zeros(count, dtype=bool)
    top_undated[undated[undated - run.doc_start[undated] < TOP_BLOCKS]] = True

    meta = np.isin(kind, [KIND_CODES[meta_kind] for meta_kind in META_KINDS])
    site_name = (kind == KIND_CODES[BlockKind.BYLINE]) & ((rows == run.doc_start) | (rows == run.doc_end - 1))
    chosen = np.flatnonzero((run.word_counts <= REPEATED_MAX_WORDS[run.mode]) & (~meta | site_name))
    if lines is not None:
        chosen = np.intersect1d(chosen, lines, assume_unique=True)
    keys = list(map(run.keys.__getitem__, chosen.tolist()))
    keep = np.fromiter(map(bool, keys), dtype=bool, count=len(keys))
    keep &= ~np.fromiter(map(str.startswith, keys, repeat("\x00")), dtype=bool, count=len(keys))
    if not run.strict:
        keep &= np.fromiter(map(is_, map(_DIGIT.search, keys), repeat(None)), dtype=bool, count=len(keys))
        chosen = chosen[keep]
        texts = table.texts(chosen.tolist())
        keep = np.fromiter(
            map(is_, map(_SENTENCE_END.search, texts), repeat(None)), dtype=bool, count=len(chosen)
        )
    chosen = chosen[keep]
    # A line introduces a paragraph when the next block of its page that is no meta line is a paragraph.
    content = np.where(meta, count, rows)
    following = np.r_[np.minimum.accumulate(content[::-1])[::-1][1:], count][chosen]
    inside = following < run.doc_end[chosen]
    followers = np.unique(following[inside])
    introduces = np.zeros(len(chosen), dtype=bool)
    introduces[inside] = np.isin(following[inside], _paragraphs(run, followers))
    repeatable = np.zeros(count, dtype=bool)
    repeatable[chosen[~introduces]] = True
    return BlockFacts(repeatable, post_time, top_undated)


def _paragraphs(run: _Run, rows: I64) -> I64:
    """The rows of ``rows`` that are body paragraphs (:meth:`_Run.is_paragraph`), tested column by column."""
    rows = rows[np.isin(run.blocks.kind[rows], [KIND_CODES[kind] for kind in _BODY_KINDS])]
    keys = map(run.keys.__getitem__, rows.tolist())
    # An empty key has no word, not one: both are too few.
    words = np.fromiter(map(str.count, keys, repeat(" ")), dtype=np.int64, count=len(rows)) + 1
    rows = rows[words >= PARAGRAPH_WORDS[run.mode]]
    ends = [text[-8:] for text in run.blocks.texts(rows.tolist())]
    cut = np.fromiter(map(is_not, map(_TRUNCATED.search, ends), repeat(None)), dtype=bool, count=len(rows))
    found: I64 = rows[~cut]
    return found


Part = tuple[Sequence[Block], Sequence[str], Fingerprints]


def part_headlines(blocks: Sequence[Block], keys: Sequence[str], first_row: int = 0) -> dict[str, int]:
    """The headlines atop each page of a part that a glued title may repeat: ``{sorted words: row}``.

    At most six lines a page; rows count from the whole run's first block (the part's first is
    ``first_row``). The one thing the per-page passes read of other pages: merge them with
    :func:`merge_headlines` and give them to :func:`part_first_pass` and :func:`part_final_pass`.

    >>> blocks = [Block(0, "a", 0, 1, 1, BlockKind.TITLE, "Flood live: the river rises")]
    >>> part_headlines(blocks, ["flood live the river rises"], first_row=7)
    {'flood live rises river the': 7}
    """
    return _top_headlines(_Run(blocks, keys, _NO_COUNTS, BoilerplateMode.AUTO, first_row=first_row))


def merge_headlines(parts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """The headlines of all parts, each with the row of its first copy.

    >>> merge_headlines([{"a b c": 4}, {"a b c": 1, "d e f": 9}])
    {'a b c': 1, 'd e f': 9}
    """
    merged: dict[str, int] = {}
    for part in parts:
        for key, row in part.items():
            if merged.get(key, row) >= row:
                merged[key] = row
    return merged


def part_first_pass(
    blocks: Sequence[Block],
    keys: Sequence[str],
    word_counts: I64,
    options: Options,
    headlines: Mapping[str, int] | None = None,
    first_row: int = 0,
) -> tuple[dict[int, str], BlockFacts]:
    """The furniture a part's pages show on their own (rows of the part), and the facts of its blocks.

    ``blocks`` (whole documents), their ``keys`` and word counts (``Fingerprints.word_counts``) are the
    part's; ``headlines`` are :func:`merge_headlines` of every part's (None when the part is the whole run)
    and ``first_row`` the row of the part's first block in the whole run.
    """
    run = _Run(blocks, keys, word_counts, options.boilerplate, headlines, first_row)
    if options.boilerplate is BoilerplateMode.OFF or not blocks:
        return {}, BlockFacts.none(len(keys))
    _mark_within_pages(run)
    return dict(run.found), _block_facts(run)


def part_final_pass(
    blocks: Sequence[Block],
    keys: Sequence[str],
    options: Options,
    found: Mapping[int, str],
    headlines: Mapping[str, int] | None = None,
    first_row: int = 0,
    patterns: PatternRunner | None = None,
) -> dict[int, str]:
    """A part's furniture, sorted, given all that was found in it so far (rows of the part).

    ``found`` is :func:`part_first_pass`'s furniture and :func:`repeated_furniture`'s in the part; the other
    arguments are as :func:`part_first_pass` takes them. ``patterns`` runs the user's patterns (by default
    :func:`apply_user_patterns`, in this thread).
    """
    run = _Run(blocks, keys, _NO_COUNTS, options.boilerplate, headlines, first_row)
    run.found.update(found)
    _finish(run, options, patterns)
    return dict(sorted(run.found.items()))


def find_boilerplate_parts(parts: Sequence[Part], options: Options) -> dict[int, str]:
    """:func:`find_boilerplate` of the run made of ``parts`` one after the other, computed part by part.

    Each part is ``(blocks, keys, fingerprints)`` of whole documents; rows in the result count from the first
    part's first block. A document cut between two parts raises ValueError.

    >>> from lbdedup.core import segment_all
    >>> from lbdedup.fingerprint import fingerprint
    >>> from lbdedup.model import Document
    >>> blocks = segment_all([Document(f"{n}.txt", f"Flood {n}\\n\\nSource link\\n") for n in range(2)])
    >>> keys = normalize_many([b.text for b in blocks])
    >>> parts = [(blocks[:2], keys[:2], fingerprint(keys[:2])), (blocks[2:], keys[2:], fingerprint(keys[2:]))]
    >>> find_boilerplate_parts(parts, Options())
    {1: 'pattern: source link', 3: 'pattern: source link'}
    """
    tables = [block_table(blocks) for blocks, _, _ in parts]
    last_doc = None
    for table in tables:
        if len(table):
            if last_doc is not None and int(table.doc[0]) == last_doc:
                raise ValueError(f"document {last_doc} is cut between two parts")
            last_doc = int(table.doc[-1])
    return furniture_by_parts(
        lambda step, arguments: [
            step(table, keys, prints.word_counts, *more)
            for table, (_, keys, prints), more in zip(tables, parts, arguments, strict=True)
        ],
        [len(table) for table in tables],
        np.concatenate([prints.exact for _, _, prints in parts]) if parts else np.empty(0, np.uint64),
        np.concatenate([prints.word_counts for _, _, prints in parts]) if parts else np.empty(0, np.int64),
        np.concatenate([table.doc for table in tables]) if parts else np.empty(0, np.int64),
        options,
    )


# Runs ``step(blocks, keys, word_counts, *arguments[i])`` on every part ``i`` of a run, in part order, and
# gives the answers: in this process (find_boilerplate_parts), or where an engine keeps the parts.
PartRunner = Callable[[Callable[..., Any], Sequence[tuple[Any, ...]]], list[Any]]
# Applies the user's patterns: ``(texts, found, options) -> found``, as apply_user_patterns does.
PatternRunner = Callable[[Sequence[str], Mapping[int, str], Options], dict[int, str]]


def furniture_by_parts(
    run_on_parts: PartRunner,
    sizes: Sequence[int],
    exact: U64,
    word_counts: I64,
    docs: npt.NDArray[np.integer[Any]],
    options: Options,
    patterns: PatternRunner | None = None,
) -> dict[int, str]:
    """:func:`find_boilerplate` of a run of parts of ``sizes`` blocks, each step run by ``run_on_parts``.

    The steps (:func:`part_headlines`, :func:`part_first_pass`, :func:`part_final_pass`) read a part's
    blocks and keys where the part is; this process merges the headlines and runs the repetition pass on
    the run's columns ``exact``, ``word_counts`` and ``docs``. Rows count from the first part's first block.
    """
    firsts = np.r_[0, np.cumsum(sizes)].astype(np.int64).tolist()
    headlines = None
    if options.boilerplate is BoilerplateMode.AUTO:
        headlines = merge_headlines(run_on_parts(_furniture_headlines, [(first,) for first in firsts[:-1]]))
    passes = run_on_parts(_furniture_start, [(options, headlines, first) for first in firsts[:-1]])
    found: dict[int, str] = {}
    for (within, _), first in zip(passes, firsts, strict=False):
        found.update((first + index, reason) for index, reason in within.items())
    facts = BlockFacts.concat([part_facts for _, part_facts in passes])
    found.update(repeated_furniture(exact, word_counts, docs, facts, found, options.boilerplate))
    owns = [
        {row - first: reason for row, reason in found.items() if first <= row < end}
        for first, end in pairwise(firsts)
    ]
    finals = run_on_parts(
        _furniture_end,
        [(options, own, headlines, first, patterns) for own, first in zip(owns, firsts, strict=False)],
    )
    furniture: dict[int, str] = {}
    for first, final in zip(firsts, finals, strict=False):
        furniture.update((first + index, reason) for index, reason in final.items())
    return furniture


def _furniture_headlines(
    blocks: Sequence[Block], keys: Sequence[str], word_counts: I64, first_row: int
) -> dict[str, int]:
    return part_headlines(blocks, keys, first_row)


def _furniture_start(
    blocks: Sequence[Block],
    keys: Sequence[str],
    word_counts: I64,
    options: Options,
    headlines: Mapping[str, int] | None,
    first_row: int,
) -> tuple[dict[int, str], BlockFacts]:
    return part_first_pass(blocks, keys, word_counts, options, headlines, first_row)


def _furniture_end(
    blocks: Sequence[Block],
    keys: Sequence[str],
    word_counts: I64,
    options: Options,
    found: Mapping[int, str],
    headlines: Mapping[str, int] | None,
    first_row: int,
    patterns: PatternRunner | None,
) -> dict[int, str]:
    return part_final_pass(blocks, keys, options, found, headlines, first_row, patterns)


def _mark_lines(run: _Run) -> None:
    """Lines that are furniture on their own."""
    keys, blocks, found = run.keys, run.blocks, run.found
    for index in _worth_a_look(blocks, keys, *_may_be_pattern(keys, run.word_counts)):
        category = line_pattern(blocks[index].text, keys[index])
        if category is not None:
            found[index] = f"pattern: {category}"
    if run.strict:
        lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
        for index in np.flatnonzero((lengths > 0) & (lengths <= SHORT_LINE_CHARS)).tolist():
            if index not in found and blocks[index].text.isupper() and _is_edge_capitals(run, index):
                found[index] = "all capitals at the edge of the page"
    for index in [i for i, reason in found.items() if reason[9:] in _HEADLINE_CATEGORIES]:
        if run.introduces_paragraph(index) or run.opens_timed_post(index):
            following = run.next_content(index)
            if _is_teaser_heading(found[index]) and following is not None and _teaser_run(run, following):
                continue  # "Related" above other stories' long headlines, then more furniture
            del found[index]


def _is_teaser_heading(reason: str) -> bool:
    """True for the reason a teaser heading ("Related", "You may also like") is given."""
    return reason == "pattern: teaser heading"


def _is_edge_capitals(run: _Run, index: int) -> bool:
    """Strict mode: a short all-capitals line above the first or below the last paragraph of its page."""
    if run.words(index) > STRICT_CAPS_MAX_WORDS or _DIGIT.search(run.keys[index]):
        return False
    if run.kinds[index] in META_KINDS:
        return False
    first, last = run.body(index)
    return first is None or index < first or last is None or index > last


# ----------------------------------------------------------------------------------------- page tops


def _mark_page_tops(run: _Run) -> None:
    """Scrape dates and breadcrumbs at the top of each page, before its content starts."""
    for start, end in run.spans:
        for index in range(start, min(start + TOP_BLOCKS, end)):
            if index in run.found:
                continue
            block = run.blocks[index]
            if block.kind is BlockKind.TIMESTAMP:
                if _is_scrape_date(run, index, start):
                    run.found[index] = "scrape date at the top of the page"
                continue
            if run.is_paragraph(index):
                break
            reason = _glued_prefix(run, index)
            if reason is None:
                continue
            if reason == "pattern: breadcrumb":  # crumbs alone, no title glued on: nothing to lose
                run.found[index] = reason
                continue
            if run.strict or _title_elsewhere(run, index, run.top_headlines()):
                run.found[index] = reason


def _mark_page_heads(run: _Run) -> None:
    """The site's labels in a page's head, above its first post: "Last updated: 9 August", "News › World".

    The head ends at the first time line with a clock (a post starts there) or after ``HEAD_BLOCKS``.
    """
    for start, end in run.spans:
        for index in range(start, min(start + HEAD_BLOCKS, end)):
            text = run.text(index).strip()
            if run.kinds[index] is BlockKind.TIMESTAMP and _CLOCK.search(text):
                break
            if index in run.found:
                continue
            if len(text) > SHORT_LINE_CHARS:
                continue
            label = _DATE_LABEL.match(text)
            if label and _is_bare_date(text[label.end() :]) and not _CLOCK.search(text):
                run.found[index] = "date label at the top of the page"
            elif _SECTION_CRUMBS.match(text):
                crumbs = _CRUMB_SEPARATOR.split(text)
                if len(crumbs) > 1 and all(0 < len(crumb.split()) <= 3 for crumb in crumbs):
                    run.found[index] = "pattern: breadcrumb"


def _is_bare_date(text: str) -> bool:
    """A date and nothing else, as a label gives it: "9 August 2016", "Tuesday, March 7, 2017", "2016-08-09".

    >>> _is_bare_date("9 August 2016"), _is_bare_date("2023-09-13 Flood live: the river rises")
    (True, False)
    """
    words = text.split()
    return 0 < len(words) <= DATE_MAX_WORDS and _DIGIT.search(text) is not None


def _is_scrape_date(run: _Run, index: int, start: int) -> bool:
    """A date without a clock time, with only furniture above it and a headline or furniture below."""
    if _CLOCK.search(run.text(index)):
        return False
    if any(other not in run.found for other in range(start, index)):
        return False
    following = index + 1
    if following >= run.end_of[start]:
        return False
    return following in run.found or run.kinds[following] in HEADLINE_KINDS


def _glued_prefix(run: _Run, index: int) -> str | None:
    text = run.text(index)
    if _BREADCRUMB.match(text):
        crumbs = _CRUMB_SEPARATOR.split(text.strip())
        if len(crumbs) > 1 and all(len(crumb.split()) <= 3 for crumb in crumbs):
            return "pattern: breadcrumb"
        return "breadcrumb glued to the title"
    if _DATE_PREFIX.match(text):
        return "scrape date glued to the title"
    return None


def _top_headlines(run: _Run) -> dict[str, int]:
    """Headlines near the top of every page, by their sorted words: where a glued title may be found again.

    Each maps to the row (in the whole run) of its first copy. Only headlines of three words or more are
    looked up (:func:`_title_elsewhere`), so only those are kept.
    """
    found: dict[str, int] = {}
    for start, end in run.spans:
        for index in range(start, min(start + TOP_BLOCKS + 2, end)):
            key = run.keys[index]
            if run.kinds[index] in HEADLINE_KINDS and key.count(" ") >= 2:
                found.setdefault(" ".join(sorted(key.split())), run.first_row + index)
    return found


def _remainders(text: str) -> list[str]:
    """What may follow the glued prefix: the text after a date, after a separator, or after a glue point."""
    stripped = text.strip()
    date = _DATE_PREFIX.match(stripped)
    if date:
        return [stripped[date.end() :]]
    crumbs = _CRUMB_SEPARATOR.split(stripped)
    if len(crumbs) > 1:
        return [crumbs[-1]]
    return [stripped[point.start() :] for point in _GLUE_POINT.finditer(stripped[:60])]


def _title_elsewhere(run: _Run, index: int, headlines: Mapping[str, int]) -> bool:
    """True when the title behind a glued prefix has another copy: below it, or atop another page."""
    text = run.text(index).strip()
    cut = _TRUNCATED.sub("", text).rstrip(" ;,:-–—")
    for following in range(index + 1, min(index + TOP_BLOCKS, int(run.doc_end[index]))):
        title = run.text(following).strip()
        if len(title) < 12 or run.kinds[following] not in HEADLINE_KINDS:
            continue
        position = cut.find(title[:12])
        if position > 0 and title.startswith(cut[position:]):
            return True
    for remainder in _remainders(cut):
        key = normalize(remainder)
        if key.count(" ") < 2:
            continue
        other = headlines.get(" ".join(sorted(key.split())))
        if other is not None and other != run.first_row + index:
            return True
    return False


# ----------------------------------------------------------------------------------------- teasers


def _mark_teasers(run: _Run) -> None:
    """Headlines of other stories listed under "Related", "Check Also"… up to the end or a real paragraph."""
    headings = [index for index, reason in run.found.items() if _is_teaser_heading(reason)]
    for heading in sorted(headings):
        label = " ".join(run.text(heading).split())[:MAX_REASON_CHARS]
        reason = f"teaser under '{label}'"
        listed: list[int] = []
        stop = None
        for index in range(heading + 1, int(run.doc_end[heading])):
            if index in run.found:
                continue
            if run.is_paragraph(index) and not _teaser_run(run, index):
                stop = index
                break
            listed.append(index)
        if stop is not None:
            listed = _without_post_headline(run, listed)
        for index in listed:
            run.found[index] = reason


def _teaser_run(run: _Run, index: int) -> bool:
    """True when ``index`` starts headline-like lines that run into more furniture.

    Other stories' headlines are often long enough to pass for a paragraph ("Do countries have to belong to
    the ECHR to be in the EU?"), but each is one sentence, and the list ends at more furniture ("Leave a
    Reply"). Lines that run to the page's end may be its last post: they stay.
    """
    end = int(run.doc_end[index])
    for following in range(index, min(index + TEASER_RUN_LINES, end)):
        if following in run.found:
            return True
        text = run.text(following)
        if run.words(following) > TEASER_MAX_WORDS or _INNER_SENTENCE.search(text.rstrip()):
            return False
    return False


def _without_post_headline(run: _Run, listed: list[int]) -> list[int]:
    """A teaser list cut short by a paragraph: the headline just above it (and its meta) opens a post."""
    keep = len(listed)
    while keep and run.kinds[listed[keep - 1]] in META_KINDS:
        keep -= 1
    if keep:
        keep -= 1
        while keep and run.kinds[listed[keep - 1]] in META_KINDS:
            keep -= 1
    return listed[:keep]


# ----------------------------------------------------------------------------------------- repetition


def _mark_repeated(run: _Run, fingerprints: Fingerprints) -> None:
    """Short lines found in many sources that share no other content."""
    exact, word_counts = fingerprints.exact, fingerprints.word_counts
    common = _common_lines(exact, word_counts, run.docs, run.mode)
    if len(common):
        # Only the facts the pass reads: of the common lines, and of the lines next to them or to furniture.
        columns = _Columns(run.docs, _block_facts(run, common), run.found)
        run.found.update(_repeated(common, exact, word_counts, columns, run.mode))


def repeated_furniture(
    exact: U64,
    word_counts: I64,
    docs: npt.NDArray[np.integer[Any]],
    facts: BlockFacts,
    found: Mapping[int, str],
    mode: BoilerplateMode,
) -> dict[int, str]:
    """The short lines found in many sources that share no other content, as ``{row: reason}``.

    The cross-document pass, on columns only (no text, no key): every block's exact hash, word count and
    document (documents whole and in order), its :class:`BlockFacts` (:func:`part_first_pass`) and the
    furniture found so far (rows of the whole run). Rows already in ``found`` are never returned.

    Three pages, each a short line (hash 5) over a line already found (hash 6, nine words):

    >>> facts = BlockFacts.concat([BlockFacts(*([np.array([True, False])] * 3))] * 3)
    >>> exact, counts = np.array([5, 6] * 3, dtype=np.uint64), np.array([2, 9] * 3)
    >>> found = repeated_furniture(exact, counts, np.repeat([0, 1, 2], 2), facts, {1: "", 3: "", 5: ""},
    ...                            BoilerplateMode.AUTO)
    >>> list(found), found[0]
    ([0, 2, 4], 'repeated in 3 unrelated sources')
    """
    if mode is BoilerplateMode.OFF:
        return {}
    sources: I64 = np.asarray(docs, dtype=np.int64)
    columns = _Columns(sources, facts, found)
    return _repeated(_common_lines(exact, word_counts, sources, mode), exact, word_counts, columns, mode)


def _common_lines(exact: U64, word_counts: I64, docs: I64, mode: BoilerplateMode) -> I64:
    """The short lines whose exact hash is in enough sources, in order (none when the run has too few)."""
    threshold = UNRELATED_SOURCES[mode]
    none = np.empty(0, dtype=np.int64)
    if int(np.count_nonzero(docs[1:] != docs[:-1])) + (len(docs) > 0) < threshold:
        return none
    short = np.flatnonzero(word_counts <= REPEATED_MAX_WORDS[mode])
    rows = _Rows(exact[short], docs[short], short)
    common = rows.hashes[rows.starts[rows.counts >= threshold]]
    if not len(common):
        return none
    short_exact = exact[short]
    # common is sorted (rows are): a binary search per line instead of np.isin's hashing.
    at = np.minimum(np.searchsorted(common, short_exact), len(common) - 1)
    found_at: I64 = short[common[at] == short_exact]
    return found_at


def _repeated(
    found_at: I64, exact: U64, word_counts: I64, columns: _Columns, mode: BoilerplateMode
) -> dict[int, str]:
    """:func:`repeated_furniture` of the lines :func:`_common_lines` found."""
    if not len(found_at):
        return {}
    threshold = UNRELATED_SOURCES[mode]
    docs, facts, found = columns.docs, columns.facts, columns.found
    # Meta lines (but a site name), post headlines, punctuation and, in auto mode, lines with a digit (most
    # repeated short lines are times) or ending like a sentence are dropped by the facts, without a loop.
    found_at = found_at[facts.repeatable[found_at]]
    by_hash: dict[int, list[int]] = {}
    for index, hashed in zip(found_at.tolist(), exact[found_at].tolist(), strict=True):
        if index not in found:
            by_hash.setdefault(hashed, []).append(index)
    candidates = {h: rows for h, rows in by_hash.items() if len({docs[i] for i in rows}) >= threshold}
    # Lines of furniture shape found in that many sources never count as shared content, even those that
    # are not dropped in the end (so a site's header cannot make its pages look related).
    shaped = set(candidates)
    # Furniture comes in runs (a header, a footer) outside the posts: a lone repeated line, or one that is a
    # post of its own between two post times, is a formula of the blog ("Latest headlines"), not furniture.
    possible = {i: 0 for rows in candidates.values() for i in rows}
    possible = {i: 0 for i in possible if not _inside_post(columns, i, possible)}
    runs = {h: [i for i in rows if i in possible and _next_to_furniture(columns, i, possible)]
            for h, rows in candidates.items()}  # fmt: skip
    candidates = {h: rows for h, rows in runs.items() if len({docs[i] for i in rows}) >= threshold}
    if not candidates:
        return {}
    hosts = np.unique(docs[[i for rows in candidates.values() for i in rows]])
    relating_blocks = np.flatnonzero((word_counts >= RELATING_MIN_WORDS) & np.isin(docs, hosts))
    relation = _Rows(exact[relating_blocks], docs[relating_blocks], relating_blocks)
    undecided = set(candidates)
    accepted: dict[int, int] = {}
    relating = relation.relating({int(exact[index]) for index in found} | shaped)
    # Two sources are related when they share a block that is not taken for furniture. A line that fails
    # relates its sources in the next round, so each round can only keep more.
    for _ in range(3):
        related = relation.related_pairs(relating, undecided)
        accepted = {}
        for h in undecided:
            counted = _count_unrelated(sorted({docs[i] for i in candidates[h]}), related)
            if counted >= threshold:
                accepted[h] = counted
        if set(accepted) == undecided:
            break
        undecided = set(accepted)
    repeated = {i: accepted[h] for h, rows in candidates.items() if h in accepted for i in rows}
    furniture: dict[int, str] = {}
    for index, counted in repeated.items():
        if _next_to_furniture(columns, index, repeated):
            shown = f"{MAX_COUNTED_SOURCES}+" if counted >= MAX_COUNTED_SOURCES else str(counted)
            furniture[index] = f"repeated in {shown} unrelated sources"
    return furniture


class _Columns:
    """What the repetition pass reads of a run: where each source starts and ends, verdicts so far, facts."""

    def __init__(self, docs: I64, facts: BlockFacts, found: Mapping[int, str]) -> None:
        if len(docs) != len(facts):
            raise ValueError(f"{len(docs)} blocks but facts of {len(facts)}")
        self.docs, self.facts, self.found = docs, facts, found
        if len(docs):
            starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
            ends = np.r_[starts[1:], len(docs)]
        else:
            starts = ends = np.empty(0, dtype=np.int64)
        self.doc_start = np.repeat(starts, ends - starts)
        self.doc_end = np.repeat(ends, ends - starts)

    def post_time(self, index: int) -> bool:
        return bool(self.facts.post_time[index])

    def top_undated(self, index: int) -> bool:
        return bool(self.facts.top_undated[index])


class _Rows:
    """The distinct (exact hash, source) pairs of some blocks, sorted, with the runs of equal hashes.

    ``blocks[i]`` is one block of row ``i``; ``starts`` and ``counts`` delimit the rows of each hash.
    """

    def __init__(self, exact: U64, docs: I64, blocks: I64) -> None:
        # Blocks come source by source: then sorting by hash alone, stably, is sorting by (hash, source).
        if bool(np.all(docs[1:] >= docs[:-1])):
            order = np.argsort(exact, kind="stable")
        else:
            order = np.lexsort((docs, exact))
        hashes, docs = exact[order], docs[order]
        first = np.r_[True, (hashes[1:] != hashes[:-1]) | (docs[1:] != docs[:-1])][: len(hashes)]
        self.hashes, self.docs, self.blocks = hashes[first], docs[first], blocks[order][first]
        self.starts = np.flatnonzero(np.r_[True, self.hashes[1:] != self.hashes[:-1]][: len(self.hashes)])
        self.counts = np.diff(np.r_[self.starts, len(self.hashes)])

    def relating(self, furniture: set[int]) -> I64:
        """Starts of the hashes that can relate sources: in a few sources, and not furniture."""
        starts, counts = self.starts, self.counts
        chosen = (counts >= 2) & (counts <= MAX_RELATING_SOURCES)
        if furniture:
            marked = np.fromiter(furniture, dtype=np.uint64, count=len(furniture))
            chosen &= ~np.isin(self.hashes[starts], marked)
        found: I64 = starts[chosen]
        return found

    def related_pairs(self, relating: I64, undecided: set[int]) -> set[int]:
        """Pairs of sources (encoded ``low << 32 | high``) that share a relating block."""
        if undecided:
            excluded = np.fromiter(undecided, dtype=np.uint64, count=len(undecided))
            relating = relating[~np.isin(self.hashes[relating], excluded)]
        counts = self.counts[np.searchsorted(self.starts, relating)]
        pairs = relating[counts == 2]
        related: set[int] = set(((self.docs[pairs] << 32) | self.docs[pairs + 1]).tolist())
        for start, count in zip(relating[counts > 2].tolist(), counts[counts > 2].tolist(), strict=True):
            members: list[int] = self.docs[start : start + count].tolist()
            for position, first in enumerate(members):
                related.update((first << 32) | second for second in members[position + 1 :])
        return related


def _may_repeat(run: _Run, index: int) -> bool:
    """Whether a short non-meta line may be furniture by repetition: not a post headline, not punctuation.

    In ``auto`` mode it must also be free of digits and not end like a sentence.
    """
    block = run.blocks[index]
    if not run.keys[index] or run.keys[index].startswith("\x00"):
        return False
    if not run.strict and (_DIGIT.search(run.keys[index]) or _SENTENCE_END.search(block.text)):
        return False
    return not run.introduces_paragraph(index)


def _count_unrelated(docs: Sequence[int], related: set[int]) -> int:
    """How many of ``docs`` (sorted) are pairwise unrelated, chosen greedily in order; capped."""
    chosen: list[int] = []
    for doc in docs:
        if all((other << 32) | doc not in related for other in chosen):
            chosen.append(doc)
            if len(chosen) >= MAX_COUNTED_SOURCES:
                break
    return len(chosen)


def _site_name_shaped(run: _Run, index: int) -> bool:
    """A byline-shaped line at the very top or bottom of a page may be a site name ("Rheinblick News")."""
    return run.kinds[index] is BlockKind.BYLINE and (
        index == int(run.doc_start[index]) or index == int(run.doc_end[index]) - 1
    )


def _is_post_time(block: Block) -> bool:
    return block.kind is BlockKind.TIMESTAMP and _CLOCK.search(block.text) is not None


def _inside_post(run: _Run | _Columns, index: int, possible: Mapping[int, int]) -> bool:
    """True right after a post time, or in a run of repeated lines with a post time above and below."""
    start, end = int(run.doc_start[index]), int(run.doc_end[index])
    if index > start and run.post_time(index - 1):
        return True
    above, below = index - 1, index + 1
    while above >= start and (above in possible or above in run.found):
        above -= 1
    while below < end and (below in possible or below in run.found):
        below += 1
    if above < start or below >= end:
        return False
    return run.post_time(above) and run.post_time(below)


def _next_to_furniture(run: _Run | _Columns, index: int, repeated: Mapping[int, int]) -> bool:
    """Furniture comes in runs (a header, a footer): a repeated line needs furniture right above or below."""
    start, end = int(run.doc_start[index]), int(run.doc_end[index])
    for neighbour in (index - 1, index + 1):
        if not start <= neighbour < end:
            continue
        if neighbour in run.found or neighbour in repeated:
            return True
        # A date line at the top of the page is the scrape date, marked once the header around it is known.
        if run.top_undated(neighbour):
            return True
    return False


# ----------------------------------------------------------------------------------------- user patterns


# Python's re backtracks: a pattern like "(a+)+$" takes minutes on a line of 40 a's. Each search of a block
# by a user pattern gets this much CPU time, plus this much per million characters of the block, before the
# run stops. CPU time, not wall time: a busy machine does not make a fine pattern fail.
PATTERN_SECONDS = 1.0
PATTERN_SECONDS_PER_MILLION_CHARS = 1.0
# How often the watchdog looks at which search is running.
_WATCH_TICK = 0.25


class _PatternWatch:
    """Stops a search that runs too long: a CPU-time timer checks that the search in progress changes.

    re's matching loop checks for signals, so the SIGVTALRM handler's exception ends even a search stuck in
    C. Python runs signal handlers in the main thread only, and Windows has no interval timers: elsewhere (a
    library caller's thread, Windows) the searches run without a limit.
    """

    def __init__(self) -> None:
        self.current = 0
        self.size = 0
        self.pattern = ""
        self.label = "pattern"
        self.seen = -1
        self.ticks = 0
        self.armed = False
        self.previous: Any = None
        self.timer = (0.0, 0.0)

    def __enter__(self) -> _PatternWatch:
        import threading

        if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGVTALRM, self._tick)
            self.timer = signal.setitimer(signal.ITIMER_VIRTUAL, _WATCH_TICK, _WATCH_TICK)
            self.armed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self.armed:
            # A library caller's own timer and handler, if any, are put back as they were.
            signal.setitimer(signal.ITIMER_VIRTUAL, *self.timer)
            signal.signal(signal.SIGVTALRM, self.previous)

    def _tick(self, signum: int, frame: object) -> None:
        if self.current != self.seen:
            self.seen = self.current
            self.ticks = 0
            return
        self.ticks += 1
        allowed = PATTERN_SECONDS + PATTERN_SECONDS_PER_MILLION_CHARS * self.size / 1e6
        if self.ticks * _WATCH_TICK >= allowed:
            raise BoilerplateError(
                f"{self.label} {_shown(self.pattern)} ran for over {allowed:.2g} s of CPU on one block "
                "(nested repeats such as (a+)+ backtrack without end): write it without them"
            )


def _first_matches(
    patterns: Sequence[re.Pattern[str]], texts: Sequence[str], indexes: Iterable[int], label: str = "pattern"
) -> dict[int, str]:
    """``{index: the first pattern that finds the text}`` for those indexes, each search timed by a watch.

    >>> _first_matches(compile_patterns(("^Ad$", "^Promo")), ["Ad", "News", "Promo code"], range(3))
    {0: '^Ad$', 2: '^Promo'}
    """
    found: dict[int, str] = {}
    with _PatternWatch() as watch:
        watch.label = label
        for index in indexes:
            text = texts[index]
            watch.size = len(text)
            for pattern in patterns:
                watch.pattern = pattern.pattern
                watch.current += 1
                if pattern.search(text):
                    found[index] = pattern.pattern
                    break
    return found


def apply_user_patterns(texts: Sequence[str], found: Mapping[int, str], options: Options) -> dict[int, str]:
    """``found`` (furniture by position in ``texts``) with the user's drop and keep patterns applied.

    Each search is timed (see :class:`_PatternWatch`) when this runs in a main thread; a pattern that runs
    too long raises :class:`BoilerplateError`.

    >>> apply_user_patterns(["Ad", "News", "Promo code"], {1: "x"}, Options(drop_patterns=("^Ad$",),
    ...                     keep_patterns=("News",)))
    {0: "drop pattern '^Ad$'"}
    """
    drops = compile_patterns(options.drop_patterns)
    keeps = compile_patterns(options.keep_patterns)
    result = dict(found)
    for index, source in _first_matches(drops, texts, range(len(texts)), "drop pattern").items():
        result[index] = f"drop pattern {source!r}"
    for index in _first_matches(keeps, texts, list(result), "keep pattern"):
        del result[index]
    return result


def set_apart(exact: npt.NDArray[np.uint64], furniture: Mapping[int, str]) -> npt.NDArray[np.uint64]:
    """Exact hashes in which every furniture block has a value of its own, so it joins no exact group.

    The stand-in values count down from 2**64 - 1; a real xxh3 hash meeting one is a 2**-50 chance.

    >>> set_apart(np.array([7, 7, 7], dtype=np.uint64), {1: "pattern: source link"}).tolist()
    [7, 18446744073709551614, 7]
    """
    if not furniture:
        return exact
    marked = np.fromiter(furniture, dtype=np.uint64, count=len(furniture))
    apart: npt.NDArray[np.uint64] = exact.copy()
    apart[marked.astype(np.int64)] = np.uint64(2**64 - 1) - marked
    return apart
