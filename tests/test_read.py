"""Read stage: bytes to Documents, and every way an input can be unreadable."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from lbdedup.read import InputError, decode, detect_format, read_source, read_sources


@pytest.mark.parametrize(
    ("data", "text", "newline", "bom"),
    [
        (b"Flood live\n\nRain.\n", "Flood live\n\nRain.\n", "\n", False),
        (b"Flood live\r\n\r\nRain.\r\n", "Flood live\r\n\r\nRain.\r\n", "\r\n", False),
        (b"\xef\xbb\xbfFlood live\n", "Flood live\n", "\n", True),
        (b"\xef\xbb\xbfFlood live\r\nRain.\r\n", "Flood live\r\nRain.\r\n", "\r\n", True),
        (b"", "", "\n", False),
    ],
    ids=["lf", "crlf", "bom", "bom-crlf", "empty"],
)
def test_decode_utf8(data: bytes, text: str, newline: str, bom: bool) -> None:
    """UTF-8 decodes with the BOM removed and remembered, and the dominant newline detected."""
    document = decode("a.txt", data)
    assert (document.text, document.newline, document.bom, document.encoding) == (text, newline, bom, "utf-8")


def test_decode_names_the_codec_on_invalid_utf8() -> None:
    """Invalid UTF-8 names the file, the byte and its offset, and suggests --encoding."""
    with pytest.raises(InputError) as caught:
        decode("blog.txt", b"caf\xe9 au lait\n")
    message = str(caught.value)
    assert message.startswith("blog.txt: ")
    assert "0xe9" in message
    assert "offset 3" in message
    assert "--encoding" in message
    assert "\n" not in message


def test_decode_with_another_codec() -> None:
    """The bytes that are not UTF-8 decode with the codec the user names."""
    assert decode("blog.txt", b"caf\xe9\n", "latin-1").text == "café\n"
    assert decode("blog.txt", b"caf\xe9\n", "latin-1").encoding == "iso8859-1"


def test_decode_unknown_codec() -> None:
    """An unknown codec is a one-line error naming the file and the codec."""
    with pytest.raises(InputError, match=r"^blog\.txt: unknown encoding 'klingon'"):
        decode("blog.txt", b"x", "klingon")


def test_decode_refuses_binary() -> None:
    """A NUL byte near the start makes a file binary, with its offset in the reason."""
    with pytest.raises(InputError, match=r"^photo\.jpg: binary file \(NUL byte at offset 4\)"):
        decode("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF")


def test_decode_utf16_is_not_binary() -> None:
    """UTF-16 text has NUL bytes but is text when the user says so."""
    assert decode("a.txt", "Rain.\n".encode("utf-16"), "utf-16").text == "Rain.\n"


@pytest.mark.parametrize(
    ("source", "text", "expected"),
    [
        ("blog.md", "Flood live", "markdown"),
        ("BLOG.MARKDOWN", "Flood live", "markdown"),
        ("page.html", "Flood live", "html"),
        ("blog.txt", "Flood live", "text"),
        ("-", "  <!DOCTYPE html><html><body>", "html"),
        ("-", "<div><body>Flood</body></div>", "html"),
        ("-", "<b> is a tag", "text"),
        ("notes", "# not markdown without the suffix", "text"),
    ],
)
def test_detect_format(source: str, text: str, expected: str) -> None:
    """The format comes from the suffix, then from the first bytes."""
    assert detect_format(source, text) == expected


def test_read_source_stdin() -> None:
    """``-`` reads the given binary stream and keeps "-" as the source name."""
    document = read_source("-", stdin=io.BytesIO(b"\xef\xbb\xbfRain.\r\n"))
    assert (document.source, document.text, document.bom, document.newline) == (
        "-",
        "Rain.\r\n",
        True,
        "\r\n",
    )


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda tmp: tmp / "missing.txt", "no such file"),
        (lambda tmp: tmp, "is a directory, not a file"),
    ],
    ids=["missing", "directory"],
)
def test_read_source_unreadable(tmp_path: Path, make: object, reason: str) -> None:
    """Missing paths and directories are InputErrors naming the path and the reason."""
    assert callable(make)
    path = str(make(tmp_path))
    with pytest.raises(InputError) as caught:
        read_source(path)
    assert str(caught.value) == f"{path}: {reason}"
    assert (caught.value.source, caught.value.reason) == (path, reason)


def test_read_sources_keeps_order(tmp_path: Path) -> None:
    """Sources are read in the order given."""
    (tmp_path / "b.txt").write_text("B.\n")
    (tmp_path / "a.txt").write_text("A.\n")
    names = [str(tmp_path / "b.txt"), str(tmp_path / "a.txt")]
    assert [document.text for document in read_sources(names)] == ["B.\n", "A.\n"]


@pytest.mark.parametrize("codec", ["rot13", "base64", "hex", "zlib", "bz2", "uu", "quopri"])
def test_codecs_that_are_not_text_encodings_are_refused(codec: str) -> None:
    """A bytes-to-bytes or str-to-str codec is no way to read a file."""
    with pytest.raises(InputError, match=f"a.txt: '{codec}' is not a text encoding"):
        decode("a.txt", b"Hello.\n", codec)


@pytest.mark.parametrize(
    ("data", "codec", "lone"),
    [
        (b"Hi \\ud800 there\n", "unicode_escape", "U+D800 at character 3"),
        (b"Hi \\udc80\n", "raw_unicode_escape", "U+DC80 at character 3"),
        (b"Hi +2AA-\n", "utf-7", "U+D800 at character 3"),
    ],
)
def test_decoded_lone_surrogates_are_refused(data: bytes, codec: str, lone: str) -> None:
    """Codecs that can spell half a UTF-16 pair give no text that an output could hold: refused, where."""
    with pytest.raises(
        InputError, match=re.escape(f"decoded as {codec}, it holds a lone surrogate ({lone})")
    ):
        decode("a.txt", data, codec)


def test_codecs_that_fail_without_a_position() -> None:
    """The undefined and punycode codecs raise a bare UnicodeError: an InputError naming the file."""
    for codec in ("undefined", "punycode"):
        with pytest.raises(InputError, match=r"a\.txt: cannot be decoded: "):
            decode("a.txt", b"Hello there.\n", codec)
    assert decode("a.txt", b"Caf\\xe9 \\u00e9\n", "unicode_escape").text == "Café é\n"
