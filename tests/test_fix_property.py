"""Property: after ``fix``, every block of the files is still somewhere (itself, or the kept copy it matched).

Random sets of paths with repeats, aliases (``./x``, ``sub/../x``) and symlinks, over files drawn from a small
pool of paragraphs (so there are many copies, exact and near), with or without an index built over some of
them that is then edited or deleted.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lbdedup.cli import main
from lbdedup.core import segment_all
from lbdedup.index import block_keys
from lbdedup.model import Document

POOL = [
    "Harbour live: the storm in pictures",
    "Ferry operators cancelled every crossing to the islands this afternoon as gusts of more than ninety "
    "miles an hour were recorded at the harbour wall, the coastguard said.",
    "Ferry operators cancelled every crossing to the islands this afternoon as gusts of more than ninety "
    "miles an hour were recorded at the harbor wall, the coastguard said.",
    "The council opened two rest centres for people whose homes lost power, and asked drivers to keep off "
    "the coast road between Arnish and the lighthouse until the wind drops tonight.",
    "Forecasters expect the worst of the gales to pass by midnight, but warned that fallen trees and debris "
    "would keep several rural routes closed well into tomorrow morning.",
    "Power has been restored to most of the homes in the harbour district, the network operator said, "
    "although four hundred households on the hill farms are still waiting for engineers to reach them.",
    "A lifeboat crew rescued two walkers who had been cut off by the tide below the cliffs at Sandwick.",
    "Schools across the islands will stay closed tomorrow.",
]
NAMES = ["f0.txt", "f1.txt", "f2.txt", "f3.txt"]
CONTENT = st.lists(st.sampled_from(POOL), min_size=1, max_size=6)
FINDING = re.compile(r"^(.+?):(\d+): duplicate of (.+):(\d+) \(")


@contextlib.contextmanager
def _inside(folder: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def _run(args: list[str]) -> tuple[int, str]:
    """``main(args)``, its exit code and what it printed on stdout."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    out.flush()
    raw = out.buffer
    assert isinstance(raw, io.BytesIO)
    return code, raw.getvalue().decode("utf-8")


def _blocks(path: Path) -> dict[int, str]:
    """A file's normalized blocks by first line."""
    text = path.read_text(encoding="utf-8")
    blocks = segment_all([Document(str(path), text)])
    return {block.line_start: key for block, key in zip(blocks, block_keys(blocks), strict=True)}


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, object]:
    """Files, the paths fix is given, and what happens to an index before fix runs."""
    files = {name: draw(CONTENT) for name in NAMES[: draw(st.integers(2, len(NAMES)))]}
    # c.txt is only ever in the corpus (indexed, never given to fix): its entries are the ones to distrust.
    files["c.txt"] = draw(CONTENT)
    links = {
        f"link{number}.txt": draw(st.sampled_from(sorted(files))) for number in range(draw(st.integers(0, 2)))
    }
    inputs = draw(
        st.lists(st.sampled_from(NAMES[: len(files) - 1]), min_size=1, max_size=len(files), unique=True)
    )
    spellings = [*inputs, *(f"./{name}" for name in inputs), *(f"sub/../{name}" for name in inputs)]
    spellings += [link for link, target in links.items() if target in inputs]
    paths = draw(st.lists(st.sampled_from(spellings), min_size=1, max_size=8))
    indexed = draw(st.lists(st.sampled_from(sorted(files)), unique=True, max_size=len(files)))
    if draw(st.sampled_from([True, True, False])):  # mostly an index that holds the corpus-only file
        indexed = ["c.txt", *(name for name in indexed if name != "c.txt")]
    changes = {
        name: draw(st.sampled_from(["keep", "append", "replace", "delete"] if name in indexed else ["keep"]))
        for name in files
    }
    replacement = draw(CONTENT)
    return {"files": files, "links": links, "paths": paths, "indexed": indexed, "changes": changes,
            "replacement": replacement}  # fmt: skip


def _real(name: str) -> str:
    return os.path.realpath(name)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_fix_keeps_every_block_somewhere(scenario: dict[str, object]) -> None:
    """After fix, each block of every file is still in some file, or the kept copy it was matched to is."""
    files: dict[str, list[str]] = scenario["files"]  # type: ignore[assignment]  # built by scenarios()
    links: dict[str, str] = scenario["links"]  # type: ignore[assignment]
    paths: list[str] = scenario["paths"]  # type: ignore[assignment]
    indexed: list[str] = scenario["indexed"]  # type: ignore[assignment]
    changes: dict[str, str] = scenario["changes"]  # type: ignore[assignment]
    replacement: list[str] = scenario["replacement"]  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as folder, _inside(Path(folder)):
        root = Path(folder)
        (root / "sub").mkdir()
        for name, paragraphs in files.items():
            (root / name).write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        for link, target in links.items():
            (root / link).symlink_to(target)
        if indexed:
            assert _run(["index", "build", *indexed])[0] == 0
        given_files = {_real(path) for path in paths}
        for name, change in changes.items():
            path = root / name
            if change == "append":
                path.write_text(path.read_text() + "\n" + replacement[0] + "\n", encoding="utf-8")
            elif change == "replace":
                path.write_text("\n\n".join(replacement) + "\n", encoding="utf-8")
            elif change == "delete" and _real(name) not in given_files:
                path.unlink()
        present = [name for name in files if (root / name).exists()]
        before = {_real(name): _blocks(root / name) for name in present}
        code, found = _run(["check", "--boilerplate", "off", *paths])
        assert code in (0, 1)
        kept_copy: dict[tuple[str, int], tuple[str, int]] = {}
        for line in found.splitlines():
            match = FINDING.match(line)
            assert match is not None, line
            copy, copy_line, kept, kept_line = match.groups()
            kept_copy[_real(copy), int(copy_line)] = (_real(kept), int(kept_line))
        code, _ = _run(["fix", "--boilerplate", "off", *paths])
        assert code in (0, 1)
        after: set[str] = set()
        for name in present:
            text = (root / name).read_text(encoding="utf-8")
            assert text.strip(), f"{name} was emptied"
            after.update(_blocks(root / name).values())
        for real, blocks in before.items():
            for number, key in blocks.items():
                if key in after:
                    continue
                assert (real, number) in kept_copy, (os.path.basename(real), number, key)
                kept, kept_line = kept_copy[real, number]
                assert before.get(kept, {}).get(kept_line) in after, (os.path.basename(real), number, key)
