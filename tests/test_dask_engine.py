"""The dask engine: the local engine's result, whatever the workers and parts; faults end in exit 2."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lbdedup.cli import app
from lbdedup.core import dedupe
from lbdedup.model import Options
from lbdedup.read import InputError, read_source
from lbdedup.render import render_json_bytes

from .test_golden import CASES

pytest.importorskip("distributed")

from distributed import Client, LocalCluster, WorkerPlugin  # after importorskip: only once installed

from lbdedup.dask_engine import (  # after importorskip: needs dask
    EngineError,
    dask_client,
    dedupe_paths,
    plan_parts,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """A LocalCluster of two worker processes, shared by the module's tests."""
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
    ) as local:
        yield local


@pytest.fixture
def client(cluster: LocalCluster) -> Iterator[Client]:
    """A client of the shared cluster."""
    with Client(cluster) as connected:
        yield connected


def _json(result: object) -> bytes:
    return b"".join(render_json_bytes(result, 1))  # type: ignore[arg-type]  # a DedupeResult


def _local(paths: list[str], options: Options | None = None) -> bytes:
    return _json(dedupe([read_source(path) for path in paths], options))


# ------------------------------------------------------------------------------------- a generated corpus

_TOPICS = "river council storm police minister vote flood road bridge school hospital court market fire train"
_MORE = "energy water mayor report strike border harbour museum stadium election budget crowd village coast"
_WORDS = (_TOPICS + " " + _MORE).split(" ")


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def _post(rng: random.Random, hour: int, minute: int) -> str:
    body = "\n\n".join(_sentence(rng, rng.randint(12, 40)) for _ in range(rng.randint(1, 4)))
    return f"{hour:02d}.{minute:02d}\n\n{body}"


def write_corpus(root: Path, blogs: int, seed: int = 7) -> list[str]:
    """Live blogs with pinned posts, later snapshots, wire paragraphs and a site header; the paths."""
    rng = random.Random(seed)
    wire = [_sentence(rng, 30) for _ in range(20)]
    header = "Home | News | Sport\n\nSign up for our newsletter"
    paths = []
    for blog in range(blogs):
        pinned = "Key events\n\n" + _sentence(rng, 25)
        posts = [_post(rng, 8 + minute // 60, minute % 60) for minute in range(0, 300, 7)]
        for post in range(0, len(posts), 9):
            posts[post] += "\n\n" + rng.choice(wire)
        snapshots = [posts[:30], posts[10:]] if blog % 3 == 0 else [posts]
        for number, shown in enumerate(snapshots):
            text = f"Blog {blog} live\n\n{header}\n\n{pinned}\n\n" + "\n\n".join(reversed(shown)) + "\n"
            path = root / f"blog{blog:03d}-{number}.txt"
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
    return paths


# ------------------------------------------------------------------------------------------- same results


def test_plan_parts_cuts_whole_files_in_order() -> None:
    """Parts are consecutive files, at least two a worker, about PART_BYTES each."""
    parts = plan_parts([5] * 10, workers=2)
    assert [index for part in parts for index in part] == list(range(10))
    assert len(parts) == 4
    assert len(plan_parts([100] * 10, workers=1, part_bytes=250)) == 4


@pytest.mark.parametrize("parts", [1, 2, 5, None])
def test_generated_corpus_same_as_local(client: Client, tmp_path: Path, parts: int | None) -> None:
    """A generated corpus gives the local engine's report byte for byte, whatever the number of parts."""
    paths = write_corpus(tmp_path, blogs=12)
    assert _json(dedupe_paths(paths, client, parts=parts)) == _local(paths)


def test_several_megabytes_same_as_local(client: Client, tmp_path: Path) -> None:
    """Several MB over two workers: every block's status, cluster and kept copy, and the timelines, agree."""
    paths = write_corpus(tmp_path, blogs=150, seed=11)
    assert sum(os.path.getsize(path) for path in paths) > 3_000_000
    result = dedupe_paths(paths, client, Options(jobs=1))
    local = dedupe([read_source(path) for path in paths], Options(jobs=1))
    assert [block.status for block in result.blocks] == [block.status for block in local.blocks]
    assert result.timelines == local.timelines
    assert _json(result) == _json(local)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
@pytest.mark.parametrize(("expected", "output"), [("expected.json", "json"), ("expected.txt", "text")])
def test_golden_cases_through_the_cli(cluster: LocalCluster, case: Path, expected: str, output: str) -> None:
    """Every golden case, cleaned by --engine dask on a given scheduler, prints the expected JSON and text."""
    extra = (case / "args").read_text().split() if (case / "args").exists() else []
    inputs = [f"input/{path.name}" for path in sorted((case / "input").iterdir())]
    engine = ["--engine", "dask", "--scheduler", cluster.scheduler_address]
    previous = Path.cwd()
    os.chdir(case)
    try:
        result = CliRunner().invoke(app, ["clean", "-f", output, *engine, *extra, *inputs])
    finally:
        os.chdir(previous)
    assert result.exit_code == 0, result.output
    assert result.stdout == (case / expected).read_text(encoding="utf-8")


def test_jsonl_shards_same_as_local(client: Client, tmp_path: Path) -> None:
    """JSONL shards are read by the workers, record by record, as the local reader reads them."""
    from lbdedup.jsonl import JsonlFields, read_jsonl_records

    shards = []
    rng = random.Random(3)
    for shard in range(3):
        lines = [
            json.dumps(
                {"id": f"{shard}-{record}", "text": _post(rng, 9, record) + "\n\nShared wire line here."}
            )
            for record in range(20)
        ]
        path = tmp_path / f"shard{shard}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        shards.append(str(path))
    carried: list[dict[str, object]] = []
    result = dedupe_paths(shards, client, jsonl=JsonlFields(), carried=carried, parts=3)
    local_carried: list[dict[str, object]] = []
    local = dedupe(read_jsonl_records(shards, fields=JsonlFields(), carried=local_carried))
    assert _json(result) == _json(local)
    assert carried == local_carried


def test_an_id_in_two_shards_is_refused_as_locally(client: Client, tmp_path: Path) -> None:
    """A record id used in two shards is the local reader's InputError, naming both places."""
    for shard in range(2):
        (tmp_path / f"s{shard}.jsonl").write_text('{"id": "same", "text": "Rain."}\n', encoding="utf-8")
    from lbdedup.jsonl import JsonlFields

    with pytest.raises(InputError, match=r"s1\.jsonl:1: record id 'same' is already used at .*s0\.jsonl:1"):
        dedupe_paths(
            [str(tmp_path / "s0.jsonl"), str(tmp_path / "s1.jsonl")], client, jsonl=JsonlFields(), parts=2
        )


# ------------------------------------------------------------------------------------------------- faults


class KillOnce(WorkerPlugin):
    """Kills its worker's process as a task of ``prefix`` starts, once (a marker file remembers it)."""

    def __init__(self, marker: str, prefix: str) -> None:
        self.marker, self.prefix = marker, prefix

    def transition(self, key: object, start: str, finish: str, **kwargs: object) -> None:
        """At such a task's start, the first time only, the worker's process dies at once."""
        if finish == "executing" and self.prefix in str(key) and not os.path.exists(self.marker):
            Path(self.marker).touch()
            os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize(
    "prefix", ["lbdedup-read", "lbdedup-furniture-end", "lbdedup-cut", "lbdedup-verify", "lbdedup-compare"]
)
def test_a_worker_killed_mid_run_gives_the_same_result(tmp_path: Path, prefix: str) -> None:
    """Dask runs a dead worker's tasks again, parts it held made anew: the result is the local engine's."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    paths = write_corpus(corpus, blogs=12)
    marker = tmp_path / "killed"
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
        ) as local,
        Client(local) as connected,
    ):
        connected.register_plugin(KillOnce(str(marker), prefix))
        report = _json(dedupe_paths(paths, connected, parts=4))
    assert marker.exists()
    assert report == _local(paths)


def _lbdedup(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lbdedup", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def test_a_missing_file_is_exit_2_before_any_output(tmp_path: Path) -> None:
    """A file no worker can read: one line naming it, exit 2, no output file."""
    paths = write_corpus(tmp_path, blogs=2)
    out = tmp_path / "out.json"
    done = _lbdedup(
        "clean", *paths, str(tmp_path / "gone.txt"), "--engine", "dask", "--workers", "2", "-f", "json",
        "-o", str(out),
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"lbdedup: error: {tmp_path / 'gone.txt'}: no such file"]
    assert done.stdout == ""
    assert not out.exists()


def test_an_unreadable_file_names_it(client: Client, tmp_path: Path) -> None:
    """The worker's InputError reaches the caller as itself."""
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(InputError, match="is a directory"):
        dedupe_paths([str(folder)], client)


def test_an_unreachable_scheduler_is_exit_2_within_the_timeout() -> None:
    """No scheduler at the address: one line, exit 2, within the documented 10 s (and start-up)."""
    started = time.monotonic()
    done = _lbdedup("clean", "README.md", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", timeout=90)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("lbdedup: error: tcp://127.0.0.1:9: no dask scheduler answered within 10 s")
    assert time.monotonic() - started < 60


def test_dask_client_raises_engine_error_for_no_scheduler() -> None:
    """The library raises EngineError, which the CLI turns into exit 2."""
    with pytest.raises(EngineError, match="no dask scheduler answered"), dask_client("tcp://127.0.0.1:9"):
        pass


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--workers", "2"], "--scheduler and --workers choose the dask engine's cluster"),
        (["--scheduler", "tcp://x:1"], "--scheduler and --workers choose the dask engine's cluster"),
        (
            ["--engine", "dask", "--scheduler", "tcp://x:1", "--workers", "2"],
            "--workers: a given --scheduler",
        ),
        (["--engine", "dask", "-"], "-: the dask engine's workers read files"),
    ],
)
def test_engine_option_refusals(tmp_path: Path, args: list[str], reason: str) -> None:
    """Options that do not go together are exit 2 with one line, before anything runs."""
    (tmp_path / "a.txt").write_text("Rain.\n", encoding="utf-8")
    paths = [] if "-" in args else [str(tmp_path / "a.txt")]
    result = CliRunner().invoke(app, ["clean", *args, *paths], input="Rain.\n")
    assert result.exit_code == 2
    assert reason in result.stderr


def test_without_dask_installed_the_engine_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--engine dask without the extra: exit 2, naming what to install."""
    monkeypatch.setitem(sys.modules, "distributed", None)
    (tmp_path / "a.txt").write_text("Rain.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["clean", "--engine", "dask", str(tmp_path / "a.txt")])
    assert result.exit_code == 2
    assert "pip install 'lbdedup[dask]'" in result.stderr


def test_the_cli_with_a_local_cluster_prints_the_local_text(tmp_path: Path) -> None:
    """A real process: --engine dask --workers 2 prints the same clean text as the local engine."""
    paths = write_corpus(tmp_path, blogs=6)
    dask = _lbdedup("clean", *paths, "--engine", "dask", "--workers", "2", "-q")
    local = _lbdedup("clean", *paths, "-q")
    assert dask.returncode == 0, dask.stderr
    assert dask.stderr == ""
    assert dask.stdout == local.stdout


def test_the_client_holds_no_text(client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The result's documents carry no text; block texts come from the workers a window at a time."""
    import lbdedup.dask_engine as engine

    paths = write_corpus(tmp_path, blogs=4)
    result = dedupe_paths(paths, client, parts=3)
    assert all(document.text == "" for document in result.documents)
    table = result.blocks.blocks  # type: ignore[attr-defined]  # the engine's ResultTable
    assert isinstance(table, engine.RemoteTexts)
    assert table.pools == ()
    fetched: list[int] = []
    fetch = engine.RemoteTexts._fetch_window
    monkeypatch.setattr(engine, "TEXT_WINDOW", 50)

    def counted(self: engine.RemoteTexts, row: int) -> None:
        fetched.append(row)
        fetch(self, row)

    monkeypatch.setattr(engine.RemoteTexts, "_fetch_window", counted)
    local = dedupe([read_source(path) for path in paths])
    assert table.texts(range(len(table))) == local.block_texts()
    assert len(fetched) == -(-len(table) // 50)
    assert [block.block.text for block in result.blocks[:3]] == local.block_texts()[:3]


def test_output_dir_and_records_as_locally(cluster: LocalCluster, tmp_path: Path) -> None:
    """--output-dir writes the local engine's files; --format records prints its lines."""
    (tmp_path / "in").mkdir()
    paths = write_corpus(tmp_path / "in", blogs=5)
    engine = ["--engine", "dask", "--scheduler", cluster.scheduler_address]
    runner = CliRunner()
    dask = runner.invoke(app, ["clean", *paths, "--output-dir", str(tmp_path / "d"), *engine])
    local = runner.invoke(app, ["clean", *paths, "--output-dir", str(tmp_path / "l")])
    assert dask.exit_code == local.exit_code == 0, dask.output
    written = sorted(path.relative_to(tmp_path / "d") for path in (tmp_path / "d").rglob("*.txt"))
    assert written == sorted(path.relative_to(tmp_path / "l") for path in (tmp_path / "l").rglob("*.txt"))
    assert written
    for name in written:
        assert (tmp_path / "d" / name).read_bytes() == (tmp_path / "l" / name).read_bytes()
    records = [
        runner.invoke(app, ["clean", *paths, "-f", "records", *extra]).stdout for extra in (engine, [])
    ]
    assert records[0] == records[1]
    assert records[0].count("\n") == len(paths)


@pytest.mark.parametrize("provenance", ["full", "none"])
def test_workers_write_the_local_files_and_the_report_shards(
    cluster: LocalCluster, tmp_path: Path, provenance: str
) -> None:
    """--output-dir -f jsonl: the workers' clean files are the local engine's; the shards are its report."""
    (tmp_path / "in").mkdir()
    paths = write_corpus(tmp_path / "in", blogs=7)
    (tmp_path / "in" / "empty.txt").write_text("", encoding="utf-8")
    paths.append(str(tmp_path / "in" / "empty.txt"))
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "report-00099.jsonl").write_text("stale\n", encoding="utf-8")
    engine = ["--engine", "dask", "--scheduler", cluster.scheduler_address]
    runner = CliRunner()
    common = ["clean", *paths, "-f", "jsonl", "--provenance", provenance, "--output-dir"]
    dask = runner.invoke(app, [*common, str(tmp_path / "d"), *engine])
    local = runner.invoke(app, [*common, str(tmp_path / "l")])
    assert dask.exit_code == local.exit_code == 0, dask.output
    texts = sorted(path.relative_to(tmp_path / "d") for path in (tmp_path / "d").rglob("*.txt"))
    assert texts == sorted(path.relative_to(tmp_path / "l") for path in (tmp_path / "l").rglob("*.txt"))
    assert len(texts) == len(paths)
    for name in texts:
        assert (tmp_path / "d" / name).read_bytes() == (tmp_path / "l" / name).read_bytes(), name
    shards = sorted((tmp_path / "d").glob("report-*.jsonl"))
    assert len(shards) > 1
    assert [path.name for path in shards] == [f"report-{n:05d}.jsonl" for n in range(len(shards))]
    whole = runner.invoke(app, ["clean", *paths, "-f", "jsonl"]).stdout_bytes
    assert b"".join(path.read_bytes() for path in shards) == whole


def test_a_clean_file_that_cannot_be_written_is_exit_2_as_locally(
    cluster: LocalCluster, tmp_path: Path
) -> None:
    """A folder where a worker must write a clean file: one line naming it, exit 2, as the local engine."""
    (tmp_path / "in").mkdir()
    paths = write_corpus(tmp_path / "in", blogs=3)
    engine = ["--engine", "dask", "--scheduler", cluster.scheduler_address]
    outcomes: list[tuple[int, str]] = []
    for extra in (engine, []):
        out = tmp_path / f"out{len(outcomes)}"
        (out / Path(paths[1]).name).mkdir(parents=True)
        result = CliRunner().invoke(app, ["clean", *paths, "--output-dir", str(out), *extra])
        outcomes.append((result.exit_code, result.stderr.replace(str(out), "OUT")))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == 2
    assert outcomes[0][1].count("\n") == 1
    assert "Is a directory" in outcomes[0][1]


def _processes_marked(mark: str) -> list[int]:
    """The processes whose environment holds ``LBDEDUP_TEST_MARK=mark`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"LBDEDUP_TEST_MARK={mark}".encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds the workers through /proc")
def test_ctrl_c_mid_run_is_130_with_no_output_and_no_worker_left(tmp_path: Path) -> None:
    """SIGINT while the cluster works: exit 130, nothing on stderr, no output file, no process left."""
    paths = write_corpus(tmp_path, blogs=300, seed=5)
    mark = os.urandom(6).hex()
    out = tmp_path / "out.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "lbdedup", "clean", *paths, "--engine", "dask", "--workers", "2", "-f", "json",
         "-o", str(out)],
        stderr=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, "LBDEDUP_TEST_MARK": mark},
    )  # fmt: skip
    # The workers are up and at work once they exist: then the signal comes.
    deadline = time.monotonic() + 60
    while len(_processes_marked(mark)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stderr == ""
    assert not out.exists()
    deadline = time.monotonic() + 20
    while _processes_marked(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_marked(mark) == []


def test_a_pattern_that_backtracks_without_end_is_stopped_as_locally(tmp_path: Path) -> None:
    """A worker runs tasks in threads: the user's patterns run in a child process, where their watch works."""
    (tmp_path / "a.txt").write_text("Rain.\n\n" + "a" * 46 + "b\n", encoding="utf-8")
    outcomes = [
        _lbdedup("clean", str(tmp_path / "a.txt"), "--drop-pattern", "(a+)+$", "-q", *extra, timeout=120)
        for extra in (["--engine", "dask", "--workers", "1"], [])
    ]
    assert [done.returncode for done in outcomes] == [2, 2]
    assert outcomes[0].stderr == outcomes[1].stderr
    assert "ran for over 1 s of CPU on one block" in outcomes[0].stderr


def test_patterns_give_the_local_result(client: Client, tmp_path: Path) -> None:
    """Drop and keep patterns, run in the workers' child processes, drop what they drop locally."""
    paths = write_corpus(tmp_path, blogs=4)
    options = Options(drop_patterns=("^Sign up",), keep_patterns=("newsletter$",))
    assert _json(dedupe_paths(paths, client, options, parts=3)) == _local(paths, options)
    options = Options(drop_patterns=("^Home",))
    assert _json(dedupe_paths(paths, client, options, parts=3)) == _local(paths, options)


def test_the_size_limit_and_aliases_hold_on_the_workers(cluster: LocalCluster, tmp_path: Path) -> None:
    """--max-file-size is the workers' limit too; one file named three ways is read once."""
    (tmp_path / "a.txt").write_text("Rain at dawn over the hills.\n", encoding="utf-8")
    engine = ["--engine", "dask", "--scheduler", cluster.scheduler_address]
    previous = Path.cwd()
    os.chdir(tmp_path)
    try:
        runner = CliRunner()
        limited = runner.invoke(app, ["clean", "a.txt", "--max-file-size", "10", *engine])
        named = runner.invoke(
            app, ["clean", "a.txt", "./a.txt", str(tmp_path / "a.txt"), "-f", "json", *engine]
        )
    finally:
        os.chdir(previous)
    assert limited.exit_code == 2
    assert limited.stderr == "lbdedup: error: a.txt: larger than the 10 bytes input limit (--max-file-size)\n"
    assert named.exit_code == 0
    assert [source["source"] for source in json.loads(named.stdout)["sources"]] == ["a.txt"]


@pytest.mark.parametrize(
    "data", [b"Rain \xff\xfe at dawn.\n", b"\x00\x01\x02binary\x00" * 50, b"\xef\xbb\xbf", b""]
)
def test_bad_bytes_are_read_on_the_workers_as_locally(
    cluster: LocalCluster, tmp_path: Path, data: bytes
) -> None:
    """Invalid UTF-8, binary bytes, a bare BOM, an empty file: the local engine's exit code and output."""
    (tmp_path / "a.txt").write_bytes(data)
    (tmp_path / "b.txt").write_text("Rain at dawn over the hills of Elmford.\n", encoding="utf-8")
    engine = ["--engine", "dask", "--scheduler", cluster.scheduler_address]
    outcomes = []
    for extra in (engine, []):
        result = CliRunner().invoke(app, ["clean", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), *extra])
        outcomes.append((result.exit_code, result.stdout, result.stderr))
    assert outcomes[0] == outcomes[1]
