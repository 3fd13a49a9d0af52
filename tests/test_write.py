"""Writes that keep what the path is (lbdedup.write) and the errors of writing stdout, in real processes."""

from __future__ import annotations

import errno
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lbdedup.cli import _expand, app
from lbdedup.write import (
    STALE_SECONDS,
    FileChangedError,
    WriteRefusedError,
    own_descriptor,
    temporary_name,
    write_atomic,
)

BLOG = (
    "Storm live: gales close the bridge\n\n"
    "The council said the Skelby bridge would stay closed until engineers had inspected the cables.\n\n"
    "Ferries to the islands were cancelled for the rest of the day, the operator said in a short statement.\n"
)
FLOOD = (
    "The river burst its banks at Elmford shortly after dawn, and volunteers carried sandbags along the "
    "high street while the council opened the school hall as a shelter for families from the lower town."
)
MAYOR = (
    "The mayor told reporters that the clean-up would take weeks rather than days, and asked residents to "
    "keep away from the riverside paths until the water had gone down and the banks had been inspected."
)
OTHER_USER = 1234
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")


def lbdedup(
    args: list[str], cwd: Path, stdout: int | object = subprocess.PIPE, closed_stdout: bool = False
) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m lbdedup`` in ``cwd``; ``closed_stdout`` starts it with stdout closed (``>&-``)."""
    return subprocess.run(
        [sys.executable, "-m", "lbdedup", *args],
        cwd=cwd,
        stdout=stdout,  # type: ignore[arg-type]  # a descriptor, a file object or PIPE
        stderr=subprocess.PIPE,
        preexec_fn=(lambda: os.close(1)) if closed_stdout else None,
        check=False,
        timeout=120,
    )


def one_error_line(done: subprocess.CompletedProcess[bytes], expected: str) -> None:
    """Exit 2 with exactly ``lbdedup: error: <expected>`` on stderr, no traceback."""
    assert (done.returncode, done.stderr.decode().splitlines()) == (2, [f"lbdedup: error: {expected}"])


def leftovers(folder: Path) -> list[str]:
    """Temporary files in ``folder``."""
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    """A small blog in a fresh folder."""
    (tmp_path / "blog.txt").write_text(BLOG, encoding="utf-8")
    return tmp_path / "blog.txt"


def clean_output(folder: Path) -> bytes:
    """What ``clean --provenance none blog.txt`` prints."""
    done = lbdedup(["clean", "--provenance", "none", "blog.txt"], folder)
    assert done.returncode == 0
    return done.stdout


# Regular files


@needs_root
def test_regular_file_is_replaced_keeping_mode_and_owner(tmp_path: Path) -> None:
    """A new inode takes the old file's place with its mode (set-group-ID too) and its owner and group."""
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    os.chown(target, OTHER_USER, OTHER_USER + 1)
    target.chmod(0o2640)
    before = target.stat()
    write_atomic(str(target), [b"new ", b"text\n"])
    after = target.stat()
    assert target.read_bytes() == b"new text\n"
    assert after.st_ino != before.st_ino
    assert (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) == (OTHER_USER, OTHER_USER + 1, 0o2640)
    assert leftovers(tmp_path) == []


def test_new_file_gets_0666_less_the_umask(tmp_path: Path) -> None:
    """A file that did not exist is created with the permissions the umask allows."""
    previous = os.umask(0o027)
    try:
        write_atomic(str(tmp_path / "new.txt"), [b"x\n"])
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk that fills up at the fsync: the old file stays whole, no temporary file, exit 2 in one line."""
    (tmp_path / "blog.txt").write_text(BLOG, encoding="utf-8")
    (tmp_path / "out.txt").write_text("previous run\n")

    def full(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["clean", "-o", "out.txt", "blog.txt"])
    assert (result.exit_code, result.stderr) == (2, "lbdedup: error: out.txt: No space left on device\n")
    assert (tmp_path / "out.txt").read_text() == "previous run\n"
    assert leftovers(tmp_path) == []


def test_unchanged_since_writes_an_untouched_file(tmp_path: Path) -> None:
    """The file as it was read: it is replaced."""
    target = tmp_path / "a.txt"
    target.write_text("read\n")
    write_atomic(str(target), [b"fixed\n"], unchanged_since=target.stat())
    assert target.read_text() == "fixed\n"


@pytest.mark.parametrize("change", ["append", "replace", "remove"])
def test_unchanged_since_keeps_an_edit_made_meanwhile(tmp_path: Path, change: str) -> None:
    """A file appended to, replaced or removed after it was read is not overwritten, and nothing is left."""
    target = tmp_path / "a.txt"
    target.write_text("read\n")
    read = target.stat()

    def chunks() -> Iterator[bytes]:
        yield b"fixed\n"
        if change == "append":
            with open(target, "a") as stream:
                stream.write("added meanwhile\n")
        elif change == "replace":
            (tmp_path / "editor.tmp").write_text("read\n")
            os.replace(tmp_path / "editor.tmp", target)
        else:
            target.unlink()

    with pytest.raises(FileChangedError):
        write_atomic(str(target), chunks(), unchanged_since=read)
    expected = {"append": ["a.txt"], "replace": ["a.txt"], "remove": []}[change]
    assert sorted(os.listdir(tmp_path)) == expected
    if change == "append":
        assert target.read_text() == "read\nadded meanwhile\n"


def test_a_name_of_255_bytes_can_be_written(tmp_path: Path) -> None:
    """The temporary name is cut so that it fits where the target's name just fits."""
    target = tmp_path / ("é" * 127 + "x")  # 255 bytes in UTF-8
    write_atomic(str(target), [b"long\n"])
    assert target.read_bytes() == b"long\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(("where", "reason"), [(".", "Is a directory"), ("none/out.txt", "No such file")])
def test_unwritable_paths_are_one_line_and_exit_2(blog: Path, where: str, reason: str) -> None:
    """A folder, or a path in a missing folder: exit 2, one line naming the path, nothing written."""
    before = sorted(os.listdir(blog.parent))
    done = lbdedup(["clean", "-o", where, "blog.txt"], blog.parent)
    assert done.returncode == 2
    [line] = done.stderr.decode().splitlines()
    assert line.startswith(f"lbdedup: error: {where}: {reason}")
    assert sorted(os.listdir(blog.parent)) == before


# Symlinks


def test_symlink_stays_a_link_and_its_target_is_written(blog: Path) -> None:
    """``-o link`` writes the file the link points to; the link is left as it was."""
    folder = blog.parent
    (folder / "real.txt").write_text("old\n")
    (folder / "link.txt").symlink_to("real.txt")
    assert lbdedup(["clean", "--provenance", "none", "-o", "link.txt", "blog.txt"], folder).returncode == 0
    assert os.readlink(folder / "link.txt") == "real.txt"
    assert (folder / "real.txt").read_bytes() == clean_output(folder)
    assert leftovers(folder) == []


def test_chain_of_symlinks_across_folders(tmp_path: Path) -> None:
    """Every link of a chain stays; the file at its end is replaced, its temporary file next to it."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "real.txt").write_text("old\n")
    (tmp_path / "b" / "second").symlink_to("real.txt")
    (tmp_path / "a" / "first").symlink_to("../b/second")
    (tmp_path / "entry").symlink_to("a/first")
    write_atomic(str(tmp_path / "entry"), [b"new\n"])
    assert [os.readlink(tmp_path / p) for p in ("entry", "a/first", "b/second")] == [
        "a/first",
        "../b/second",
        "real.txt",
    ]
    assert (tmp_path / "b" / "real.txt").read_bytes() == b"new\n"
    assert [leftovers(tmp_path / p) for p in (".", "a", "b")] == [[], [], []]


def test_file_in_a_linked_folder_is_replaced_inside_the_real_folder(tmp_path: Path) -> None:
    """``-o linked/out.txt`` (the folder a link): the file in the real folder is replaced, the link kept."""
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "out.txt").write_text("old\n")
    (tmp_path / "linked").symlink_to("real")
    write_atomic(str(tmp_path / "linked" / "out.txt"), [b"new\n"])
    assert os.readlink(tmp_path / "linked") == "real"
    assert (tmp_path / "real" / "out.txt").read_bytes() == b"new\n"
    assert leftovers(tmp_path / "real") == []


def test_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    """A link to a file not there yet: the file is created, and the link now leads to it."""
    (tmp_path / "link.txt").symlink_to("later.txt")
    write_atomic(str(tmp_path / "link.txt"), [b"made\n"])
    assert (tmp_path / "link.txt").is_symlink()
    assert (tmp_path / "later.txt").read_bytes() == b"made\n"


def test_dangling_symlink_into_a_missing_folder_is_a_clear_error(blog: Path) -> None:
    """A link to a file in a folder that does not exist: one line saying so, exit 2, the link unchanged."""
    (blog.parent / "link.txt").symlink_to("gone/out.txt")
    done = lbdedup(["clean", "-o", "link.txt", "blog.txt"], blog.parent)
    target = blog.parent / "gone" / "out.txt"
    one_error_line(done, f"link.txt: dangling symlink to {target}, whose folder does not exist")
    assert os.readlink(blog.parent / "link.txt") == "gone/out.txt"


def test_symlink_loop_is_a_clear_error(blog: Path) -> None:
    """Links that lead to each other: one line, exit 2, both links unchanged."""
    (blog.parent / "one").symlink_to("two")
    (blog.parent / "two").symlink_to("one")
    one_error_line(
        lbdedup(["clean", "-o", "one", "blog.txt"], blog.parent), "one: Too many levels of symbolic links"
    )
    assert (os.readlink(blog.parent / "one"), os.readlink(blog.parent / "two")) == ("two", "one")


# Hard links


def test_hard_linked_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    """A file with two names is neither split from its other name nor overwritten in place."""
    (tmp_path / "a.txt").write_text("shared\n")
    os.link(tmp_path / "a.txt", tmp_path / "b.txt")
    with pytest.raises(WriteRefusedError, match="2 hard links"):
        write_atomic(str(tmp_path / "a.txt"), [b"new\n"])
    assert (tmp_path / "a.txt").read_text() == (tmp_path / "b.txt").read_text() == "shared\n"
    assert (tmp_path / "a.txt").stat().st_nlink == 2
    assert leftovers(tmp_path) == []


def test_fix_refuses_a_hard_linked_file_in_one_line(tmp_path: Path) -> None:
    """``fix`` on a hard-linked file: exit 2, one line naming it and why, both names keep the text."""
    (tmp_path / "a.txt").write_text(f"Flood live\n\n{FLOOD}\n")
    (tmp_path / "b.txt").write_text(f"Copy\n\n{FLOOD}\n\n{MAYOR}\n")
    os.link(tmp_path / "b.txt", tmp_path / "backup.txt")
    done = lbdedup(["fix", "a.txt", "b.txt"], tmp_path)
    assert done.returncode == 2
    [line] = done.stderr.decode().splitlines()
    assert line.startswith("lbdedup: error: b.txt: cannot be rewritten: it has 2 hard links")
    assert (
        (tmp_path / "b.txt").read_text()
        == (tmp_path / "backup.txt").read_text()
        == f"Copy\n\n{FLOOD}\n\n{MAYOR}\n"
    )


# Owners, as a user who is not root


def as_other_user(folder: Path, action: Callable[[], object]) -> str:
    """Run ``action`` in a forked child as user and group 1234 in ``folder``: "ok" or what it raised."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover  # the child's coverage is not collected
        try:
            os.close(read)
            os.chdir(folder)  # before giving up root: the folders above may be closed to the other user
            os.setgroups([])
            os.setegid(OTHER_USER)
            os.seteuid(OTHER_USER)
            try:
                action()
                outcome = "ok"
            except OSError as error:
                outcome = f"{type(error).__name__}: {error.strerror}"
            os.write(write, outcome.encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as stream:
        outcome = stream.read().decode()
    os.waitpid(child, 0)
    return outcome


@needs_root
def test_file_of_another_user_is_refused_not_taken_over(tmp_path: Path) -> None:
    """Not root, in a folder we may write: a file of another user is left as it is, not replaced by ours."""
    os.chown(tmp_path, OTHER_USER, OTHER_USER)
    (tmp_path / "theirs.txt").write_text("theirs\n")
    os.chown(tmp_path / "theirs.txt", OTHER_USER + 1, OTHER_USER + 1)
    (tmp_path / "theirs.txt").chmod(0o666)
    outcome = as_other_user(tmp_path, lambda: write_atomic("theirs.txt", [b"ours\n"]))
    assert (
        outcome
        == "WriteRefusedError: it belongs to user 1235, left unchanged: replacing it would make it ours"
    )
    assert (tmp_path / "theirs.txt").read_text() == "theirs\n"
    assert (tmp_path / "theirs.txt").stat().st_uid == OTHER_USER + 1
    assert leftovers(tmp_path) == []


@needs_root
def test_own_file_in_a_foreign_group_is_written_and_loses_set_group_id(tmp_path: Path) -> None:
    """Not root: our own file whose group we cannot give keeps its owner and mode, less set-group-ID."""
    os.chown(tmp_path, OTHER_USER, OTHER_USER)
    (tmp_path / "mine.txt").write_text("old\n")
    os.chown(tmp_path / "mine.txt", OTHER_USER, OTHER_USER + 1)
    (tmp_path / "mine.txt").chmod(0o2664)
    assert as_other_user(tmp_path, lambda: write_atomic("mine.txt", [b"new\n"])) == "ok"
    after = (tmp_path / "mine.txt").stat()
    assert (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) == (OTHER_USER, OTHER_USER, 0o664)
    assert (tmp_path / "mine.txt").read_text() == "new\n"


@needs_root
def test_folder_without_write_permission_keeps_the_old_file(tmp_path: Path) -> None:
    """Not root, a folder we may not write: Permission denied, the old file whole, nothing left."""
    (tmp_path / "mine.txt").write_text("old\n")
    os.chown(tmp_path / "mine.txt", OTHER_USER, OTHER_USER)
    os.chown(tmp_path, OTHER_USER, OTHER_USER)
    tmp_path.chmod(0o555)
    try:
        outcome = as_other_user(tmp_path, lambda: write_atomic("mine.txt", [b"new\n"]))
    finally:
        tmp_path.chmod(0o755)
    assert outcome == "PermissionError: Permission denied"
    assert (tmp_path / "mine.txt").read_text() == "old\n"
    assert leftovers(tmp_path) == []


# FIFOs, devices, sockets, our own descriptors


def test_fifo_is_written_directly_and_stays_a_fifo(blog: Path) -> None:
    """``-o fifo`` writes into the FIFO, to a reader on the other end; the FIFO is not replaced."""
    fifo = blog.parent / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as stream:
            received.append(stream.read())

    reader = threading.Thread(target=read)
    reader.start()
    done = lbdedup(["clean", "--provenance", "none", "-o", "pipe", "blog.txt"], blog.parent)
    reader.join(timeout=60)
    assert (done.returncode, done.stderr) == (0, b"")
    assert received == [clean_output(blog.parent)]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_char_device_stays_a_char_device(blog: Path) -> None:
    """``-o`` to a device node (a null device made here, never the real /dev/null) writes to the device."""
    device = blog.parent / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making device nodes is not permitted here")
    done = lbdedup(["clean", "-o", "null", "blog.txt"], blog.parent)
    assert (done.returncode, done.stderr) == (0, b"")
    after = device.lstat()
    assert stat.S_ISCHR(after.st_mode)
    assert after.st_rdev == os.makedev(1, 3)
    assert leftovers(blog.parent) == []


def test_socket_is_refused_and_kept(blog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Unix socket cannot be written as a file: one line, exit 2, the socket still there."""
    monkeypatch.chdir(blog.parent)  # socket paths are short: bind by a relative name
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("sock")
        one_error_line(
            lbdedup(["clean", "-o", "sock", "blog.txt"], blog.parent),
            "sock: is a socket, not a file lbdedup can write",
        )
        assert stat.S_ISSOCK((blog.parent / "sock").lstat().st_mode)


def test_output_to_dev_stdout_goes_to_stdout(blog: Path) -> None:
    """``-o /dev/stdout`` writes what stdout would show, to the pipe the process was given."""
    done = lbdedup(["clean", "--provenance", "none", "-o", "/dev/stdout", "blog.txt"], blog.parent)
    assert (done.returncode, done.stdout, done.stderr) == (0, clean_output(blog.parent), b"")


def test_output_to_dev_stdout_appends_after_append_redirect(blog: Path) -> None:
    """``-o /dev/stdout >> log``: written where the shell opened stdout, after what log held; same file."""
    log = blog.parent / "log.txt"
    log.write_bytes(b"earlier\n")
    inode = log.stat().st_ino
    with open(log, "ab") as stream:
        done = lbdedup(
            ["clean", "--provenance", "none", "-o", "/dev/stdout", "blog.txt"], blog.parent, stream
        )
    assert done.returncode == 0
    assert log.read_bytes() == b"earlier\n" + clean_output(blog.parent)
    assert log.stat().st_ino == inode


def test_own_descriptor_names() -> None:
    """The names of this process's descriptors are recognized through their links, other paths are not."""
    assert own_descriptor("/dev/stdout") == 1
    assert own_descriptor("/dev/fd/7") == 7
    assert own_descriptor(f"/proc/{os.getpid()}/fd/3") == 3
    assert own_descriptor("/proc/1/fd/3") is None or os.getpid() == 1
    assert own_descriptor("/dev/stdoutx") is None


def test_closed_descriptor_is_one_line(blog: Path) -> None:
    """``-o /dev/fd/N`` for a descriptor that is not open: exit 2, one line, nothing created."""
    one_error_line(
        lbdedup(["clean", "-o", "/dev/fd/57", "blog.txt"], blog.parent), "/dev/fd/57: Bad file descriptor"
    )


# stdout errors


STDOUT_COMMANDS = [["clean", "blog.txt"], ["report", "blog.txt"], ["check", "blog.txt"], ["--version"]]


@pytest.mark.parametrize("args", STDOUT_COMMANDS)
def test_stdout_on_a_full_device_is_exit_2_in_one_line(blog: Path, args: list[str]) -> None:
    """``> /dev/full``: exit 2 and one line naming stdout, no traceback."""
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    (blog.parent / "blog.txt").write_text(BLOG + "\n" + BLOG)  # so that check has a line to print
    with open("/dev/full", "wb") as full:
        done = lbdedup(args, blog.parent, full)
    one_error_line(done, "stdout: No space left on device")


@pytest.mark.parametrize("args", STDOUT_COMMANDS)
def test_closed_stdout_is_exit_2_in_one_line(blog: Path, args: list[str]) -> None:
    """Started with stdout closed (``>&-``): exit 2 and one line, no traceback."""
    (blog.parent / "blog.txt").write_text(BLOG + "\n" + BLOG)
    one_error_line(lbdedup(args, blog.parent, None, closed_stdout=True), "stdout: Bad file descriptor")


def test_closed_stdout_with_output_file_is_exit_0(blog: Path) -> None:
    """``clean -o out.txt >&-`` needs no stdout: the file is written, exit 0, nothing on stderr."""
    done = lbdedup(["clean", "blog.txt", "-o", "out.txt"], blog.parent, None, closed_stdout=True)
    assert (done.returncode, done.stderr) == (0, b"")
    assert (blog.parent / "out.txt").read_text(encoding="utf-8").strip()


@pytest.mark.parametrize("args", [["clean"], ["report"], ["clean", "-o", "/dev/stdout"]])
def test_reader_gone_before_the_first_byte_is_a_quiet_exit_0(blog: Path, args: list[str]) -> None:
    """``| head -1`` with head already gone: exit 0, nothing on stderr (clean, report and -o /dev/stdout)."""
    read, write = os.pipe()
    os.close(read)  # nobody will ever read: the first write fails with EPIPE, deterministically
    try:
        done = lbdedup([*args, "blog.txt"], blog.parent, write)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (0, b"")


def test_report_reader_leaving_after_one_line_is_quiet(tmp_path: Path) -> None:
    """``lbdedup report big.txt | head -1``: the report is cut short with exit 0 and nothing on stderr."""
    paragraphs = [f"Paragraph {n}: the {n}th ferry to Skelby stayed in port all day." for n in range(3000)]
    (tmp_path / "big.txt").write_text("\n\n".join(paragraphs * 2) + "\n", encoding="utf-8")
    reader = subprocess.Popen(
        [sys.executable, "-m", "lbdedup", "report", "--top", "3000", "big.txt"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None
    assert reader.stderr is not None
    assert reader.stdout.readline()
    reader.stdout.close()
    assert reader.wait(timeout=120) == 0
    assert reader.stderr.read() == b""


# Kills while writing

KILLED_WRITER = """
import select, signal, sys
from lbdedup.write import write_atomic
{setup}

def chunks():
    yield b"new start\\n"
    print("writing", flush=True)
    # The test's signal arrives here. A bare readline could miss it: a handler that runs just before the
    # read starts leaves it blocked for good. Waiting in short steps gives Python a moment to act on it.
    while not select.select([sys.stdin], [], [], 0.05)[0]:
        pass
    sys.stdin.readline()
    yield b"new end\\n"

try:
    write_atomic(sys.argv[1], chunks())
except BaseException as error:
    print(type(error).__name__, flush=True)
    raise SystemExit(3)
print("done", flush=True)
"""


def killed_writer(target: Path, setup: str, signum: int, go_on: bool) -> tuple[int, list[str], list[str]]:
    """Start writing ``target``, signal it mid-write: exit code, its lines, the temporary files mid-write.

    ``go_on`` lets the write go on after the signal (one that does not stop it); otherwise the writer's stdin
    stays open, so that it can only end by the signal.
    """
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER.format(setup=setup), str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert writer.stdin is not None
    assert writer.stdout is not None
    try:
        assert writer.stdout.readline() == b"writing\n"
        during = leftovers(target.parent)
        writer.send_signal(signum)
        if go_on:
            writer.stdin.write(b"\n")
            writer.stdin.flush()
        code = writer.wait(timeout=60)  # a writer that neither stops nor goes on fails here, not hangs
        return code, writer.stdout.read().decode().split(), during
    finally:
        writer.kill()
        writer.stdin.close()
        writer.stdout.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_kill_mid_write_removes_the_temporary_and_dies_by_the_signal(tmp_path: Path, signum: int) -> None:
    """SIGTERM or SIGHUP mid-write: the temporary file is removed, the old file whole, the process killed."""
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    code, lines, during = killed_writer(target, "", signum, go_on=False)
    assert len(during) == 1
    assert during[0].startswith(".out.txt.")
    assert (code, lines) == (-signum, [])
    assert target.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_ctrl_c_mid_write_removes_the_temporary(tmp_path: Path) -> None:
    """SIGINT mid-write raises KeyboardInterrupt after the temporary file is gone."""
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    # Python raises KeyboardInterrupt on SIGINT unless the process started with it ignored (a background job
    # of a shell without job control, as a CI runner may start the tests): here it is always raised.
    setup = "signal.signal(signal.SIGINT, signal.default_int_handler)"
    code, lines, _ = killed_writer(target, setup, signal.SIGINT, go_on=False)
    assert (code, lines, target.read_text(), leftovers(tmp_path)) == (3, ["KeyboardInterrupt"], "old\n", [])


def test_ignored_hangup_lets_the_write_finish(tmp_path: Path) -> None:
    """Under nohup (SIGHUP ignored), a hangup mid-write changes nothing: the write completes."""
    target = tmp_path / "out.txt"
    code, lines, _ = killed_writer(
        target, "signal.signal(signal.SIGHUP, signal.SIG_IGN)", signal.SIGHUP, go_on=True
    )
    assert (code, lines) == (0, ["done"])
    assert target.read_bytes() == b"new start\nnew end\n"
    assert leftovers(tmp_path) == []


def test_program_handler_runs_and_the_write_is_abandoned(tmp_path: Path) -> None:
    """A program's own SIGTERM handler still runs; the write stops with InterruptedError, nothing left."""
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    setup = "signal.signal(signal.SIGTERM, lambda signum, frame: print('handled', flush=True))"
    code, lines, _ = killed_writer(target, setup, signal.SIGTERM, go_on=False)
    assert (code, lines) == (3, ["handled", "InterruptedError"])
    assert (target.read_text(), leftovers(tmp_path)) == ("old\n", [])


def test_handlers_are_restored_after_a_write(tmp_path: Path) -> None:
    """write_atomic leaves the SIGTERM and SIGHUP handlers as it found them."""
    before = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP))
    write_atomic(str(tmp_path / "out.txt"), [b"x"])
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == before


# Temporary files left by SIGKILL


@pytest.fixture
def stale_folder(tmp_path: Path) -> Path:
    """A new folder, which this process has not listed for temporary files yet."""
    folder = tmp_path / "stale"
    folder.mkdir()
    return folder


def _aged(path: Path, seconds: float) -> Path:
    when = time.time() - seconds
    os.utime(path, (when, when), follow_symlinks=False)
    return path


def test_stale_temporaries_of_the_target_are_removed_and_nothing_else(stale_folder: Path) -> None:
    """Writing out.txt removes old ``.out.txt.<8>.tmp`` files of ours, and keeps every look-alike."""
    old = STALE_SECONDS + 60
    for name in [".out.txt.abcd_123.tmp", ".out.txt.zzzzzzzz.tmp"]:
        (stale_folder / name).write_bytes(b"left by a kill")
        _aged(stale_folder / name, old)
    keep = {
        ".out.txt.young123.tmp": STALE_SECONDS / 2,  # may be a live writer's
        ".out.txt.short.tmp": old,  # not our pattern
        ".out.txt.ABCDEFGH.tmp": old,  # not our letters
        ".other.txt.abcdefgh.tmp": old,  # another target's
        "out.txt.abcdefgh.tmp": old,  # not hidden
    }
    for name, age in keep.items():
        (stale_folder / name).write_bytes(b"keep")
        _aged(stale_folder / name, age)
    (stale_folder / "elsewhere").write_bytes(b"a link's target")
    (stale_folder / ".out.txt.linked00.tmp").symlink_to("elsewhere")
    _aged(stale_folder / ".out.txt.linked00.tmp", old)
    os.link(stale_folder / "elsewhere", stale_folder / ".out.txt.hardlnk0.tmp")
    _aged(stale_folder / ".out.txt.hardlnk0.tmp", old)
    write_atomic(str(stale_folder / "out.txt"), [b"new\n"])
    assert sorted(os.listdir(stale_folder)) == sorted(
        [*keep, "elsewhere", ".out.txt.linked00.tmp", ".out.txt.hardlnk0.tmp", "out.txt"]
    )


@needs_root
def test_stale_temporary_of_another_user_is_kept(stale_folder: Path) -> None:
    """An old file of our pattern that belongs to someone else is not ours to remove."""
    theirs = stale_folder / ".out.txt.abcdefgh.tmp"
    theirs.write_bytes(b"theirs")
    os.chown(theirs, OTHER_USER, OTHER_USER)
    _aged(theirs, STALE_SECONDS + 60)
    write_atomic(str(stale_folder / "out.txt"), [b"new\n"])
    assert theirs.exists()


def test_temporaries_are_never_read_as_input(tmp_path: Path) -> None:
    """A folder walk (``index build folder/``) passes over temporary files, whatever the target's suffix."""
    (tmp_path / "a.txt").write_text("text\n")
    (tmp_path / temporary_name("a.txt", "abcdefgh")).write_text("half written\n")
    (tmp_path / temporary_name("b.md", "abcdefgh")).write_text("half written\n")
    assert list(_expand([str(tmp_path)])) == [str(tmp_path / "a.txt")]


# fix


def _fix_pair(folder: Path) -> tuple[Path, Path]:
    (folder / "a.txt").write_text(f"Flood live\n\n{FLOOD}\n")
    (folder / "real").mkdir()
    (folder / "real" / "b.txt").write_text(f"Copy\n\n{FLOOD}\n\n{MAYOR}\n")
    return folder / "a.txt", folder / "real" / "b.txt"


def test_fix_through_a_symlink_rewrites_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    """``fix`` given a link rewrites the file it leads to; the link stays a link to it."""
    _, real = _fix_pair(tmp_path)
    (tmp_path / "b.txt").symlink_to("real/b.txt")
    done = lbdedup(["fix", "a.txt", "b.txt"], tmp_path)
    assert done.returncode == 1, done.stderr
    assert os.readlink(tmp_path / "b.txt") == "real/b.txt"
    assert real.read_text() == f"Copy\n\n{MAYOR}\n"
    assert leftovers(tmp_path / "real") == []


@needs_root
def test_fix_as_root_keeps_mode_and_owner(tmp_path: Path) -> None:
    """``fix`` run by root leaves a user's file theirs, with its permissions."""
    _, real = _fix_pair(tmp_path)
    os.chown(real, OTHER_USER, OTHER_USER)
    real.chmod(0o604)
    assert lbdedup(["fix", "a.txt", "real/b.txt"], tmp_path).returncode == 1
    after = real.stat()
    assert (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) == (OTHER_USER, OTHER_USER, 0o604)
    assert real.read_text() == f"Copy\n\n{MAYOR}\n"
