"""Writing a file without destroying what its path is: the one way lbdedup writes (``clean -o``, ``fix``).

What the path is decides how :func:`write_atomic` writes it:

- a regular file, or nothing yet: a temporary file ``.NAME.<8 random>.tmp`` in the same folder is written,
  flushed and fsynced, given the old file's mode and owner, renamed over the path, and the folder is fsynced.
  A failure, a kill or a crash leaves the old file or the new one, never a mix and never a partial file;
- a symlink: the whole chain is resolved and its target written as above, so the link stays a link (a
  dangling link's target is created when its folder exists);
- one of this process's own descriptors (``/dev/stdout``, ``/dev/fd/N``, ``/proc/self/fd/N``): written
  through that descriptor, where the shell's ``>`` or ``>>`` put it;
- a FIFO, a device or anything else that is not a regular file: opened and written directly, never
  replaced or unlinked;
- a regular file with more than one hard link, or one owned by another user that we cannot give back to
  them: refused with :class:`WriteRefusedError` (see :func:`write_atomic` for why).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = [
    "REPORT_SHARD",
    "FileChangedError",
    "WriteRefusedError",
    "own_descriptor",
    "remove_shards_from",
    "temporary_name",
    "write_atomic",
    "write_behind",
    "write_refusal",
]

# Rendered chunks waiting for the writer thread: enough to keep it busy, few enough to hold little memory
# (a chunk is a batch of blocks, about a megabyte of JSON).
_WRITE_BEHIND_CHUNKS = 4
# A temporary file of ours this old, next to the file we are about to write, was left by a killed run: a
# live writer touches its file at every chunk, so ten minutes of silence is a run that is gone (or stopped;
# such a run then fails at its rename, with the newer file in place, and loses nothing).
STALE_SECONDS = 10 * 60
# The same letters as tempfile's names, so that files left by versions that used tempfile are recognized.
_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789_"
# Bytes of the target's name kept in a temporary name: "." + 240 + ".xxxxxxxx.tmp" stays within the 255
# bytes a name may have.
_NAME_BYTES = 240
_LOOKS_TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp", re.DOTALL)
_OWN_DESCRIPTOR = re.compile(r"/proc/(self|thread-self|\d+)(?:/task/\d+)?/fd/(\d+)|/dev/fd/(\d+)")
_STANDARD_STREAMS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
# Held back while a temporary file is created and its name noted, so that no kill in between leaves it.
_TERMINATING = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


_HARD_LINK_ADVICE = (
    "replacing it would split them and writing it in place is not crash-safe; give it a copy of its own "
    "first: cp -p, then mv"
)


# A file nobody may write (no write bit at all): a rename needs only the folder, so the mode is asked here,
# as an editor asks before it overwrites a read-only file; root included, which the kernel would let through.
_READ_ONLY = "it is read-only (no write permission in its mode)"
_READ_ONLY_ADVICE = "make it writable first (chmod u+w) to have it rewritten"


def _read_only(found: os.stat_result) -> bool:
    return found.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0


# The signals that stop a run (Ctrl-C, kill, a closed terminal), where the platform has them.
_STOP_SIGNALS = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)}


class WriteRefusedError(OSError):
    """A write lbdedup will not do: it would change more than the file's content (``strerror`` says what)."""


class FileChangedError(WriteRefusedError):
    """The file changed (or went) since it was read: writing would lose that change."""


def write_behind(write: Callable[[bytes], object], chunks: Iterable[bytes]) -> None:
    """``for chunk in chunks: write(chunk)``, the writes on a second thread while the next chunks are made.

    A write releases the GIL while the kernel copies the bytes (a large report spends a third of its
    rendering time there), so on a second core it costs the rendering nothing. The first error a write
    raises is raised here, after the thread has stopped; no chunk is made after it.

    >>> written = []
    >>> write_behind(written.append, iter([b"a", b"b"]))
    >>> written
    [b'a', b'b']
    """
    import queue
    import threading

    pending: queue.Queue[bytes | None] = queue.Queue(_WRITE_BEHIND_CHUNKS)
    failures: list[BaseException] = []

    def drain() -> None:
        while (chunk := pending.get()) is not None:
            if not failures:
                try:
                    write(chunk)
                except BaseException as error:  # any error, even KeyboardInterrupt: raised by the caller
                    failures.append(error)

    writer = threading.Thread(target=drain, name="lbdedup-writer", daemon=True)
    # The writer starts with the stop signals blocked (a thread takes its mask from its creator), so they all
    # go to the main thread, which handles them: one the kernel gave the writer instead would leave the main
    # thread in a blocking call (a read, a full queue) that nothing interrupts.
    if hasattr(signal, "pthread_sigmask"):
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            writer.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    else:
        writer.start()
    try:
        for chunk in chunks:
            if failures:
                break
            pending.put(chunk)
    finally:
        pending.put(None)
        writer.join()
    if failures:
        raise failures[0]


def write_atomic(path: str, chunks: Iterable[bytes], unchanged_since: os.stat_result | None = None) -> None:
    """Write ``chunks`` to ``path`` by the rules of this module's docstring; errors are :class:`OSError`.

    With ``unchanged_since`` (the file's ``os.stat`` when it was read), a regular file is replaced only if it
    still is that file with that size and modification time, checked just before the rename; otherwise
    :class:`FileChangedError` is raised and the file is left as it is (an edit made meanwhile is kept).

    Hard links: a rename would split them (the other names keep the old text) and a write in place is not
    crash-safe and changes every name at once, which is wrong when the other name is a backup (``cp -al``,
    rsnapshot). Only the user knows which they meant, so such a file is refused, unchanged, with a message
    saying how to go on. A file owned by another user that we cannot chown back is refused too: replacing
    it would hand it to us (as ``fix`` run by root used to hand files to root).

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> write_atomic(os.path.join(folder, "out.txt"), [b"new ", b"text\\n"])
    >>> open(os.path.join(folder, "out.txt"), "rb").read(), os.listdir(folder)
    (b'new text\\n', ['out.txt'])
    """
    descriptor = own_descriptor(path)
    if descriptor is not None:
        _write_descriptor(descriptor, chunks)
        return
    try:
        found: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        found = None
    if found is not None and not stat.S_ISREG(found.st_mode):
        _write_in_place(path, found, chunks)
        return
    if not os.path.islink(path):  # as given: folders on the way may be links, the rename stays inside one
        _replace(path, found, chunks, unchanged_since)
        return
    target = os.path.realpath(path)
    if found is None and not os.path.isdir(os.path.dirname(target)):
        raise FileNotFoundError(errno.ENOENT, f"dangling symlink to {target}, whose folder does not exist")
    _replace(target, found, chunks, unchanged_since)


def write_refusal(path: str) -> str | None:
    """Why :func:`write_atomic` would refuse to replace the regular file at ``path``, or None.

    For callers that write many files and must refuse before writing any (``fix``): a file with more than
    one hard link, or one owned by another user when we cannot give it back (not root).

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> open(os.path.join(folder, "a.txt"), "w").close()
    >>> write_refusal(os.path.join(folder, "a.txt")) is None
    True
    >>> os.link(os.path.join(folder, "a.txt"), os.path.join(folder, "b.txt"))
    >>> write_refusal(os.path.join(folder, "a.txt"))[:19]
    'it has 2 hard links'
    """
    try:
        found = os.stat(path)
    except OSError:
        return None  # write_atomic says what is wrong with it, in its own words
    if not stat.S_ISREG(found.st_mode):
        return None
    if found.st_nlink > 1:
        return f"it has {found.st_nlink} hard links ({_HARD_LINK_ADVICE})"
    if _read_only(found):
        return f"{_READ_ONLY}; {_READ_ONLY_ADVICE}"
    if hasattr(os, "geteuid") and os.geteuid() != 0 and found.st_uid != os.geteuid():
        return f"it belongs to user {found.st_uid}: replacing it would make it ours"
    return None


def own_descriptor(path: str) -> int | None:
    """The number of this process's open-file descriptor that ``path`` names, or None when it names none.

    Symlinks are followed one at a time, so ``/dev/stdout`` (a link to ``/proc/self/fd/1``) is 1 however
    the shell opened it.

    >>> own_descriptor("/dev/stdout"), own_descriptor("/dev/fd/2"), own_descriptor("out.txt")
    (1, 2, None)
    """
    current = os.path.abspath(path)
    for _ in range(40):  # the kernel's own limit on links followed
        current = os.path.join(os.path.realpath(os.path.dirname(current)), os.path.basename(current))
        if current in _STANDARD_STREAMS:
            return _STANDARD_STREAMS[current]
        named = _OWN_DESCRIPTOR.fullmatch(current)
        if named is not None and named[1] in (None, "self", "thread-self", str(os.getpid())):
            return int(named[2] or named[3])
        try:
            link = os.readlink(current)
        except OSError:  # not a link (or not there): a path like any other
            return None
        current = os.path.join(os.path.dirname(current), link)
    return None


def temporary_name(name: str, letters: str) -> str:
    """The name of a temporary file for the file ``name``: hidden, and ending in ``.tmp``, so never read.

    >>> temporary_name("a.txt", "k2x9_0qa")
    '.a.txt.k2x9_0qa.tmp'
    """
    kept = os.fsdecode(os.fsencode(name)[:_NAME_BYTES])
    return f".{kept}.{letters}.tmp"


def _write_descriptor(descriptor: int, chunks: Iterable[bytes]) -> None:
    # A copy of the descriptor writes at its offset (or appends, after >>) and closing it leaves the original.
    with os.fdopen(os.dup(descriptor), "wb") as stream:
        for chunk in chunks:
            stream.write(chunk)


def _write_in_place(path: str, found: os.stat_result, chunks: Iterable[bytes]) -> None:
    if stat.S_ISDIR(found.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
    if stat.S_ISSOCK(found.st_mode):
        raise WriteRefusedError(errno.ENXIO, "is a socket, not a file lbdedup can write")
    # No O_CREAT and no O_TRUNC: the path stays what it is (a FIFO, a terminal, /dev/null).
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC), "wb") as stream:
        # Written here, not behind: a FIFO whose reader stops would leave a writer thread blocked for good.
        for chunk in chunks:
            stream.write(chunk)


def _replace(
    target: str, found: os.stat_result | None, chunks: Iterable[bytes], unchanged_since: os.stat_result | None
) -> None:
    if found is not None and found.st_nlink > 1:
        raise WriteRefusedError(
            errno.EMLINK,
            f"it has {found.st_nlink} hard links, left unchanged: {_HARD_LINK_ADVICE}",
        )
    if found is not None and _read_only(found):
        raise WriteRefusedError(errno.EACCES, f"{_READ_ONLY}, left unchanged: {_READ_ONLY_ADVICE}")
    folder, name = os.path.split(target)
    folder = folder or os.curdir
    _remove_stale(folder, name)
    with _termination_raises():
        created: list[str] = []
        renamed = False
        try:
            descriptor = _create_temporary(folder, name, found is None, created)
            with os.fdopen(descriptor, "wb") as stream:
                if found is not None:
                    _keep_owner_and_mode(descriptor, found)
                write_behind(stream.write, chunks)
                stream.flush()
                os.fsync(descriptor)
            if unchanged_since is not None:
                _check_unchanged(target, unchanged_since)
            os.replace(created[0], target)
            renamed = True
        except BaseException:
            for temporary in created if not renamed else []:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            raise
    _sync_folder(folder)


def _check_unchanged(target: str, before: os.stat_result) -> None:
    try:
        now = os.stat(target)
    except FileNotFoundError:
        raise FileChangedError(errno.ESTALE, "it was removed while lbdedup ran, not written again") from None
    if (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns) != (
        before.st_dev,
        before.st_ino,
        before.st_size,
        before.st_mtime_ns,
    ):
        raise FileChangedError(errno.ESTALE, "it changed while lbdedup ran, left as it is now")


def _create_temporary(folder: str, name: str, fresh: bool, created: list[str]) -> int:
    """Create a new temporary file for ``name`` in ``folder``, note its path in ``created``, open it."""
    import secrets

    # A new file is created with 0666 and the kernel applies the umask (and a default ACL); a replacement
    # starts private and gets the old file's mode before anything is written.
    mode = 0o666 if fresh else 0o600
    for _ in range(100):
        path = os.path.join(folder, temporary_name(name, "".join(secrets.choice(_LETTERS) for _ in range(8))))
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _TERMINATING)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
            created.append(path)
            return descriptor
        except FileExistsError:
            continue
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    raise FileExistsError(errno.EEXIST, "no free temporary file name next to it")


def _keep_owner_and_mode(descriptor: int, found: os.stat_result) -> None:
    mode = stat.S_IMODE(found.st_mode)
    ours = os.fstat(descriptor)
    if (ours.st_uid, ours.st_gid) != (found.st_uid, found.st_gid):
        try:
            os.fchown(descriptor, found.st_uid, found.st_gid)  # first: a chown clears set-user-ID bits
        except OSError:
            if found.st_uid != ours.st_uid:
                raise WriteRefusedError(
                    errno.EPERM,
                    f"it belongs to user {found.st_uid}, left unchanged: replacing it would make it ours",
                ) from None
            # Our own file in a group we cannot give: the group becomes ours, and a set-group-ID bit, which
            # would now mean our group, is dropped.
            mode &= ~(stat.S_ISUID | stat.S_ISGID)
    os.fchmod(descriptor, mode)


def _sync_folder(folder: str) -> None:
    # The rename is durable once the folder is on disk; some file systems cannot fsync a folder, and the
    # file is written either way, so this is best effort.
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


# Folder (device, inode) -> names in it that look like our temporary files, listed once per process: a fix
# of thousands of files in one folder reads the folder once, not once a file.
_candidates: dict[tuple[int, int], set[str]] = {}


def _remove_stale(folder: str, name: str) -> None:
    """Remove ``.NAME.<8 letters>.tmp`` files next to ``name`` that a killed run of ours left.

    Only files of that exact pattern, regular, with one link, owned by us and untouched for
    :data:`STALE_SECONDS` are removed; anything that cannot be checked is left.
    """
    try:
        found = os.stat(folder)
        key = (found.st_dev, found.st_ino)  # not the name: "." is another folder after a chdir
        if key not in _candidates:
            with os.scandir(folder) as entries:
                _candidates[key] = {e.name for e in entries if _LOOKS_TEMPORARY.fullmatch(e.name)}
    except OSError:  # the write itself will say what is wrong with the folder
        return
    kept = os.fsdecode(os.fsencode(name)[:_NAME_BYTES])
    ours = re.compile(re.escape(f".{kept}.") + r"[a-z0-9_]{8}\.tmp", re.DOTALL)
    for candidate in [c for c in _candidates[key] if ours.fullmatch(c)]:
        _candidates[key].discard(candidate)
        path = os.path.join(folder, candidate)
        with contextlib.suppress(OSError):
            found = os.lstat(path)
            if (
                stat.S_ISREG(found.st_mode)
                and found.st_nlink == 1
                and found.st_uid == os.geteuid()
                and time.time() - found.st_mtime > STALE_SECONDS
            ):
                os.unlink(path)


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived while a temporary file existed (not an Exception: nothing may swallow it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _termination_raises() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Terminated` inside, so the temporary file is removed on the way out.

    Then the signal is delivered again with the handlers it had before: with the default action the process
    ends as it would have, killed by that signal. A signal the program ignores (``nohup``) stays ignored;
    off the main thread, where Python cannot set handlers, nothing changes. SIGINT already raises
    KeyboardInterrupt.
    """
    import threading

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Terminated(signum)

    previous: dict[int, Callable[[int, FrameType | None], Any] | int] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGHUP):
            before = signal.getsignal(signum)
            if before is not None and before != signal.SIG_IGN:
                previous[signum] = before
                signal.signal(signum, handler)

    def restore() -> None:
        while previous:
            signum, before = previous.popitem()
            signal.signal(signum, before)

    try:
        yield
    except Terminated as stop:
        restore()
        os.kill(os.getpid(), stop.signum)
        # Still here: the program has a handler of its own, which has run; the write did not happen.
        name = signal.Signals(stop.signum).name
        raise InterruptedError(errno.EINTR, f"interrupted by {name}, left unchanged") from None
    finally:
        restore()


# The shards of a report in an output folder: report-00000.jsonl, report-00001.jsonl, ...
REPORT_SHARD = re.compile(r"report-[0-9]{5,}\.jsonl")


def remove_shards_from(folder: str, count: int) -> None:
    """Remove the report shards numbered ``count`` and up in ``folder``: an earlier, longer run's.

    A reader of ``report-*.jsonl`` must not find blocks of another run. An OSError names the shard.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> for name in ("report-00000.jsonl", "report-00001.jsonl", "report-1.jsonl"):
    ...     open(os.path.join(folder, name), "w").close()
    >>> remove_shards_from(folder, 1)
    >>> sorted(os.listdir(folder))
    ['report-00000.jsonl', 'report-1.jsonl']
    """
    for name in os.listdir(folder):
        if REPORT_SHARD.fullmatch(name) and int(name[7:-6]) >= count:
            path = os.path.join(folder, name)
            try:
                os.unlink(path)
            except OSError as error:
                raise OSError(
                    error.errno, f"an older shard cannot be removed ({error.strerror})", path
                ) from None
