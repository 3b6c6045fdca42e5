"""Giving freed memory back to the system between the stages of a large import."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


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
