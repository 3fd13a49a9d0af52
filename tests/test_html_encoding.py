"""HTML encodings: BOM, declared charset, detection, replaced bytes counted; text stays strict."""

from __future__ import annotations

import codecs
import subprocess
import sys
from pathlib import Path

import pytest

from lbdedup.read import InputError, declared_charset, decode, read_source

from .conftest import FIXTURES, invoke_in

PAGES = FIXTURES / "html_encodings"


def page(charset_meta: str, body: str) -> str:
    """A small page with this <meta> in its head and this paragraph."""
    return (
        f"<!DOCTYPE html>\n<html><head>{charset_meta}<title>Flood</title></head>\n"
        f"<body><article><h1>Flood</h1><p>{body}</p></article></body></html>\n"
    )


@pytest.mark.parametrize(
    ("name", "codec", "expected"),
    [
        ("windows1252_http_equiv.html", "cp1252", "travaux à 45 000 €."),
        ("windows1252_http_equiv.html", "cp1252", "a déclaré l’ingénieur chargé du chantier"),
        ("iso8859_2_meta.html", "iso8859-2", "Łódź: tramwaje wracają na ulicę Piotrkowską"),
        ("shift_jis_meta.html", "cp932", "台風十号、九州南部に上陸へ"),
        ("latin1_undeclared.html", "cp1252", "Grève des éboueurs : les déchets s'accumulent à Délémont"),
        ("cp1250_undeclared.html", "cp1250", "Hasiči v noci odčerpali vodu ze sklepů v Žižkově ulici"),
    ],
)
def test_fixture_pages_decode(name: str, codec: str, expected: str) -> None:
    """Each legacy page reads in its declared (or guessed) codec, without a replacement."""
    document = read_source(str(PAGES / name))
    assert document.encoding == codec
    assert document.format == "html"
    assert expected in document.text
    assert "\ufffd" not in document.text


@pytest.mark.parametrize(
    ("codec", "body"),
    [
        ("cp1250", "Árvíz Győrben: apad a Duna, a tűzoltók kiszivattyúzták a vizet a pincékből."),
        ("cp1250", "Powódź w Kłodzku: woda opadła, mieszkańcy sprzątają ulice przy Łużyckiej."),
        ("cp1250", "Poplava u Osijeku: vatrogasci su ispumpali vodu, škole ostaju zatvorene do srijede."),
        (
            "cp1252",
            "Alluvione a Città di Castello: il sindaco però ha detto che la città è pronta, più o meno.",
        ),
        ("cp1252", "Grève à Délémont : après deux semaines, le maire reçoit les éboueurs très bientôt."),
        ("cp1252", "Hochwasser in Köln: Der Oberbürgermeister kündigte Hilfe für die Familien an, heißt es."),
        ("cp1252", "La alcaldesa de São Paulo y el señor Müller inauguran el puente en Logroño, según él."),
    ],
)
def test_undeclared_central_european_pages_are_not_read_as_western(codec: str, body: str) -> None:
    """Without a declaration, windows-1250 text reads as windows-1250 and Western text stays windows-1252."""
    document = decode("a.html", page("", body).encode(codec))
    assert document.encoding == codec
    assert body in document.text


def test_declared_utf8_with_bad_bytes_is_replaced_and_counted(capsys: pytest.CaptureFixture[str]) -> None:
    """Three invalid bytes in a page declaring UTF-8 become three U+FFFD and one warning line."""
    path = str(PAGES / "utf8_three_bad_bytes.html")
    document = read_source(path)
    assert document.encoding == "utf-8"
    assert document.text.count("\ufffd") == 3
    assert "Caf\ufffd geschlossen." in document.text
    assert "Brücke" in document.text
    err = capsys.readouterr().err
    assert err == f"lbdedup: warning: {path}: 3 invalid byte sequences in utf-8 replaced with U+FFFD\n"


def test_cli_warns_once_and_succeeds_on_bad_bytes() -> None:
    """The CLI prints the page with U+FFFD, exits 0, and warns once on stderr naming the file."""
    code, out, err = invoke_in(["clean", "--provenance", "none", "utf8_three_bad_bytes.html"], PAGES)
    assert code == 0, err
    assert "Stra\ufffde frei." in out
    assert err.count("\n") == 1
    assert err.startswith("lbdedup: warning: utf8_three_bad_bytes.html: 3 invalid byte sequences")


def test_real_process_warns_on_stderr_and_prints_on_stdout() -> None:
    """A real process keeps the warning off stdout and exits 0."""
    path = PAGES / "utf8_three_bad_bytes.html"
    done = subprocess.run(
        [sys.executable, "-m", "lbdedup", "clean", "--provenance", "none", path],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0
    assert b"warning" not in done.stdout
    assert "Ende \ufffd." in done.stdout.decode("utf-8")
    assert done.stderr.decode("utf-8").count("3 invalid byte sequences") == 1


def test_all_legacy_pages_clean_together() -> None:
    """Every fixture page cleans in one run: no exit 2 for a declared or guessable charset."""
    names = sorted(path.name for path in PAGES.glob("*.html"))
    code, out, _ = invoke_in(["clean", "--provenance", "none", *names], PAGES)
    assert code == 0
    for expected in ("45 000 €", "Łódź", "台風十号", "Délémont", "Brücke"):
        assert expected in out


def test_user_encoding_wins_and_is_strict() -> None:
    """--encoding overrides the page's declaration, and bytes it cannot read are exit 2, not replaced."""
    code, out, _ = invoke_in(
        ["clean", "--provenance", "none", "--encoding", "cp1252", "iso8859_2_meta.html"], PAGES
    )
    assert code == 0
    assert "Łódź" not in out
    assert "£ód¼: tramwaje" in out  # iso-8859-2 read as windows-1252
    code, _, err = invoke_in(["clean", "--encoding", "utf-8", "windows1252_http_equiv.html"], PAGES)
    assert code == 2
    assert err.startswith("lbdedup: error: windows1252_http_equiv.html: not valid utf-8")


def test_plain_text_keeps_its_strict_rule(tmp_path: Path) -> None:
    """Text that is not valid UTF-8 is still exit 2 with one line, whatever it declares inside."""
    (tmp_path / "blog.txt").write_bytes(b'Flood live\n\nmeta charset="latin1" caf\xe9\n')
    code, out, err = invoke_in(["clean", "blog.txt"], tmp_path)
    assert (code, out) == (2, "")
    assert "not valid utf-8" in err
    assert err.count("\n") == 1


def test_html_from_stdin_is_sniffed_and_decoded() -> None:
    """A page piped on stdin is recognised from its first bytes and read in its declared charset."""
    data = (PAGES / "iso8859_2_meta.html").read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "lbdedup", "clean", "--provenance", "none", "-"],
        input=data,
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Łódź: tramwaje" in done.stdout.decode("utf-8")


@pytest.mark.parametrize(
    ("head", "codec"),
    [
        (b'<meta charset="utf-8">', "utf-8"),
        (b"<meta charset=UTF8>", "utf-8"),
        (b"<META CHARSET='Windows-1250'>", "cp1250"),
        (b'<meta http-equiv="content-type" content="text/html;charset=ISO-8859-1">', "cp1252"),
        (b'<meta content="text/html; charset=koi8-r" http-equiv="Content-Type">', "koi8-r"),
        (b'<?xml version="1.0" encoding="iso-8859-15"?><html>', "iso8859-15"),
        (b'<meta charset="gb2312">', "gb18030"),
        (b'<meta charset="EUC-KR">', "cp949"),
        # A <meta> the parser could read is ASCII: the page is not UTF-16, whatever it says.
        (b'<meta charset="utf-16">', "utf-8"),
    ],
)
def test_declared_charset_labels(head: bytes, codec: str) -> None:
    """Web charset labels map to the codec browsers use for them."""
    data = head if head.startswith(b"<?xml") else b"<html><head>" + head + b"<title>x</title>"
    assert declared_charset(data) == codec


@pytest.mark.parametrize(
    "head",
    [
        b'<meta charset="unicode_escape">',
        b'<meta charset="rot13">',
        b'<meta charset="base64">',
        b'<meta charset="utf-7">',
        b'<meta charset="no-such-codec">',
        b"<p>charset=latin1 is said in the text, not in a meta</p>",
        b"",
    ],
)
def test_declared_charset_ignores_what_is_no_web_encoding(head: bytes) -> None:
    """A codec no page is written in, an unknown label or no <meta> declares nothing."""
    assert declared_charset(head) is None


def test_declaration_past_the_sniffed_bytes_is_not_read() -> None:
    """Only the first bytes are searched for the declaration."""
    late = b"<html><head>" + b" " * 10_000 + b'<meta charset="koi8-r">'
    assert declared_charset(late) is None


def test_unclosed_meta_tags_are_searched_in_bounded_time() -> None:
    """A head made only of unclosed "<meta" tags gives no charset (and returns: the pattern is bounded)."""
    assert declared_charset(b"<meta " * 20_000) is None


def test_valid_utf8_wins_over_a_legacy_declaration() -> None:
    """A page declaring latin-1 whose bytes are valid UTF-8 (a template's stale meta) reads as UTF-8."""
    data = page('<meta charset="iso-8859-1">', "Die Brücke über die Sorne bleibt gesperrt.").encode("utf-8")
    document = decode("a.html", data)
    assert (document.encoding, "Brücke über" in document.text) == ("utf-8", True)


def test_ascii_page_uses_its_declared_seven_bit_codec() -> None:
    """A 7-bit page (ISO-2022-JP) is read in its declared codec, though its bytes are ASCII."""
    data = page('<meta charset="iso-2022-jp">', "台風が上陸しました。").encode("iso-2022-jp")
    assert data.isascii()
    document = decode("a.html", data)
    assert "台風が上陸しました。" in document.text


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
    ],
)
def test_bom_decides_over_a_declaration(bom: bytes, codec: str) -> None:
    """A BOM gives the codec, whatever the <meta> says, and is remembered."""
    text = page('<meta charset="windows-1252">', "Die Brücke über die Sorne bleibt gesperrt.")
    document = decode("-", bom + text.encode(codec))
    assert (document.encoding, document.bom, document.format) == (codec, True, "html")
    assert "Brücke über" in document.text
    assert not document.text.startswith("\ufeff")


def test_a_replacement_character_the_page_spells_is_not_counted(capsys: pytest.CaptureFixture[str]) -> None:
    """U+FFFD written by the page itself is text, not a replaced byte: no warning."""
    data = page('<meta charset="utf-8">', "Unreadable sign: \ufffd.").encode("utf-8")
    assert "\ufffd" in decode("a.html", data).text
    assert capsys.readouterr().err == ""


def test_replacements_in_a_declared_legacy_codec_are_counted(capsys: pytest.CaptureFixture[str]) -> None:
    """A byte windows-1252 leaves undefined (0x81) is replaced and counted, never a failure."""
    data = page('<meta charset="windows-1252">', "Caf\xe9 \x81 ferm\xe9.").encode("latin-1")
    document = decode("a.html", data)
    assert "Café \ufffd fermé." in document.text
    assert "1 invalid byte sequence in cp1252" in capsys.readouterr().err


def test_binary_html_is_still_refused() -> None:
    """A NUL byte in a page without a UTF-16/32 BOM is binary: exit 2 as before."""
    with pytest.raises(InputError, match="binary file"):
        decode("a.html", b"<html><body>\x00\xff\xfe</body></html>")


def test_explicit_html_format_with_undeclared_legacy_bytes() -> None:
    """decode(fmt="html") without a codec guesses: a latin-1 page never fails."""
    data = page("", "Les sacs s'entassent d\xe9j\xe0 devant les \xe9coles de la ville.").encode("latin-1")
    document = decode("page", data, fmt="html")
    assert "déjà devant les écoles" in document.text
