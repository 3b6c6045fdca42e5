"""Memory during a large import: the cyclic collector, and freed memory given back."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import threading
from collections.abc import Iterator

_paused_lock = threading.Lock()
_paused = 0  # imports running with the collector paused
_was_enabled = False


@functools.cache
def _libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_freed() -> bool:
    """Return the memory freed so far to the system, where the C library can (glibc).

    glibc keeps freed heap memory for reuse; after a stage of a large import
    drops its temporaries, much of it is in pieces the next stage cannot
    reuse, and the process's resident set stays high. ``malloc_trim(0)``
    hands those pages back. Elsewhere (musl, macOS) this does nothing.

    Returns
    -------
    bool
        Whether the C library was asked.
    """
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration (imports nest safely).

    An import holds millions of small containers (the rows of a chunk, the
    values bound for the store, the probable-duplicate pairs). The collector
    walks all of them again and again as they pile up: half of the time
    spent reading a 200 MB file went to it. The import makes no reference
    cycles of its own, so nothing is lost by pausing it; its memory is freed
    by reference counting as before. The collector is switched back on (if it
    was on) when the last import running in the process leaves, and runs once
    then for whatever cycles other code made meanwhile.
    """
    global _paused, _was_enabled
    with _paused_lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _paused_lock:
            _paused -= 1
            resume = _paused == 0 and _was_enabled
            if resume:
                gc.enable()
        if resume:
            gc.collect()
