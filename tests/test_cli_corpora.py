"""Corpora and CI: folders in, --output-dir and records out, check's text/json/github findings (issue 17)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lbdedup import Document, dedupe

from .conftest import invoke_in

FLOOD = (
    "The river burst its banks at Elmford shortly after dawn, and volunteers carried sandbags along the "
    "high street while the council opened the school hall."
)
MAYOR = "The mayor said the bridge would stay closed until engineers had inspected every one of its piers."
RAIL = (
    "Rail services between Elmford and Dunmore were suspended after water reached the tracks near the depot."
)


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A folder of text, Markdown and HTML with copies, hidden folders and a file of another kind."""
    root = tmp_path / "corpus"
    _write(root, "b.txt", f"Flood live\n\n{FLOOD}\n\n{MAYOR}\n")
    _write(root, "a/first.md", f"# Elmford\n\n{RAIL}\n")
    _write(root, "a/page.html", f"<html><body><h1>Page</h1><p>{FLOOD}</p><p>{RAIL}</p></body></html>\n")
    _write(root, "c/copy.txt", f"Copy\n\n{MAYOR}\n")
    _write(root, ".git/hidden.txt", f"{FLOOD}\n")
    _write(root, ".lbdedup/x.txt", f"{FLOOD}\n")
    _write(root, ".dot.txt", f"{FLOOD}\n")
    _write(root, "notes.pdf", f"{FLOOD}\n")
    return root


def _sources(stdout: str) -> list[str]:
    return [json.loads(line)["id"] for line in stdout.splitlines()]


def test_clean_walks_a_folder_in_sorted_order(corpus: Path) -> None:
    """A folder given to clean: its text, Markdown and HTML files, sorted, hidden ones skipped."""
    code, stdout, stderr = invoke_in(["clean", "corpus", "--format", "records"], corpus.parent)
    assert (code, stderr) == (0, "")
    assert _sources(stdout) == [
        "corpus/b.txt",
        "corpus/a/first.md",
        "corpus/a/page.html",
        "corpus/c/copy.txt",
    ]


def test_include_and_exclude_filter_the_walk(corpus: Path) -> None:
    """--include keeps matching files, --exclude drops them (by name, or by path with a slash)."""
    code, stdout, _ = invoke_in(["clean", "corpus", "-f", "records", "--include", "*.txt"], corpus.parent)
    assert _sources(stdout) == ["corpus/b.txt", "corpus/c/copy.txt"]
    code, stdout, _ = invoke_in(["clean", "corpus", "-f", "records", "--exclude", "a"], corpus.parent)
    assert _sources(stdout) == ["corpus/b.txt", "corpus/c/copy.txt"]
    code, stdout, _ = invoke_in(
        ["clean", "corpus", "-f", "records", "--include", "a/*", "--exclude", "*.html"], corpus.parent
    )
    assert (code, _sources(stdout)) == (0, ["corpus/a/first.md"])


def test_a_file_named_and_walked_is_read_once(corpus: Path) -> None:
    """A file given by name and again in its folder is one source, never a copy of itself."""
    code, stdout, _ = invoke_in(["check", "corpus/c/copy.txt", "corpus/c"], corpus.parent)
    assert (code, stdout) == (0, "")


def test_check_report_and_fix_walk_folders(corpus: Path) -> None:
    """Folders given to check, report and fix: copies found in nested files, text files rewritten."""
    code, stdout, _ = invoke_in(["check", "corpus"], corpus.parent)
    assert code == 1
    assert "corpus/a/page.html:1: duplicate of corpus/b.txt:3 (exact, 1.00)" in stdout
    assert "corpus/c/copy.txt:3: duplicate of corpus/b.txt:5 (exact, 1.00)" in stdout
    assert ".git" not in stdout
    assert ".lbdedup" not in stdout
    code, stdout, _ = invoke_in(["report", "corpus", "-q"], corpus.parent)
    assert (code, "copy.txt" in stdout) == (0, True)
    code, stdout, _ = invoke_in(["fix", "corpus"], corpus.parent)
    assert (code, "Fixing corpus/c/copy.txt" in stdout) == (1, True)
    assert MAYOR not in (corpus / "c/copy.txt").read_text(encoding="utf-8")
    assert (corpus / ".git/hidden.txt").read_text(encoding="utf-8") == f"{FLOOD}\n"


def test_index_build_walks_with_the_same_filters(corpus: Path) -> None:
    """The index build takes --include/--exclude too, and skips hidden folders as other commands do."""
    code, stdout, _ = invoke_in(["index", "build", "corpus", "--exclude", "*.html"], corpus.parent)
    assert code == 0
    assert stdout.startswith(".lbdedup/index.sqlite: 3 added, 0 changed"), stdout


def test_a_folder_with_nothing_to_read_is_exit_2(tmp_path: Path) -> None:
    """A folder with no text, Markdown or HTML file (or all excluded) is one error line, exit 2."""
    _write(tmp_path, "docs/a.pdf", "x")
    _write(tmp_path, "docs/b.txt", "x\n")
    for args in (["clean", "docs", "--exclude", "*.txt"], ["check", "docs", "--include", "*.md"]):
        code, stdout, stderr = invoke_in(args, tmp_path)
        assert (code, stdout) == (2, "")
        assert stderr == "lbdedup: error: docs: no text, Markdown or HTML file to read in this folder\n"


def test_output_dir_writes_one_clean_file_per_source(corpus: Path) -> None:
    """--output-dir: each source's kept blocks at its path under the folder; HTML gives .txt; a summary."""
    code, stdout, stderr = invoke_in(["clean", "corpus", "--output-dir", "out"], corpus.parent)
    assert (code, stdout, stderr) == (0, "", "Wrote 4 files to out\n")
    out = corpus.parent / "out"
    written = sorted(str(path.relative_to(out)) for path in out.rglob("*") if path.is_file())
    assert written == ["a/first.md", "a/page.txt", "b.txt", "c/copy.txt"]
    copy = (out / "c/copy.txt").read_text(encoding="utf-8")
    assert copy == "==> corpus/c/copy.txt <==\n\n[corpus/c/copy.txt:1]\nCopy\n"
    assert "also: corpus/a/page.html:1 exact" in (out / "b.txt").read_text(encoding="utf-8")
    code, _, _ = invoke_in(["clean", "corpus", "--output-dir", "out", "--provenance", "none"], corpus.parent)
    assert (out / "a/page.txt").read_text(encoding="utf-8") == "Page\n"
    assert (out / "b.txt").read_text(encoding="utf-8") == f"Flood live\n\n{FLOOD}\n\n{MAYOR}\n"


def test_output_dir_inside_the_folder_is_not_read_again(corpus: Path) -> None:
    """An output folder inside the walked folder is skipped, so a second run gives the same files."""
    args = ["clean", "corpus", "--output-dir", "corpus/clean", "--provenance", "none"]
    assert invoke_in(args, corpus.parent)[0] == 0
    first = (corpus / "clean/b.txt").read_text(encoding="utf-8")
    code, _, stderr = invoke_in(args, corpus.parent)
    assert (code, stderr) == (0, "Wrote 4 files to corpus/clean\n")
    assert (corpus / "clean/b.txt").read_text(encoding="utf-8") == first


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["-", "--output-dir", "out"], "-: --output-dir writes a file per input file"),
        (["a.txt", "--output-dir", "out", "-f", "json"], "--output-dir: it writes clean text"),
        (["a.txt", "--output-dir", "out", "-o", "x.txt"], "--output-dir: it writes a file per input"),
        (["a.txt", "--output-dir", "out", "--jsonl"], "--output-dir: it writes a file per input file"),
        (["a.txt", "a.html", "--output-dir", "out"], "out/a.txt: both a.txt and a.html would be written"),
        (["a.txt", "--output-dir", "."], "./a.txt: it is the input a.txt"),
        (["a.txt", "--keep-fields", "x"], "--keep-fields: it chooses the fields of --format records"),
    ],
)
def test_output_dir_refusals(tmp_path: Path, args: list[str], reason: str) -> None:
    """What --output-dir cannot do is one error line, exit 2, and no file written or changed."""
    _write(tmp_path, "a.txt", f"{FLOOD}\n\n{FLOOD}\n")
    _write(tmp_path, "a.html", f"<p>{MAYOR}</p>\n")
    code, stdout, stderr = invoke_in(["clean", *args], tmp_path)
    assert (code, stdout) == (2, "")
    assert stderr.startswith(f"lbdedup: error: {reason}"), stderr
    assert len(stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists()
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == f"{FLOOD}\n\n{FLOOD}\n"


def test_output_dir_through_a_real_process(corpus: Path) -> None:
    """A real process: clean DIR --output-dir OUT writes the files and says so on stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "lbdedup", "clean", "corpus", "--output-dir", "out", "--provenance", "none"],
        cwd=corpus.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "Wrote 4 files to out\n")
    assert (corpus.parent / "out/c/copy.txt").read_text(encoding="utf-8") == "Copy\n"


FEED = [
    {"id": 7, "site": "elmford.example", "text": f"Flood live\n\n{FLOOD}\n", "tags": ["flood"]},
    {"id": "b", "site": "copy.example", "html": f"<p>{FLOOD}</p><p>Share this article</p><p>{MAYOR}</p>"},
    {"id": 9.5, "text": f"{RAIL}\n\n{RAIL}\n", "lbdedup": "theirs"},
]


def test_records_one_line_per_input_record(tmp_path: Path) -> None:
    """--format records: id (its JSON type kept), clean text, counts, the other fields carried, in order."""
    _write(tmp_path, "feed.jsonl", "".join(json.dumps(record) + "\n" for record in FEED))
    code, stdout, stderr = invoke_in(["clean", "--jsonl", "feed.jsonl", "--format", "records"], tmp_path)
    assert (code, stderr) == (0, "")
    records = [json.loads(line) for line in stdout.splitlines()]
    assert [record["id"] for record in records] == [7, "b", 9.5]
    assert records[0] == {
        "id": 7,
        "text": f"Flood live\n\n{FLOOD}\n",
        "lbdedup": {"blocks": 2, "kept": 2, "duplicates": 0, "boilerplate": 0},
        "site": "elmford.example",
        "tags": ["flood"],
    }
    assert records[1]["text"] == f"{MAYOR}\n"
    assert "html" not in records[1]
    assert records[1]["lbdedup"]["duplicates"] == 1
    assert records[2]["text"] == f"{RAIL}\n"
    assert records[2]["lbdedup"] == {"blocks": 2, "kept": 1, "duplicates": 1, "boilerplate": 0}


def test_keep_fields_chooses_the_carried_fields(tmp_path: Path) -> None:
    """--keep-fields site: only that field is carried, besides id, text and the counts."""
    _write(tmp_path, "feed.jsonl", "".join(json.dumps(record) + "\n" for record in FEED))
    args = ["clean", "--jsonl", "feed.jsonl", "-f", "records", "--keep-fields", "site,missing"]
    _, stdout, _ = invoke_in(args, tmp_path)
    assert [sorted(json.loads(line)) for line in stdout.splitlines()] == [
        ["id", "lbdedup", "site", "text"],
        ["id", "lbdedup", "site", "text"],
        ["id", "lbdedup", "text"],
    ]


def test_keep_fields_empty_carries_none(tmp_path: Path) -> None:
    """--keep-fields '' carries no field of the input: only id, text and the counts."""
    _write(tmp_path, "feed.jsonl", "".join(json.dumps(record) + "\n" for record in FEED))
    _, stdout, _ = invoke_in(
        ["clean", "--jsonl", "feed.jsonl", "-f", "records", "--keep-fields", ""], tmp_path
    )
    assert {tuple(sorted(json.loads(line))) for line in stdout.splitlines()} == {("id", "lbdedup", "text")}


def test_output_dir_refuses_two_folders_with_one_name_and_a_file_as_folder(tmp_path: Path) -> None:
    """Two walked folders with a.txt each would write one file twice; OUT that is a file is no folder."""
    _write(tmp_path, "d1/a.txt", f"{FLOOD}\n")
    _write(tmp_path, "d2/a.txt", f"{MAYOR}\n")
    _write(tmp_path, "out.txt", "mine\n")
    code, _, stderr = invoke_in(["clean", "d1", "d2", "--output-dir", "out"], tmp_path)
    assert code == 2
    assert (
        stderr == "lbdedup: error: out/a.txt: both d1/a.txt and d2/a.txt would be written here; nothing was\n"
    )
    assert not (tmp_path / "out").exists()
    code, _, stderr = invoke_in(["clean", "d1", "--output-dir", "out.txt"], tmp_path)
    assert (code, stderr) == (2, "lbdedup: error: out.txt: --output-dir must be a folder\n")
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "mine\n"


def test_records_of_files_name_them_by_path(tmp_path: Path) -> None:
    """Without --jsonl, a record per file, its id the path."""
    _write(tmp_path, "a.txt", f"{FLOOD}\n")
    _write(tmp_path, "b.txt", f"{FLOOD}\n\n{MAYOR}\n")
    _, stdout, _ = invoke_in(["clean", "a.txt", "b.txt", "-f", "records"], tmp_path)
    assert [(r["id"], r["text"]) for r in map(json.loads, stdout.splitlines())] == [
        ("a.txt", f"{FLOOD}\n"),
        ("b.txt", f"{MAYOR}\n"),
    ]


def test_records_piped_to_a_reader_that_stops(tmp_path: Path) -> None:
    """Records through a real pipe: each line is JSON; a reader that stops after one line ends us quietly."""
    _write(
        tmp_path,
        "feed.jsonl",
        "".join(json.dumps({"id": n, "text": f"{n} {FLOOD}\n"}) + "\n" for n in range(3000)),
    )
    command = [sys.executable, "-m", "lbdedup", "clean", "--jsonl", "feed.jsonl", "-f", "records", "-q"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, check=False, timeout=300)
    assert done.returncode == 0
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == list(range(3000))
    piped = subprocess.run(
        f"{' '.join(command)} | head -1",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        check=False,
        timeout=300,
    )
    assert (piped.returncode, piped.stderr) == (0, b"")
    assert json.loads(piped.stdout)["id"] == 0


def test_document_detects_html_as_the_command_line_does() -> None:
    """Document(path, text) finds HTML by suffix or by its first characters; a given format stays."""
    page = "<!DOCTYPE html><html><body><p>Rain at dawn.</p></body></html>"
    assert Document("a.html", "<p>Rain</p>").format == "html"
    assert Document("record-7", page).format == "html"
    assert Document("notes.md", "# Rain").format == "markdown"
    assert Document("a.txt", "Rain").format == "text"
    assert Document("a.html", "<p>Rain</p>", format="text").format == "text"
    assert dedupe([Document("page", page)]).blocks[0].block.text == "Rain at dawn."


def test_text_of_gives_each_documents_clean_text() -> None:
    """result.text_of(source) and result.texts(): a source's kept blocks, in its own order."""
    result = dedupe([Document("a.txt", f"{FLOOD}\n"), Document("b.html", f"<p>{FLOOD}</p><p>{MAYOR}</p>")])
    assert result.text_of("a.txt") == f"{FLOOD}\n"
    assert result.text_of("b.html") == f"{MAYOR}\n"
    assert result.texts() == {"a.txt": f"{FLOOD}\n", "b.html": f"{MAYOR}\n"}
    assert result.text_of("b.html", provenance=True).startswith("==> b.html <==\n\n[b.html:1]\n")
    with pytest.raises(KeyError, match=r"c\.txt"):
        result.text_of("c.txt")


def test_two_documents_with_one_name_are_refused() -> None:
    """Two documents named alike raise ValueError, as the command line refuses a record id used twice."""
    with pytest.raises(ValueError, match=r"two documents are named 'a\.txt'"):
        dedupe([Document("a.txt", "Rain.\n"), Document("a.txt", "Sun.\n")])


def _check_corpus(tmp_path: Path) -> None:
    _write(tmp_path, "a.txt", f"Flood live\n\n{FLOOD}\n")
    _write(tmp_path, "b,c:d.txt", f"Copy\n\n{FLOOD}\n\n{MAYOR}\n")
    _write(tmp_path, "page.html", f"<p>{FLOOD}</p><p>{RAIL}</p>")


def test_check_text_ends_with_a_summary_on_stderr(tmp_path: Path) -> None:
    """Text findings on stdout, one a line; the summary on stderr counts what fix can remove (not HTML)."""
    _check_corpus(tmp_path)
    code, stdout, stderr = invoke_in(["check", "a.txt", "b,c:d.txt", "page.html"], tmp_path)
    assert code == 1
    assert stdout.splitlines() == [
        "b,c:d.txt:3: duplicate of a.txt:3 (exact, 1.00)",
        "page.html:1: duplicate of a.txt:3 (exact, 1.00)",
    ]
    assert stderr == "Found 2 copies in 2 files; 1 fixable with `lbdedup fix`\n"
    assert invoke_in(["check", "a.txt"], tmp_path) == (0, "", "")


def test_check_json_is_one_document(tmp_path: Path) -> None:
    """With --format json, check prints each finding: path, line, kind, reason, kept copy, match."""
    _check_corpus(tmp_path)
    code, stdout, stderr = invoke_in(["check", "a.txt", "b,c:d.txt", "page.html", "-f", "json"], tmp_path)
    assert (code, stderr) == (1, "")
    report = json.loads(stdout)
    assert report["findings"][0] == {
        "path": "b,c:d.txt",
        "line": 3,
        "line_end": 3,
        "kind": "duplicate",
        "reason": None,
        "kept": {"path": "a.txt", "line": 3},
        "match": "exact",
        "similarity": 1.0,
        "fixable": True,
        "text": FLOOD,
    }
    assert report["findings"][1]["fixable"] is False
    assert report["summary"] == {"findings": 2, "copies": 2, "furniture": 0, "files": 2, "fixable": 1}
    code, stdout, _ = invoke_in(["check", "a.txt", "-f", "json"], tmp_path)
    assert (code, json.loads(stdout)["findings"]) == (0, [])


def test_check_github_annotations_are_escaped(tmp_path: Path) -> None:
    """With --format github, check prints ::warning lines, with ',' and ':' escaped in the file property."""
    _check_corpus(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "lbdedup", "check", "a.txt", "b,c:d.txt", "--format", "github", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stdout == (
        "::warning file=b%2Cc%3Ad.txt,line=3,endLine=3,title=lbdedup duplicate::"
        "duplicate of a.txt:3 (exact, 1.00)\n"
    )
    assert done.stderr == "Found 1 copy in 1 file; 1 fixable with `lbdedup fix`\n"


def test_github_annotation_escapes_data() -> None:
    """A reason with %, CR and LF is escaped in the message, as GitHub's workflow commands require."""
    from lbdedup.check import github_annotation
    from lbdedup.model import Block, BlockKind, BlockResult, Status

    block = Block(0, "a.txt", 0, 2, 2, BlockKind.PARAGRAPH, "x")
    line = github_annotation(BlockResult(block, Status.BOILERPLATE, reason="100%\r\nsure"))
    assert line.endswith("::boilerplate (100%25%0D%0Asure)")
    assert "\n" not in line


def test_output_dir_with_jsonl_writes_the_report_in_shards(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--format jsonl --output-dir: the clean files, and the report's lines in shards, stale shards gone."""
    import lbdedup.cli

    out = tmp_path / "out"
    out.mkdir()
    (out / "report-00007.jsonl").write_text("stale\n", encoding="utf-8")
    (out / "report-7.jsonl").write_text("not a shard name\n", encoding="utf-8")
    monkeypatch.setattr(lbdedup.cli, "REPORT_SHARD_BLOCKS", 3)
    code, _, stderr = invoke_in(["clean", str(corpus), "-f", "jsonl", "--output-dir", str(out)], tmp_path)
    assert code == 0, stderr
    shards = sorted(out.glob("report-*.jsonl"))
    assert [path.name for path in shards][-1] == "report-7.jsonl"
    written = [path for path in shards if path.name != "report-7.jsonl"]
    assert [path.name for path in written] == [f"report-{n:05d}.jsonl" for n in range(len(written))]
    assert len(written) > 1
    assert all(path.read_text(encoding="utf-8").count("\n") == 3 for path in written[:-1])
    code, whole, _ = invoke_in(["clean", str(corpus), "-f", "jsonl"], tmp_path)
    assert "".join(path.read_text(encoding="utf-8") for path in written) == whole
    assert f"and the report in {len(written)} shards" in stderr
    assert any(path.suffix == ".txt" for path in out.rglob("*"))


def test_output_dir_refuses_a_clean_file_named_as_a_shard(tmp_path: Path) -> None:
    """A source whose clean file would be report-00000.jsonl in OUT: exit 2, nothing written."""
    _write(tmp_path, "report-00000.jsonl", f"{FLOOD}\n")
    code, _, stderr = invoke_in(
        ["clean", "report-00000.jsonl", "-f", "jsonl", "--output-dir", "out"], tmp_path
    )
    assert code == 2
    assert "would be named as a shard of the report" in stderr
    assert not (tmp_path / "out").exists()


def test_clean_expands_a_quoted_glob(tmp_path: Path) -> None:
    """A glob naming no file itself is expanded (sorted, ** at any depth); one matching nothing is exit 2."""
    _write(tmp_path, "shards/b.txt", f"{FLOOD}\n")
    _write(tmp_path, "shards/deep/a.txt", f"{FLOOD}\n\n{MAYOR}\n")
    code, globbed, _ = invoke_in(["clean", "shards/**/*.txt", "-f", "jsonl"], tmp_path)
    named, listed, _ = invoke_in(["clean", "shards/b.txt", "shards/deep/a.txt", "-f", "jsonl"], tmp_path)
    assert code == named == 0
    assert globbed == listed
    code, _, stderr = invoke_in(["clean", "shards/*.html"], tmp_path)
    assert code == 2
    assert "shards/*.html: no file matches this pattern" in stderr


def test_a_file_whose_name_looks_like_a_glob_is_read_as_named(tmp_path: Path) -> None:
    """A file named a[1].txt exists: it is read, not taken for a pattern."""
    _write(tmp_path, "a[1].txt", f"{FLOOD}\n")
    code, stdout, _ = invoke_in(["clean", "a[1].txt", "--provenance", "none"], tmp_path)
    assert code == 0
    assert stdout == f"{FLOOD}\n"


def test_a_missing_file_with_brackets_is_a_missing_file(tmp_path: Path) -> None:
    """Brackets alone do not make a pattern: a missing b[1].txt is "no such file"."""
    code, _, stderr = invoke_in(["clean", "b[1].txt"], tmp_path)
    assert code == 2
    assert stderr == "lbdedup: error: b[1].txt: no such file\n"


def test_an_older_shard_that_cannot_be_removed_is_exit_2(corpus: Path, tmp_path: Path) -> None:
    """A folder named like a later shard in OUT: one line naming it, exit 2 (its blocks would mislead)."""
    out = tmp_path / "out"
    (out / "report-00009.jsonl").mkdir(parents=True)
    code, _, stderr = invoke_in(["clean", str(corpus), "-f", "jsonl", "--output-dir", str(out)], tmp_path)
    assert code == 2
    shard = out / "report-00009.jsonl"
    assert stderr == f"lbdedup: error: {shard}: an older shard cannot be removed (Is a directory)\n"
