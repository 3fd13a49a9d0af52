"""The ``lbdedup`` command: a thin typer shell around the core.

It parses options, reads the inputs, calls :func:`lbdedup.core.dedupe`, writes the rendering and returns an
exit code. Exit codes are decided in one place, :func:`main`: 0 done, 1 findings (for commands that check),
2 usage error, unreadable input or any failure (one line on stderr naming the file, no traceback, no partial
output), 130 when interrupted (Ctrl-C).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand

from lbdedup._version import __version__
from lbdedup.model import BlockResult, BoilerplateMode, DedupeResult, Document, KeepPolicy, Options, PostOrder
from lbdedup.names import display_name
from lbdedup.parallel import available_jobs
from lbdedup.read import InputError, read_source

# Re-exported: callers and tests write ``from lbdedup.cli import write_atomic`` since it lived here.
from lbdedup.write import REPORT_SHARD, remove_shards_from
from lbdedup.write import write_atomic as write_atomic
from lbdedup.write import write_behind as write_behind

# Each command imports what only it needs (the core and numpy, SQLite, the renderers) when it runs, so that
# `--version` and `--help` start at once and `clean` never loads the index, check and fix code.
if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from lbdedup.index import FingerprintIndex, IndexMatch
    from lbdedup.jsonl import JsonlFields
    from lbdedup.walk import Found

__all__ = ["app", "main"]

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command that Ctrl-C stopped


class Outcome(Enum):
    """How a command ended; :data:`EXIT_CODES` turns it into the exit code, in this one place."""

    DONE = "done"
    FOUND = "found"
    CHANGED = "changed"


EXIT_CODES = {Outcome.DONE: EXIT_OK, Outcome.FOUND: EXIT_FOUND, Outcome.CHANGED: EXIT_FOUND}
# A progress bar only appears once a run has taken this long, so quick runs stay silent.
PROGRESS_DELAY_SECONDS = 1.0

app = typer.Typer(
    name="lbdedup",
    help="Clean scraped news live blogs: drop repeated paragraphs, keep one copy with its provenance.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


class _Command(TyperCommand):
    """A typer command whose usage line names its arguments as click does (``PATH...``), not ``{PATH...}``."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:  # a click Context, of click or typer's copy
        pieces: list[str] = super().collect_usage_pieces(ctx)
        return [piece[1:-1] if piece[:1] == "{" and piece[-1:] == "}" else piece for piece in pieces]


def fail(message: str) -> NoReturn:
    """Report bad input or output in one line on stderr and stop with exit code 2."""
    print(f"lbdedup: error: {display_name(message)}", file=sys.stderr)
    raise typer.Exit(EXIT_ERROR)


def finish(outcome: Outcome) -> NoReturn:
    """End a command with the exit code of its outcome."""
    raise typer.Exit(EXIT_CODES[outcome])


class Engine(str, Enum):
    """Where ``clean`` runs the pipeline."""

    LOCAL = "local"
    DASK = "dask"


@dataclass(frozen=True)
class _EngineChoice:
    """``--engine`` and its settings, as ``clean`` was given them."""

    engine: Engine
    scheduler: str | None
    workers: int


class OutputFormat(str, Enum):
    """What ``clean`` prints."""

    TEXT = "text"
    JSON = "json"
    JSONL = "jsonl"
    RECORDS = "records"


class CheckFormat(str, Enum):
    """What ``check`` prints."""

    TEXT = "text"
    JSON = "json"
    GITHUB = "github"


class ProvenanceMode(str, Enum):
    """How much provenance the text output carries."""

    FULL = "full"
    NONE = "none"


class DelayedProgress:
    """A rich progress bar on stderr that shows itself once a run has lasted a moment.

    A timer shows it :data:`PROGRESS_DELAY_SECONDS` into the run, with the stage under way, even when that
    stage has not reported yet (reading a big file, rendering), so a long run never looks stuck.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.started = time.monotonic()
        self.bar: Progress | None = None
        self.tasks: dict[str, TaskID] = {}
        self.latest: tuple[str, int, int | None] = ("reading", 0, None)
        self.lock = threading.Lock()
        self.timer: threading.Timer | None = None
        if enabled:
            self.timer = threading.Timer(PROGRESS_DELAY_SECONDS, self._show)
            self.timer.daemon = True
            self.timer.start()

    def _show(self) -> None:
        """Start the bar (from the timer's thread, or a late report) with the latest stage."""
        with self.lock:
            if self.bar is not None or not self.enabled:
                return
            # rich is imported here, not at start-up: most runs (pipes, hooks) never show a bar.
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("{task.description:<14}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self._update(*self.latest)

    def _update(self, stage: str, done: int, total: int | None) -> None:
        assert self.bar is not None  # called once the bar is shown
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=total)
        self.bar.update(self.tasks[stage], completed=done, total=total)

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        self.latest = (stage, done, total)
        if self.bar is None:
            if time.monotonic() - self.started < PROGRESS_DELAY_SECONDS:
                return
            self._show()
            return
        with self.lock:
            self._update(stage, done, total)

    def stop(self) -> None:
        """Remove the bar from the terminal, and never show it after this."""
        with self.lock:
            self.enabled = False
            if self.timer is not None:
                self.timer.cancel()
            if self.bar is not None:
                self.bar.stop()


@contextmanager
def _progress(quiet: bool) -> Iterator[DelayedProgress]:
    progress = DelayedProgress(enabled=not quiet and sys.stderr.isatty())
    try:
        yield progress
    finally:
        progress.stop()


def _rendering(chunks: Iterable[bytes], progress: DelayedProgress) -> Iterator[bytes]:
    """``chunks``, with the bar showing the render stage while they are made and written.

    On a terminal that shows stdout too, the bar goes first: the text would be written through it.
    """
    if sys.stdout is not None and sys.stdout.isatty():
        progress.stop()
    written = 0
    progress("render", written, None)
    for chunk in chunks:
        yield chunk
        written += 1
        progress("render", written, None)
    progress.stop()


def _read_all(
    paths: Sequence[str],
    encoding: str | None,
    progress: DelayedProgress,
    jsonl: JsonlFields | None = None,
    carried: list[dict[str, Any]] | None = None,
) -> list[Document]:
    if jsonl is not None:
        from lbdedup.jsonl import read_jsonl_records

        documents = list(read_jsonl_records(paths, encoding, jsonl, carried=carried))
        progress("read", len(paths), len(paths))
        return documents
    documents = []
    for done, path in enumerate(paths, start=1):
        documents.append(read_source(path, encoding))
        progress("read", done, len(paths))
    return documents


@contextmanager
def _stdout_errors() -> Iterator[None]:
    """Errors writing stdout: a reader that went away ends the run quietly, as for cat; others are exit 2."""
    if sys.stdout is None:  # started with stdout closed (``>&-``): Python gives no stream at all
        # Every later print and the final flush go nowhere rather than fail again; fd 1 is not touched, as
        # it may by now be a file this run opened.
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115  # lives as long as the process
        fail(f"stdout: {os.strerror(errno.EBADF)}")
    try:
        yield
    except BrokenPipeError:
        # The reader went away (``lbdedup clean x | head``): stop quietly, as cat does.
        _stdout_to_devnull()
    except OSError as error:  # ``> /dev/full``, a disk that filled up, an I/O error
        _stdout_to_devnull()
        fail(f"stdout: {error.strerror or error}")


def _stdout_to_devnull() -> None:
    """Point fd 1 at /dev/null, so that what stdout still buffers is flushed without a second error."""
    with contextlib.suppress(OSError, ValueError, AttributeError):  # a stdout with no descriptor: no need
        descriptor = sys.stdout.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, descriptor)
        os.close(devnull)


def _stdout_console() -> Console:
    """A rich console on stdout whose write errors reach :func:`_stdout_errors`."""
    from rich.console import Console

    class StdoutConsole(Console):
        def on_broken_pipe(self) -> None:
            # rich's own answer is exit 1, which means findings here: let the reader's leaving end us quietly.
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    return StdoutConsole()


def _emit(chunks: Iterable[bytes], output: str | None) -> None:
    """Write UTF-8 ``chunks`` to ``output`` by :func:`write_atomic`, or to stdout when it is None or ``-``."""
    if output is None or output == "-":
        with _stdout_errors():
            sys.stdout.flush()
            binary = getattr(sys.stdout, "buffer", None)
            if binary is None:  # a text-only stdout (an embedding program's StringIO)
                for chunk in chunks:
                    sys.stdout.write(chunk.decode("utf-8"))
            else:
                write_behind(binary.write, chunks)
            (binary or sys.stdout).flush()
        return
    if sys.stdout is not None:  # what was printed comes first, should output be stdout (``-o /dev/stdout``)
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
    try:
        write_atomic(output, chunks)
    except BrokenPipeError:  # a FIFO or ``-o /dev/stdout`` whose reader went away: as for stdout
        pass
    except OSError as error:
        fail(f"{output}: {error.strerror or 'cannot be written'}")


PathsArgument = Annotated[
    list[str],
    typer.Argument(
        help="Files or folders, in order (folders walked for .txt, .md and .html files); '-' reads stdin.",
        show_default=False,
        metavar="PATH...",
    ),
]
FixPathsArgument = Annotated[
    list[str],
    typer.Argument(
        help="Files or folders to rewrite (folders walked for .txt, .md and .html files); '-' is refused: "
        "stdin cannot be rewritten (clean it with `lbdedup clean -`).",
        show_default=False,
        metavar="PATH...",
    ),
]
IncludeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--include",
        metavar="GLOB",
        help="In folders, read only the files matching GLOB (repeatable; '*.html', 'live/*').",
        show_default=False,
    ),
]
ExcludeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        metavar="GLOB",
        help="In folders, skip the files matching GLOB (repeatable; wins over --include).",
        show_default=False,
    ),
]


def _inputs(
    paths: Sequence[str],
    include: Sequence[str] | None,
    exclude: Sequence[str] | None,
    skip: Sequence[str] = (),
) -> list[Found]:
    """The files of ``paths`` (folders walked, see :mod:`lbdedup.walk`), each file once."""
    from lbdedup.paths import unique_files
    from lbdedup.walk import walk

    found: list[Found] = []
    for path in paths:
        these = list(walk([path], include or (), exclude or (), skip))
        if not these:  # a folder named on purpose that gives nothing: as much a mistake as a missing file
            fail(f"{path}: no text, Markdown or HTML file to read in this folder")
        found.extend(these)
    # The same file named twice (a.txt ./a.txt, a symlink, overlapping folders) is read once.
    return unique_files(found, attrgetter("path"))


def _globbed(paths: Sequence[str]) -> list[str]:
    """``paths`` with each glob that names no file itself (``'shards/*.jsonl'``, quoted) put as its matches.

    A cluster's inputs are often more than a command line holds: the glob is expanded here, sorted, with
    ``**`` for any depth. One that matches nothing is exit 2, as a missing file is.
    """
    import glob

    expanded: list[str] = []
    for path in paths:
        # Only * and ? make a pattern: a missing file named with brackets ("[2J") is a missing file.
        if path == "-" or os.path.lexists(path) or not ("*" in path or "?" in path):
            expanded.append(path)
            continue
        matches = sorted(glob.glob(path, recursive=True))
        if not matches:
            fail(f"{path}: no file matches this pattern")
        expanded.extend(matches)
    return expanded


KeepOption = Annotated[
    KeepPolicy,
    typer.Option("--keep", help="Which copy of a cluster is kept: the most complete one, or the first."),
]
EncodingOption = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="Codec of the inputs (any Python codec name); default UTF-8, or for HTML the page's charset.",
        metavar="CODEC",
        show_default=False,
    ),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]


def _set_max_file_size(ctx: typer.Context, value: str) -> str:
    """Make ``value`` the size limit of the command's reads, until the command ends."""
    from lbdedup.read import max_file_size, parse_size

    try:
        token = max_file_size.set(parse_size(value))
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    ctx.call_on_close(lambda: max_file_size.reset(token))
    return value


MaxFileSizeOption = Annotated[
    str,
    typer.Option(
        "--max-file-size",
        callback=_set_max_file_size,
        metavar="SIZE",
        help="Refuse an input (file, stdin, JSONL file) larger than this: bytes, or 500M, 2G; 0: no limit.",
    ),
]
JobsOption = Annotated[
    int,
    typer.Option(
        "--jobs",
        "-j",
        min=0,
        help="Processes for the per-file stages, verification and writing reports of runs over 2 MB "
        "(0, the default: one per core; never more than the cores). Output is the same.",
    ),
]


def _jobs(jobs: int) -> int:
    # More processes than cores only share the same cores (and hold more memory): -j 100000 means all of them.
    return min(jobs, available_jobs()) if jobs else available_jobs()


OrderOption = Annotated[
    PostOrder,
    typer.Option(
        "--order",
        help="time: snapshots of one live blog merge into one timeline, by time; input: blocks in place.",
    ),
]
OldestFirstOption = Annotated[
    bool,
    typer.Option("--oldest-first", help="With --order time, print the oldest post first (default newest)."),
]


JsonlOption = Annotated[
    bool,
    typer.Option("--jsonl", help="Inputs are JSONL: one document a line, {id, text} or {id, html}."),
]
IdFieldOption = Annotated[str, typer.Option("--id-field", help="With --jsonl: the field of the record id.")]
TextFieldOption = Annotated[str, typer.Option("--text-field", help="With --jsonl: the field of plain text.")]
HtmlFieldOption = Annotated[str, typer.Option("--html-field", help="With --jsonl: the field of HTML.")]


BoilerplateOption = Annotated[
    BoilerplateMode | None,
    typer.Option(
        "--boilerplate",
        help="Drop site furniture (headers, footers, prompts, teasers): off, auto (precise) or strict "
        "[default: auto, or as set in .lbdedup.toml / pyproject.toml [tool.lbdedup]].",
        show_default=False,
    ),
]
KeepPatternOption = Annotated[
    list[str] | None,
    typer.Option(
        "--keep-pattern",
        metavar="REGEX",
        help="Never drop a block whose text matches REGEX as boilerplate (repeatable; wins over drops).",
        show_default=False,
    ),
]
DropPatternOption = Annotated[
    list[str] | None,
    typer.Option(
        "--drop-pattern",
        metavar="REGEX",
        help="Drop every block whose text matches REGEX as boilerplate (repeatable; also with 'off').",
        show_default=False,
    ),
]


def _with_settings(
    options: Options,
    boilerplate: BoilerplateMode | None,
    keep_patterns: Sequence[str] | None,
    drop_patterns: Sequence[str] | None,
) -> Options:
    """``options`` with the configuration file found from here upwards, then the command line, applied."""
    from lbdedup.config import ConfigError, Settings, apply, find_config, load_config

    try:
        try:
            found = find_config(Path.cwd())
        except OSError:  # the working folder is gone: there is no file to apply
            found = None
        settings = load_config(found) if found is not None else Settings()
        return apply(options, settings, boilerplate, keep_patterns or None, drop_patterns or None)
    except ConfigError as error:
        fail(str(error))


def _jsonl_fields(jsonl: bool, id_field: str, text_field: str, html_field: str) -> JsonlFields | None:
    if not jsonl:
        return None
    from lbdedup.jsonl import JsonlFields

    return JsonlFields(id_field, text_field, html_field)


def _run(
    paths: Sequence[str],
    options: Options,
    encoding: str | None,
    quiet: bool,
    jsonl: JsonlFields | None = None,
    carried: list[dict[str, Any]] | None = None,
    shown: DelayedProgress | None = None,
    engine: _EngineChoice | None = None,
    resources: contextlib.ExitStack | None = None,
) -> DedupeResult:
    from lbdedup.boilerplate import BoilerplateError
    from lbdedup.core import dedupe
    from lbdedup.paths import unique_paths

    # The same file named twice (a.txt ./a.txt, a symlink) is read once: never a copy of itself.
    paths = unique_paths(paths)
    # The caller's bar when it goes on to render (it stops the bar itself), else one for this run.
    with contextlib.nullcontext(shown) if shown is not None else _progress(quiet) as progress:
        if engine is not None and engine.engine is Engine.DASK:
            assert resources is not None  # the dask engine's result reads its texts from the cluster
            result = _run_dask(paths, options, encoding, engine, progress, jsonl, carried, resources)
        else:
            try:
                documents = _read_all(paths, encoding, progress, jsonl, carried)
            except InputError as error:
                fail(str(error))
            try:
                result = dedupe(documents, options, progress)
            except BoilerplateError as error:  # a user pattern that ran too long
                fail(str(error))
    if _exit_without_freeing:
        _RETAINED.append(result)
    return result


def _run_dask(
    paths: Sequence[str],
    options: Options,
    encoding: str | None,
    engine: _EngineChoice,
    progress: DelayedProgress,
    jsonl: JsonlFields | None,
    carried: list[dict[str, Any]] | None,
    resources: contextlib.ExitStack,
) -> DedupeResult:
    """Clean ``paths`` on a dask cluster, which ``resources`` keeps open: the result's texts are there."""
    from lbdedup.boilerplate import BoilerplateError
    from lbdedup.dask_engine import EngineError, dask_client, dedupe_paths

    if "-" in paths:
        fail("-: the dask engine's workers read files; stdin cannot be read there (use --engine local)")
    try:
        client = resources.enter_context(dask_client(engine.scheduler, engine.workers))
        return dedupe_paths(
            paths, client, options, encoding=encoding, jsonl=jsonl, carried=carried, progress=progress
        )
    except (EngineError, InputError, BoilerplateError) as error:
        fail(str(error))


EngineOption = Annotated[
    Engine,
    typer.Option(
        "--engine",
        help="local: this machine (--jobs); dask: a dask.distributed cluster (pip install 'lbdedup[dask]'): "
        "a local one of --workers processes, or --scheduler's. The output is the same.",
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="With --engine dask: the address of a running dask scheduler (tcp://host:8786) instead of a "
        "local cluster; 10 s to answer.",
        metavar="ADDRESS",
        show_default=False,
    ),
]
WorkersOption = Annotated[
    int,
    typer.Option(
        "--workers",
        min=0,
        help="With --engine dask and no --scheduler: the local cluster's worker processes (0: one per core).",
    ),
]


def _engine_choice(engine: Engine, scheduler: str | None, workers: int) -> _EngineChoice:
    if engine is Engine.LOCAL and (scheduler is not None or workers):
        fail("--scheduler and --workers choose the dask engine's cluster: add --engine dask")
    if scheduler is not None and workers:
        fail("--workers: a given --scheduler has its own workers; --workers sizes a local cluster")
    return _EngineChoice(engine, scheduler, workers)


@app.command(cls=_Command)
def clean(
    paths: PathsArgument,
    include: IncludeOption = None,
    exclude: ExcludeOption = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            help="text: the clean text; json/jsonl: the report; records: one JSON line per input record or "
            "file (id, clean text, counts, the record's other fields).",
        ),
    ] = OutputFormat.TEXT,
    provenance: Annotated[
        ProvenanceMode,
        typer.Option(
            "--provenance", help="full: file:line of every kept block and its copies; none: bare text."
        ),
    ] = ProvenanceMode.FULL,
    keep: KeepOption = KeepPolicy.LONGEST,
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.", metavar="FILE"),
    ] = None,
    output_dir: Annotated[
        str | None,
        typer.Option(
            "--output-dir",
            help="Write one clean file per input file to OUT, at its path under the folder given (HTML "
            "gives .txt): the blocks it keeps, in its own order. With --format jsonl, the report too, in "
            "shards: OUT/report-00000.jsonl, ...",
            metavar="OUT",
        ),
    ] = None,
    keep_fields: Annotated[
        str | None,
        typer.Option(
            "--keep-fields",
            help="With --format records: carry only these fields of the input records (default: all).",
            metavar="A,B",
        ),
    ] = None,
    encoding: EncodingOption = None,
    max_file_size: MaxFileSizeOption = "1G",
    quiet: QuietOption = False,
    boilerplate: BoilerplateOption = None,
    keep_pattern: KeepPatternOption = None,
    drop_pattern: DropPatternOption = None,
    order: OrderOption = PostOrder.TIME,
    oldest_first: OldestFirstOption = False,
    jsonl: JsonlOption = False,
    id_field: IdFieldOption = "id",
    text_field: TextFieldOption = "text",
    html_field: HtmlFieldOption = "html",
    jobs: JobsOption = 0,
    engine: EngineOption = Engine.LOCAL,
    scheduler: SchedulerOption = None,
    workers: WorkersOption = 0,
) -> None:
    """Print the canonical text: every kept block once, with where its copies were.

    Live blogs come out as timelines (snapshots of one blog merged, newest post first); others in place.

    Example: lbdedup clean a.txt b.txt --format json -o report.json
    """
    engine_choice = _engine_choice(engine, scheduler, workers)
    fields = _jsonl_fields(jsonl, id_field, text_field, html_field)
    records = output_format is OutputFormat.RECORDS
    if keep_fields is not None and not records:
        fail("--keep-fields: it chooses the fields of --format records")
    if output_dir is not None:
        _check_output_dir(output_dir, output, output_format, fields, paths)
    options = _with_settings(
        Options(keep=keep, order=order, newest_first=not oldest_first, jobs=_jobs(jobs)),
        boilerplate,
        keep_pattern,
        drop_pattern,
    )
    skip = [output_dir] if output_dir is not None else []
    paths = _globbed(paths)
    found = None if fields is not None else _inputs(paths, include, exclude, skip)
    if output is not None:
        clobbered = _input_at(output, paths if found is None else [item.path for item in found])
        if clobbered is not None:
            fail(f"{output}: is also an input ({clobbered}): writing it would destroy what is read")
    carried: list[dict[str, Any]] | None = [] if records and fields is not None else None
    # One bar for the whole command: from its first second, through rendering and writing; a dask cluster
    # stays up as long (the texts are read from its workers as they are printed).
    with contextlib.ExitStack() as resources, _progress(quiet) as progress:
        result = _run(
            paths if found is None else [item.path for item in found],
            options,
            encoding,
            quiet,
            fields,
            carried,
            shown=progress,
            engine=engine_choice,
            resources=resources,
        )
        from lbdedup.render import render_json_bytes, render_jsonl_bytes, render_text_bytes

        if output_dir is not None:
            assert found is not None  # --output-dir refuses --jsonl
            report_jobs = options.jobs if output_format is OutputFormat.JSONL else None
            _write_output_dir(
                result,
                found,
                output_dir,
                provenance is ProvenanceMode.FULL,
                progress,
                report_jobs,
                on_workers=engine_choice.engine is Engine.DASK,
            )
            return
        chunks: Iterable[bytes]
        if records:
            from lbdedup.records import render_records_bytes

            # --keep-fields "" carries no field; left out, every field.
            wanted = None if keep_fields is None else [name.strip() for name in keep_fields.split(",")]
            wanted = None if wanted is None else [name for name in wanted if name]
            names = fields or _jsonl_fields(True, id_field, text_field, html_field)
            assert names is not None
            chunks = render_records_bytes(result, carried, names.id, names.text, wanted)
        elif output_format is OutputFormat.JSON:
            chunks = render_json_bytes(result, options.jobs)
        elif output_format is OutputFormat.JSONL:
            chunks = render_jsonl_bytes(result, options.jobs)
        else:
            chunks = render_text_bytes(result, provenance is ProvenanceMode.FULL)
        _emit(_rendering(chunks, progress), output)


def _input_at(output: str, inputs: Sequence[str]) -> str | None:
    """The input that the regular file ``output`` is (a symlink or another name of it, or stdin), if any.

    Only a regular file is compared: ``-o /dev/stdout`` may well be the terminal stdin reads from.
    """
    import stat

    from lbdedup.paths import file_identity

    try:
        target = os.stat(output)
    except (OSError, ValueError):
        return None  # a new file is no input; an unwritable one is the writer's to report
    if not stat.S_ISREG(target.st_mode):
        return None
    for path in inputs:
        identity = _stdin_identity() if path == "-" else file_identity(path)
        if identity == (target.st_dev, target.st_ino):
            return path
    return None


def _stdin_identity() -> tuple[int, int] | None:
    """``(st_dev, st_ino)`` of what stdin reads, None when it is closed or cannot be stat'ed."""
    try:
        found = os.fstat(sys.stdin.fileno()) if sys.stdin is not None else None
    except (OSError, ValueError):
        return None
    return None if found is None else (found.st_dev, found.st_ino)


def _check_output_dir(
    output_dir: str,
    output: str | None,
    output_format: OutputFormat,
    fields: JsonlFields | None,
    paths: Sequence[str],
) -> None:
    """Refuse what --output-dir cannot do, before anything is read."""
    if output is not None:
        fail("--output-dir: it writes a file per input; --output writes one file: choose one")
    if output_format not in (OutputFormat.TEXT, OutputFormat.JSONL):
        fail(
            f"--output-dir: it writes clean text (and with --format jsonl the report in shards), "
            f"not --format {output_format.value}"
        )
    if fields is not None:
        fail("--output-dir: it writes a file per input file; for JSONL records use --format records")
    if "-" in paths:
        fail("-: --output-dir writes a file per input file, and stdin has no name to write it under")
    if os.path.exists(output_dir) and not os.path.isdir(output_dir):
        fail(f"{output_dir}: --output-dir must be a folder")


def _output_names(result: DedupeResult, found: Sequence[Found], output_dir: str) -> list[str]:
    """Where each source's clean file goes; ``fail`` when two go to one place, or one replaces an input."""
    from lbdedup.paths import file_identity

    relative = {item.path: item.relative for item in found}
    inputs = {file_identity(item.path): item.path for item in found}
    targets: dict[str, str] = {}
    names = []
    for document in result.documents:
        name = relative.get(document.source, document.source)
        if document.format == "html":
            name = os.path.splitext(name)[0] + ".txt"
        target = os.path.join(output_dir, name)
        key = os.path.normcase(os.path.normpath(target))
        if key in targets:
            fail(f"{target}: both {targets[key]} and {document.source} would be written here; nothing was")
        targets[key] = document.source
        same = inputs.get(file_identity(target))
        if same is not None:
            fail(
                f"{target}: it is the input {same}; --output-dir must not replace inputs; nothing was written"
            )
        names.append(target)
    return names


# With --output-dir and --format jsonl, the report is written in shards of about this many blocks.
REPORT_SHARD_BLOCKS = 100_000


def _write_output_dir(
    result: DedupeResult,
    found: Sequence[Found],
    output_dir: str,
    provenance: bool,
    progress: DelayedProgress | None = None,
    report_jobs: int | None = None,
    on_workers: bool = False,
) -> None:
    """Write each source's clean text (:func:`lbdedup.render.render_source_texts`) into ``output_dir``.

    With ``report_jobs``, the JSONL report too, in shards (:func:`_write_report_shards`). With
    ``on_workers`` (the dask engine's result), the workers write them, each its parts' (a shard a part).
    """
    from lbdedup.render import encode_chunks, render_source_texts

    targets = _output_names(result, found, output_dir)
    if report_jobs is not None:
        for target in targets:
            if os.path.dirname(os.path.normpath(target)) == os.path.normpath(
                output_dir
            ) and REPORT_SHARD.fullmatch(os.path.basename(target)):
                fail(f"{target}: a clean file would be named as a shard of the report; nothing was written")
    if on_workers:
        from lbdedup.dask_engine import OutputError, write_output_on_workers

        if progress is not None:
            progress("write", 0, len(targets))
        try:
            shards = write_output_on_workers(
                result, targets, provenance, output_dir if report_jobs is not None else None
            )
        except OutputError as error:
            fail(str(error))
    else:
        texts = render_source_texts(result, provenance)
        for done, (target, text) in enumerate(zip(targets, texts, strict=True), start=1):
            if progress is not None:
                progress("write", done, len(targets))
            try:
                os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
                write_atomic(target, encode_chunks([text]))
            except OSError as error:
                fail(f"{target}: {error.strerror or 'cannot be written'}")
        shards = _write_report_shards(result, output_dir, report_jobs) if report_jobs is not None else 0
    if progress is not None:
        progress.stop()
    count = len(targets)
    also = f" and the report in {shards} shard{'' if shards == 1 else 's'}" if report_jobs is not None else ""
    print(
        f"Wrote {count} file{'' if count == 1 else 's'}{also} to {display_name(output_dir)}", file=sys.stderr
    )


def _write_report_shards(result: DedupeResult, output_dir: str, jobs: int) -> int:
    """Write the JSONL report as ``report-00000.jsonl``, ... in ``output_dir``; how many shards.

    Each shard holds :data:`REPORT_SHARD_BLOCKS` blocks (the last one the rest) and is written atomically.
    Shards of an earlier, longer run that this run did not write are removed: a reader of
    ``report-*.jsonl`` must not find blocks of another run.
    """
    from lbdedup.render import render_jsonl_bytes

    os.makedirs(output_dir, exist_ok=True)
    pieces = iter(render_jsonl_bytes(result, jobs))
    held = next(pieces, None)  # the bytes to write next
    number = 0
    while True:

        def shard() -> Iterator[bytes]:
            nonlocal held
            lines = 0
            while held is not None and lines < REPORT_SHARD_BLOCKS:
                chunk = held
                wanted = REPORT_SHARD_BLOCKS - lines
                if chunk.count(b"\n") > wanted:
                    # The shard ends inside this batch of lines: the rest of it starts the next shard.
                    end = -1
                    for _ in range(wanted):
                        end = chunk.index(b"\n", end + 1)
                    chunk, held = chunk[: end + 1], chunk[end + 1 :]
                else:
                    held = next(pieces, None)
                lines += chunk.count(b"\n")
                yield chunk

        target = os.path.join(output_dir, f"report-{number:05d}.jsonl")
        try:
            write_atomic(target, shard())
        except OSError as error:
            fail(f"{target}: {error.strerror or 'cannot be written'}")
        number += 1
        if held is None:
            break
    try:
        remove_shards_from(output_dir, number)
    except OSError as error:
        fail(f"{error.filename}: {error.strerror}")
    return number


@app.command(cls=_Command)
def report(
    paths: PathsArgument,
    include: IncludeOption = None,
    exclude: ExcludeOption = None,
    keep: KeepOption = KeepPolicy.LONGEST,
    top: Annotated[int, typer.Option("--top", min=1, help="How many clusters and matches to show.")] = 10,
    encoding: EncodingOption = None,
    max_file_size: MaxFileSizeOption = "1G",
    quiet: QuietOption = False,
    boilerplate: BoilerplateOption = None,
    keep_pattern: KeepPatternOption = None,
    drop_pattern: DropPatternOption = None,
    jsonl: JsonlOption = False,
    id_field: IdFieldOption = "id",
    text_field: TextFieldOption = "text",
    html_field: HtmlFieldOption = "html",
    jobs: JobsOption = 0,
) -> None:
    """Show people what was found: counts per source, the largest clusters, near and contained matches.

    Example: lbdedup report a.txt b.txt --top 5
    """
    options = _with_settings(Options(keep=keep, jobs=_jobs(jobs)), boilerplate, keep_pattern, drop_pattern)
    fields = _jsonl_fields(jsonl, id_field, text_field, html_field)
    if fields is None:
        paths = [item.path for item in _inputs(paths, include, exclude)]
    result = _run(paths, options, encoding, quiet, fields)
    from lbdedup.report import render_report

    with _stdout_errors():
        render_report(result, _stdout_console(), top=top)
        sys.stdout.flush()


# lbdedup.index.DEFAULT_INDEX, spelled out here so that the help texts need not import the index code.
DEFAULT_INDEX = ".lbdedup/index.sqlite"
IndexOption = Annotated[
    str | None,
    typer.Option(
        "--index",
        help=f"Fingerprint index to compare with (default: {DEFAULT_INDEX} when it exists).",
        metavar="PATH",
    ),
]


def _open_index(index: str | None, create: bool = False) -> FingerprintIndex | None:
    """The index named by ``--index``, else the default one if it exists; ``fail`` when it is unusable."""
    from lbdedup.index import FingerprintIndex, IndexFileError

    path = Path(index or DEFAULT_INDEX)
    if index is None and not create and not path.is_file():
        return None
    try:
        return FingerprintIndex(path, create=create)
    except IndexFileError as error:
        fail(str(error))


# A stale-index warning names at most this many files.
STALE_SHOWN = 5


def _findings_run(
    paths: Sequence[str], options: Options, encoding: str | None, quiet: bool, index: str | None
) -> tuple[DedupeResult, list[IndexMatch]]:
    """Clean ``paths`` together, then join what the index holds: copies of indexed blocks, own blocks.

    Index entries are verified first (see :meth:`FingerprintIndex.query_checked`); a stale one does not
    count, and a warning on stderr says so.
    """
    from lbdedup.check import apply_checked_matches
    from lbdedup.index import IndexFileError

    result = _run(paths, options, encoding, quiet)
    opened = _open_index(index)
    if opened is None:
        return result, []
    with opened:
        try:
            checked = opened.query_checked(
                result.documents, [item.block for item in result.blocks], encoding=encoding
            )
        except IndexFileError as error:
            fail(str(error))
    if checked.stale:
        names = ", ".join(checked.stale[:STALE_SHOWN])
        more = len(checked.stale) - STALE_SHOWN
        names += f" and {more} more" if more > 0 else ""
        print(
            f"lbdedup: warning: {display_name(str(opened.path))}: the index is stale: {display_name(names)} "
            "changed or gone since indexed; "
            "their entries did not count (run `lbdedup index update`)",
            file=sys.stderr,
        )
    return apply_checked_matches(result, checked), list(checked.matches.values())


def _print_lines(lines: Iterable[str]) -> None:
    from lbdedup.render import encode_chunks

    _emit(encode_chunks(f"{line}\n" for line in lines), None)


@app.command(cls=_Command)
def check(
    paths: PathsArgument,
    include: IncludeOption = None,
    exclude: ExcludeOption = None,
    index: IndexOption = None,
    keep: KeepOption = KeepPolicy.LONGEST,
    encoding: EncodingOption = None,
    max_file_size: MaxFileSizeOption = "1G",
    quiet: QuietOption = False,
    boilerplate: BoilerplateOption = None,
    keep_pattern: KeepPatternOption = None,
    drop_pattern: DropPatternOption = None,
    output_format: Annotated[
        CheckFormat,
        typer.Option(
            "--format",
            "-f",
            help="text: one line per finding, then a summary line on stderr; json: one document with every "
            "finding; github: GitHub Actions ::warning annotations.",
        ),
    ] = CheckFormat.TEXT,
) -> None:
    """Report duplicated and boilerplate blocks, one line each; exit 1 when there are any, 0 when clean.

    The files are compared with each other and with the fingerprint index; '-' checks stdin (its lines are
    named '-'). Example: lbdedup check new/ --format github
    """
    options = _with_settings(
        Options(keep=keep, order=PostOrder.INPUT), boilerplate, keep_pattern, drop_pattern
    )
    from lbdedup.check import (
        findings,
        findings_json,
        fixable,
        format_finding,
        github_annotations,
        summary_line,
    )

    paths = [item.path for item in _inputs(paths, include, exclude)]
    result, _ = _findings_run(paths, options, encoding, quiet, index)
    found = findings(result)
    can_fix = fixable(result) if found else set()
    if output_format is CheckFormat.JSON:
        from lbdedup.names import JSON_ERRORS

        _emit([findings_json(result, found, can_fix).encode("utf-8", JSON_ERRORS)], None)
    else:
        lines = (
            github_annotations(found) if output_format is CheckFormat.GITHUB else map(format_finding, found)
        )
        _print_lines(lines)
        if found:
            print(summary_line(found, len(can_fix)), file=sys.stderr)
    finish(Outcome.FOUND if found else Outcome.DONE)


@app.command(cls=_Command)
def fix(
    paths: FixPathsArgument,
    include: IncludeOption = None,
    exclude: ExcludeOption = None,
    index: IndexOption = None,
    keep: KeepOption = KeepPolicy.LONGEST,
    encoding: EncodingOption = None,
    max_file_size: MaxFileSizeOption = "1G",
    quiet: QuietOption = False,
    boilerplate: BoilerplateOption = None,
    keep_pattern: KeepPatternOption = None,
    drop_pattern: DropPatternOption = None,
    diff: Annotated[
        bool, typer.Option("--diff", help="Print what would change as a unified diff; change nothing.")
    ] = False,
) -> None:
    """Rewrite the files to keep only their kept blocks; exit 1 when a file changed (or, with --diff, would).

    Duplicates of blocks kept elsewhere (in these files or in the index) and boilerplate are removed; the
    encoding, BOM, newline style and blank-line layout stay. HTML files are checked, never rewritten; a file
    that would lose every line is reported, never emptied; a file that changed while fix ran is left alone.
    Example: lbdedup fix new/*.txt
    """
    if "-" in paths:
        fail("-: fix rewrites files, it cannot rewrite stdin (use `lbdedup clean -`)")
    options = _with_settings(
        Options(keep=keep, order=PostOrder.INPUT), boilerplate, keep_pattern, drop_pattern
    )
    from lbdedup.check import format_finding
    from lbdedup.fix import (
        FixInvariantError,
        check_kept_copies,
        encode_document_text,
        fix_text,
        unified_diff,
        whole_file_copy,
    )

    paths = [item.path for item in _inputs(paths, include, exclude)]
    for path in paths:
        # A FIFO or a device is read once; fix reads a file again before it replaces it, and would wait.
        if os.path.exists(path) and not os.path.isfile(path):
            fail(f"{path}: not a regular file: fix rewrites files (use `lbdedup check` or `clean`)")
    result, matches = _findings_run(paths, options, encoding, quiet, index)
    try:
        check_kept_copies(result, (match.ref for match in matches))
    except FixInvariantError as error:
        fail(str(error))
    per_document: list[list[BlockResult]] = [[] for _ in result.documents]
    for item in result.blocks:
        per_document[item.block.doc].append(item)
    rewrites: list[tuple[int, str]] = []
    found: list[str] = []  # findings fix leaves in place: in HTML, and whole files that are copies
    for doc, document in enumerate(result.documents):
        own = per_document[doc]
        if all(block.status.kept for block in own):
            continue
        if document.format == "html":
            found.extend(
                f"{format_finding(block)} (html is not rewritten)" for block in own if not block.status.kept
            )
            continue
        text = fix_text(document, own)
        whole = whole_file_copy(document, own, text)
        if whole is not None:
            found.append(f"{whole} (left as it is)")
        elif text != document.text:
            rewrites.append((doc, text))
    if diff:
        from lbdedup.render import encode_chunks

        _emit(encode_chunks(unified_diff(result.documents[doc].source, result.documents[doc].text, text)
                            for doc, text in rewrites), None)  # fmt: skip
        for line in found:
            print(f"lbdedup: {line}", file=sys.stderr)
        finish(Outcome.FOUND if rewrites or found else Outcome.DONE)
    from lbdedup.write import write_refusal

    for doc, _ in rewrites:
        source = result.documents[doc].source
        refusal = write_refusal(source)
        if refusal is not None:  # before any file is written: a fix is all or nothing up to here
            fail(f"{source}: cannot be rewritten: {refusal}; nothing was written")
        if not _round_trips_on_disk(result.documents[doc]):
            fail(
                f"{source}: writing it back in {result.documents[doc].encoding!r} would change bytes "
                "fix does not touch "
                "(the codec does not give back what it read); nothing was written"
            )
    written = _write_fixes(result, per_document, rewrites, encoding, encode_document_text)
    _print_lines(found)
    finish(
        Outcome.CHANGED if written else Outcome.FOUND if found or len(rewrites) > written else Outcome.DONE
    )


def _write_fixes(
    result: DedupeResult,
    per_document: Sequence[Sequence[BlockResult]],
    rewrites: Sequence[tuple[int, str]],
    encoding: str | None,
    encode: Callable[[Document, str], bytes],
) -> int:
    """Replace each file of ``rewrites`` with its fixed text; return how many were written.

    A file is replaced only if it, and each input file holding the kept copies of what it loses, still reads
    as it did (or as fix wrote it): checked just before the write.
    A file that changed is left alone with a warning on stderr: what was appended to it while fix ran must
    not be lost, and a kept copy someone just deleted is no kept copy.
    """
    import dataclasses

    from lbdedup.write import FileChangedError

    documents = result.documents
    by_source = {document.source: doc for doc, document in enumerate(documents)}
    expected = dict(enumerate(documents))
    written = 0
    for doc, text in rewrites:
        document = documents[doc]
        holders = sorted(
            {
                by_source[item.duplicate_of.source]
                for item in per_document[doc]
                if item.duplicate_of is not None and item.duplicate_of.source in by_source
            }
            - {doc}
        )
        try:
            # Taken before the file is read again below: the rename then happens only if nothing touched
            # the file between that read and the rename (write_atomic checks this stat just before it).
            read_as: os.stat_result | None = os.stat(document.source)
        except OSError:
            read_as = None
        moved = [
            documents[other].source for other in [doc, *holders] if _changed_since(expected[other], encoding)
        ]
        if moved:
            why = "it" if moved == [document.source] else ", ".join(moved)
            _not_rewritten(document.source, f"{why} changed since it was read")
            continue
        try:
            write_atomic(document.source, [encode(document, text)], unchanged_since=read_as)
        except FileChangedError:
            _not_rewritten(document.source, "it changed while fix was writing it")
            continue
        except OSError as error:
            fail(f"{document.source}: {error.strerror or 'cannot be written'}")
        expected[doc] = dataclasses.replace(document, text=text)
        written += 1
        _print_lines([f"Fixing {display_name(document.source)}"])
    return written


def _not_rewritten(source: str, why: str) -> None:
    print(
        f"lbdedup: warning: {display_name(source)}: not rewritten: {display_name(why)} (run fix again)",
        file=sys.stderr,
    )


def _round_trips_on_disk(document: Document) -> bool:
    """True when the file's bytes are what writing its text back would give (see :func:`fix.round_trips`)."""
    from lbdedup.fix import round_trips
    from lbdedup.read import decode

    try:
        with open(document.source, "rb") as handle:
            data = handle.read()
        if round_trips(document, data):
            return True
        # A file that no longer reads as it did is for the check just before the write to report.
        return decode(document.source, data, document.encoding).text != document.text
    except (OSError, InputError):
        return True  # gone or unreadable: the check just before the write says so


def _changed_since(document: Document, encoding: str | None) -> bool:
    """True when the file no longer reads as ``document`` (gone, unreadable, or other text).

    A FIFO or a device is not read again (that would wait for a writer, or consume what it sends).
    """
    import stat

    try:
        if not stat.S_ISREG(os.stat(document.source).st_mode):
            return False
        current = read_source(document.source, encoding)
    except (InputError, OSError):
        return True
    return (current.text, current.bom) != (document.text, document.bom)


index_app = typer.Typer(
    name="index",
    help="Build, update and query the fingerprint index that check and fix compare new files with.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
app.add_typer(index_app)


def _expand(
    paths: Iterable[str], include: Sequence[str] | None = None, exclude: Sequence[str] | None = None
) -> Iterator[str]:
    """Files as given; folders walked (sorted) for text, Markdown and HTML files (see :mod:`lbdedup.walk`)."""
    from lbdedup.walk import walk

    return (found.path for found in walk(paths, include or (), exclude or ()))


def _index_write(
    paths: Sequence[str],
    index: str | None,
    encoding: str | None,
    replace: bool,
    include: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
) -> None:
    import sqlite3

    opened = _open_index(index, create=True)
    assert opened is not None  # created when missing
    from lbdedup.paths import unique_paths

    # A file named twice (a symlink, an overlapping folder) is indexed once, under the first name given.
    documents = (read_source(path, encoding) for path in unique_paths(_expand(paths, include, exclude)))
    with opened:
        try:
            summary = opened.build(documents) if replace else opened.update(documents)
        except InputError as error:
            fail(f"{error} (the index is unchanged)")
        except sqlite3.Error as error:
            fail(f"{opened.path}: cannot write the index ({error}; it is unchanged)")
    _print_lines(
        [
            f"{display_name(str(opened.path))}: {summary.added} added, {summary.changed} changed, "
            f"{summary.unchanged} unchanged, {summary.pruned} pruned ({summary.blocks} blocks fingerprinted)"
        ]
    )
    finish(Outcome.DONE)


IndexPathsArgument = Annotated[
    list[str],
    typer.Argument(
        help="Files or folders (walked for .txt, .md and .html files).", show_default=False, metavar="PATH..."
    ),
]
IndexFileOption = Annotated[
    str | None,
    typer.Option("--index", help=f"The index file (default: {DEFAULT_INDEX}).", metavar="PATH"),
]


@index_app.command(cls=_Command, name="build")
def index_build(
    paths: IndexPathsArgument,
    include: IncludeOption = None,
    exclude: ExcludeOption = None,
    index: IndexFileOption = None,
    encoding: EncodingOption = None,
    max_file_size: MaxFileSizeOption = "1G",
) -> None:
    """Index these files from scratch (one transaction: a failure leaves the old index).

    Example: lbdedup index build corpus/
    """
    _index_write(paths, index, encoding, replace=True, include=include, exclude=exclude)


@index_app.command(cls=_Command, name="update")
def index_update(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files or folders to add or refresh (none: only prune).",
            show_default=False,
            metavar="[PATH]...",
        ),
    ] = None,
    include: IncludeOption = None,
    exclude: ExcludeOption = None,
    index: IndexFileOption = None,
    encoding: EncodingOption = None,
    max_file_size: MaxFileSizeOption = "1G",
) -> None:
    """Add new files, re-index changed ones (by content hash) and prune indexed files that were deleted.

    Example: lbdedup index update $(git diff --name-only HEAD~1)
    """
    _index_write(paths or [], index, encoding, replace=False, include=include, exclude=exclude)


@index_app.command(cls=_Command, name="stats")
def index_stats(index: IndexFileOption = None) -> None:
    """Print what the index holds and its size next to the text it fingerprints."""
    opened = _open_index(index or DEFAULT_INDEX)
    assert opened is not None  # _open_index fails when a named index is missing
    from lbdedup.index import IndexFileError

    with opened:
        try:
            stats = opened.stats()
        except IndexFileError as error:
            fail(str(error))
    ratio = stats.index_bytes / stats.text_bytes if stats.text_bytes else 0.0
    _print_lines(
        [
            f"index    {stats.path}",
            f"files    {stats.files}",
            f"blocks   {stats.blocks}",
            f"samples  {stats.samples}",
            f"text     {stats.text_bytes / 1e6:.2f} MB",
            f"size     {stats.index_bytes / 1e6:.2f} MB ({ratio:.2f}x the text)",
        ]
    )
    finish(Outcome.DONE)


@index_app.command(cls=_Command, name="query")
def index_query(
    file: Annotated[
        str, typer.Argument(help="The file whose blocks are looked up.", show_default=False, metavar="FILE")
    ],
    index: IndexFileOption = None,
    encoding: EncodingOption = None,
    max_file_size: MaxFileSizeOption = "1G",
) -> None:
    """Print, for each block of FILE that copies an indexed block, where the indexed copy is.

    Lines read like check's: 'path:line: duplicate of other:line (near, 0.97)'. Exit 0 either way.
    Example: lbdedup index query draft.txt
    """
    opened = _open_index(index or DEFAULT_INDEX)
    assert opened is not None  # _open_index fails when a named index is missing
    try:
        document = read_source(file, encoding)
    except InputError as error:
        fail(str(error))
    from lbdedup.core import segment_all

    blocks = segment_all([document])
    from lbdedup.index import IndexFileError

    with opened:
        try:
            matches = opened.query(blocks)
        except IndexFileError as error:
            fail(str(error))
    _print_lines(
        f"{display_name(blocks[position].source)}:{blocks[position].line_start}: duplicate of "
        f"{display_name(match.ref.source)}:{match.ref.line_start} "
        f"({match.match.value}, {match.similarity:.2f})"
        for position, match in matches.items()
    )
    finish(Outcome.DONE)


class Shell(str, Enum):
    """The shells ``completion`` writes a script for."""

    BASH = "bash"
    ZSH = "zsh"
    FISH = "fish"


@app.command(cls=_Command)
def completion(
    shell: Annotated[
        Shell, typer.Argument(help="The shell: bash, zsh or fish.", show_default=False, metavar="SHELL")
    ],
) -> None:
    """Print the shell completion script for SHELL (commands, options, their values and file names).

    bash: eval "$(lbdedup completion bash)" in ~/.bashrc; zsh: the same in ~/.zshrc, after compinit;
    fish: lbdedup completion fish > ~/.config/fish/completions/lbdedup.fish
    """
    from typer._completion_shared import get_completion_script  # typer's own scripts, for its completion

    script = get_completion_script(prog_name="lbdedup", complete_var="_LBDEDUP_COMPLETE", shell=shell.value)
    _print_lines([script.rstrip("\n")])
    finish(Outcome.DONE)


def _version_callback(value: bool) -> None:
    if value:
        with _stdout_errors():
            typer.echo(f"lbdedup {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Clean scraped news live blogs: drop repeated paragraphs, keep one copy with its provenance."""


# A large run is millions of objects, and freeing them one by one takes a fifth of a second: the ``lbdedup``
# command keeps them here and leaves without freeing them (``console_main``). Calls of ``main`` free them.
_RETAINED: list[DedupeResult] = []
_exit_without_freeing = False


class _Interrupt:
    """The ``lbdedup`` command's Ctrl-C: the first stops the run, the next ends the process at once.

    The first raises KeyboardInterrupt, so that the run cleans up on its way out (temporary files, child
    processes) and :func:`main` returns 130; once one has, or once the command is done, another ends the
    process at once, with exit code 130 and no traceback.
    """

    def __init__(self) -> None:
        self.raised = False

    def __call__(self, signum: int, frame: Any) -> None:
        if self.raised or _in_import_machinery(frame):
            # Raised inside the import system's own callbacks, the exception would be printed as "ignored"
            # and lost; an import writes no file of ours, so there is nothing to clean up first.
            os._exit(EXIT_INTERRUPTED)
        self.raised = True
        raise KeyboardInterrupt


def _in_import_machinery(frame: Any) -> bool:
    """True when ``frame`` (where a signal landed) or a caller of it is Python's import machinery."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def console_main() -> NoReturn:
    """The ``lbdedup`` command: :func:`main`, then exit at once, without freeing the run's objects."""
    global _exit_without_freeing  # set once, by the process's entry point
    _exit_without_freeing = True
    # lbdedup does no linear algebra: without this, numpy's OpenBLAS starts a thread per core at import,
    # which burns a tenth of a second of CPU on the other cores in every run (and threads and fork mix badly).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    interrupt = _Interrupt()
    # A command started in the background by a shell ignores Ctrl-C, and so does it here.
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, interrupt)
    try:
        code = main()
        interrupt.raised = True
    except KeyboardInterrupt:  # after main's own handling, before the line above
        code = EXIT_INTERRUPTED
    for stream in (sys.stdout, sys.stderr):
        # A reader that went away or a closed stream (None when the shell closed it: `>&-`): there is
        # nobody left to tell.
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code instead of exiting.

    Commands end with ``typer.Exit(code)``; click's usage errors give exit code 2, Ctrl-C 130. Any other
    exception is a failure of lbdedup itself: one line on stderr (the traceback too when the environment
    variable ``LBDEDUP_DEBUG`` is set) and exit code 2, never 1, which means findings.

    >>> main(["--version"])
    lbdedup 0.2.0
    0
    """
    args = list(sys.argv[1:] if argv is None else argv)
    # The collector is paused for the whole command, as :func:`lbdedup.core.paused_gc` does (a run allocates
    # millions of acyclic objects), without importing the core for the commands that need none of it.
    collecting = gc.isenabled()
    gc.disable()
    stderr = sys.stderr
    # Diagnostics never decide the exit code: a closed stderr (`2>&-`) or one that cannot be written
    # (`2>/dev/full`) swallows them, and the run ends with the code it has.
    sys.stderr = _TolerantStream(stderr)
    try:
        return _run_app(args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    finally:
        sys.stderr = stderr
        if collecting:
            gc.enable()


class _TolerantStream:
    """A text stream that drops what cannot be written instead of raising (None: a closed stream)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if self._stream is not None:
            with contextlib.suppress(OSError, ValueError):
                self._stream.write(text)
        return len(text)

    def flush(self) -> None:
        if self._stream is not None:
            with contextlib.suppress(OSError, ValueError):
                self._stream.flush()

    def isatty(self) -> bool:
        try:
            return self._stream is not None and bool(self._stream.isatty())
        except (OSError, ValueError):
            return False

    def __getattr__(self, name: str) -> Any:
        if self._stream is None:
            raise AttributeError(name)
        return getattr(self._stream, name)


# click's own errors (usage errors and the like): the base class of the BadParameter typer re-exports, from
# click itself or, in later typers, from typer's own copy of click.
_CLICK_ERROR: type[Exception] = next(
    base for base in typer.BadParameter.__mro__ if base.__name__ == "ClickException"
)


def _run_app(args: list[str]) -> int:
    if os.environ.get("_LBDEDUP_COMPLETE"):  # a shell asks for completions (see the completion command)
        from typer._completion_classes import completion_init  # typer.completion imports it from here

        completion_init()
    try:
        # Not standalone: typer would turn an Abort into exit code 1 and print "Aborted!"; here each
        # way a command can end gets its own code.
        code = app(args=args, prog_name="lbdedup", standalone_mode=False)
    except _CLICK_ERROR as error:
        error.show()  # type: ignore[attr-defined]  # every click error has show()
        code = getattr(error, "exit_code", EXIT_ERROR)
        return code if isinstance(code, int) and code not in (EXIT_OK, EXIT_FOUND) else EXIT_ERROR
    except typer.Abort as abort:  # Ctrl-C at a prompt, or an EOFError that typer took for one
        if abort.__context__ is None or isinstance(abort.__context__, KeyboardInterrupt):
            return EXIT_INTERRUPTED
        return _internal_error(abort.__context__)
    except SystemExit as stop:  # typer's answer to a broken pipe (exit code 1), or a sys.exit
        if isinstance(stop.__context__, BrokenPipeError):
            print("lbdedup: error: stdout: broken pipe (the reader went away)", file=sys.stderr)
            return EXIT_ERROR
        if stop.code is None or isinstance(stop.code, int):
            code = stop.code or EXIT_OK
            return EXIT_ERROR if code == EXIT_FOUND else code
        print(stop.code, file=sys.stderr)
        return EXIT_ERROR
    except Exception as error:  # MemoryError and RecursionError too: never a traceback, never exit code 1
        return _internal_error(error)
    return code if isinstance(code, int) else EXIT_OK


def _internal_error(error: BaseException) -> int:
    """Report an exception that no command turned into a message: one line, and the traceback if asked for."""
    if os.environ.get("LBDEDUP_DEBUG"):
        import traceback

        traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
    reason = " ".join(str(error).split()) or "no message"
    print(
        f"lbdedup: error: internal error: {type(error).__name__}: {reason[:500]} "
        "(set LBDEDUP_DEBUG=1 for the traceback)",
        file=sys.stderr,
    )
    return EXIT_ERROR
