"""Use the machine's other cores for the stages that work one document (or one block) at a time.

:func:`fork_map` runs a function over parts of the work in forked child processes and in the caller at once.
The children inherit the caller's memory (documents, results) when they fork, so only their answers travel
back, pickled, through a temporary file. Where fork is missing (Windows), unsafe (other threads are running)
or not worth it, everything runs in the caller, in order: the answers are the same either way.
"""

from __future__ import annotations

import contextlib
import os
import struct
import sys
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import IO, Any, TypeVar

__all__ = ["available_jobs", "fork_map", "interleaved_map", "split_evenly", "take_together"]

_Part = TypeVar("_Part")
_Answer = TypeVar("_Answer")

# Below this much work a fork costs more than it saves (starting a child takes a few milliseconds).
MIN_PARALLEL_CHARS = 2_000_000


def available_jobs() -> int:
    """The number of cores this process may run on.

    >>> available_jobs() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def split_evenly(weights: Sequence[int], parts: int) -> list[range]:
    """Cut ``range(len(weights))`` into at most ``parts`` consecutive ranges of about equal total weight.

    >>> split_evenly([5, 1, 1, 1, 1, 1], 2)
    [range(0, 1), range(1, 6)]
    >>> split_evenly([1, 1, 1], 1), split_evenly([], 2)
    ([range(0, 3)], [])
    """
    total = sum(weights)
    ranges: list[range] = []
    start = 0
    running = 0
    for position, weight in enumerate(weights):
        running += weight
        cut = total * (len(ranges) + 1) / parts
        if running >= cut and len(ranges) < parts - 1:
            ranges.append(range(start, position + 1))
            start = position + 1
    if start < len(weights):
        ranges.append(range(start, len(weights)))
    return ranges


def _can_fork() -> bool:
    import threading  # here, not at start-up: most runs never fork

    # A child forked while other threads run may inherit a lock one of them held, and hang on it.
    return hasattr(os, "fork") and sys.platform != "darwin" and threading.active_count() == 1


# A part's number in the pipe the processes take parts from, and how many numbers fit in one page of it:
# beyond that many, consecutive parts are taken together (take_together).
_NUMBER = struct.Struct("=I")
MAX_PARTS = 4096 // _NUMBER.size


def take_together(count: int, most: int = MAX_PARTS) -> list[range]:
    """``range(count)`` cut into at most ``most`` consecutive ranges of one size (the last may be shorter).

    >>> take_together(3), take_together(5, most=2)
    ([range(0, 1), range(1, 2), range(2, 3)], [range(0, 3), range(3, 5)])
    """
    size = -(-count // most)  # ceiling division
    return [range(start, min(start + size, count)) for start in range(0, count, size)] if count else []


def _same(answer: Any) -> Any:
    return answer


def fork_map(
    function: Callable[[_Part], _Answer],
    parts: Sequence[_Part],
    processes: int,
    pack: Callable[[_Answer], Any] = _same,
    unpack: Callable[[Any], _Answer] = _same,
) -> list[_Answer]:
    """``[function(part) for part in parts]``, the parts shared out among ``processes`` processes.

    This process and ``processes - 1`` forked children each take the next part no one has taken, until none
    is left: a process on a slower or busier core simply takes fewer parts, so cut the work into several
    parts a process. Parts are taken in order, so each process meets its own parts in order; of more than
    :data:`MAX_PARTS` parts, a few consecutive ones are taken at a time. No more processes than there are
    parts to take run.
    A child sends ``pack(answer)``, which must be picklable, and this process keeps ``unpack`` of it: a
    cheaper form to pickle can travel instead of the answer itself. A part whose child failed (an exception,
    a signal) is redone here, so an error is raised here, once, as if nothing ran in parallel.

    >>> fork_map(sum, [[1, 2], [3, 4], [5]], processes=2)
    [3, 7, 5]
    >>> fork_map(len, ["ab", "cde"], processes=2, pack=str, unpack=int)
    [2, 3]
    """
    groups = take_together(len(parts))
    processes = min(processes, len(groups))
    if processes < 2 or not _can_fork():
        return [function(part) for part in parts]
    import pickle  # here, not at start-up: most runs never fork
    import signal
    import tempfile

    # The parts to take, as numbers in a pipe, all written before any is read (they fit in one page of its
    # buffer): a read of one number, done under the pipe's lock, takes the next whole one, and an empty
    # pipe whose writing end is closed everywhere says that none is left.
    taking, offering = os.pipe()
    os.write(offering, b"".join(_NUMBER.pack(number) for number in range(len(groups))))
    children: list[tuple[int, IO[bytes]]] = []
    try:
        for _ in range(processes - 1):
            # An unlinked temporary file, not a pipe: the child writes its answers at once and exits,
            # however busy this process still is, and they are read back in one piece from the page cache.
            spool = tempfile.TemporaryFile()  # noqa: SIM115  # closed once the answers are read
            pid = os.fork()
            if pid == 0:  # the child: answer, write, and leave without running the caller's cleanup
                status = 1
                try:
                    os.close(offering)
                    answers = [
                        (number, pack(function(parts[number])))
                        for group in _taken(taking)
                        for number in groups[group]
                    ]
                    pickle.dump(answers, spool, protocol=pickle.HIGHEST_PROTOCOL)
                    spool.flush()
                    status = 0
                finally:
                    os._exit(status)
            children.append((pid, spool))
    finally:
        os.close(offering)
    answered: dict[int, _Answer] = {}
    try:
        for group in _taken(taking):
            for number in groups[group]:
                answered[number] = function(parts[number])
    except BaseException:
        for pid, unread in children:
            unread.close()
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        raise
    finally:
        os.close(taking)
    for pid, answer_file in children:
        _, status = os.waitpid(pid, 0)
        with answer_file:
            if status == 0:
                answer_file.seek(0)
                # The data comes from our own child, never from outside.
                for number, packed in pickle.load(answer_file):
                    answered[number] = unpack(packed)
    # The parts of a child that failed: redone here, in order, their errors raised here.
    return [answered[number] if number in answered else function(part) for number, part in enumerate(parts)]


def _taken(taking: int) -> Iterator[int]:
    """The numbers of the groups of parts this process takes, one at a time, until none is left."""
    while number := os.read(taking, _NUMBER.size):
        yield _NUMBER.unpack(number)[0]


# A frame of interleaved_map's pipe: the length of the answer that follows.
_LENGTH = struct.Struct("=Q")
# The pipe's buffer is raised to this (Linux), so the child can write a whole answer and go on at once.
_PIPE_BYTES = 1 << 20


def interleaved_map(
    function: Callable[[int], bytes], count: int, processes: int
) -> Generator[bytes, None, None]:
    """``function(0), function(1), ... function(count - 1)``, in order, the odd ones made in a forked child.

    For rendering a large report on two cores without holding it: this process makes an answer while the
    child makes the next, and the child's answers stream through a pipe as they are read, so no more than
    an answer or two is held at once. Where the child fails, or fork is missing or unsafe, or ``processes``
    is 1, the answers are made here, the same.

    >>> b"".join(interleaved_map(lambda number: bytes([65 + number]), 5, processes=2))
    b'ABCDE'
    """
    if processes < 2 or count < 2 or not _can_fork():
        for number in range(count):
            yield function(number)
        return
    import signal  # here, not at start-up: most runs never fork

    reading, writing = os.pipe()
    try:
        import fcntl

        fcntl.fcntl(writing, getattr(fcntl, "F_SETPIPE_SZ", 1031), _PIPE_BYTES)
    except (ImportError, OSError):  # not Linux, or over the system's limit: the default buffer works too
        pass
    pid = os.fork()
    if pid == 0:  # the child: the odd answers, framed, then leave without running the caller's cleanup
        status = 1
        try:
            os.close(reading)
            with os.fdopen(writing, "wb") as pipe:
                for number in range(1, count, 2):
                    answer = function(number)
                    pipe.write(_LENGTH.pack(len(answer)))
                    pipe.write(answer)
            status = 0
        finally:
            os._exit(status)
    os.close(writing)
    child_alive = True
    try:
        with os.fdopen(reading, "rb") as pipe:
            for number in range(count):
                if number % 2 == 0 or not child_alive:
                    yield function(number)
                    continue
                header = pipe.read(_LENGTH.size)
                answer = pipe.read(_LENGTH.unpack(header)[0]) if len(header) == _LENGTH.size else b""
                if len(header) < _LENGTH.size or len(answer) != _LENGTH.unpack(header)[0]:
                    child_alive = False  # the child failed: its answers from here on are made here
                    yield function(number)
                    continue
                yield answer
    finally:
        with contextlib.suppress(ProcessLookupError):  # it may have ended already
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
