"""Keeping freed memory in the process for the torch loops on CPU (Linux, glibc).

A training step of a CNN allocates and frees the same activations, tens of
megabytes, again and again. glibc's ``malloc`` hands blocks above its mmap
threshold (128 KiB, raised as it goes up to 32 MiB) back to the kernel when they
are freed, and trims the top of its heap past 128 KiB of free memory, so each step
maps the same memory anew and takes a page fault on every 4 KiB page of it. On a
2-core AMD EPYC, end-to-end HashNet training spent a fifth of its CPU time in the
kernel that way (508 million page faults over a 60-minute run).

:func:`keep_freed_memory` raises both thresholds (``mallopt``), once per process,
so freed blocks stay in the heap for the next step: memory that the process has
used once stays mapped (up to about 1 GiB above what is in use) instead of being
returned between steps. It changes no arithmetic, only where the memory comes from.
It does nothing on other platforms or C libraries, when any ``MALLOC_*`` variable
or ``GLIBC_TUNABLES`` is set (the user has chosen), or when ``HASHLEARN_MALLOC`` is
``system``.

>>> keep_freed_memory() in (True, False)
True
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["keep_freed_memory"]

# mallopt parameters (glibc's malloc.h) and the values set.
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
SETTINGS = {M_MMAP_THRESHOLD: 256 << 20, M_TRIM_THRESHOLD: 1 << 30, M_TOP_PAD: 256 << 20}
USER_CHOICE = (
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TRIM_THRESHOLD_",
    "MALLOC_TOP_PAD_",
    "GLIBC_TUNABLES",
)

_in_force = False


def _user_has_chosen() -> bool:
    return os.environ.get("HASHLEARN_MALLOC") == "system" or any(
        name in os.environ for name in USER_CHOICE
    )


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds once; True when they are in force."""
    global _in_force
    if _in_force or not sys.platform.startswith("linux") or _user_has_chosen():
        return _in_force
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return False
    if not hasattr(libc, "gnu_get_libc_version"):  # glibc only (musl's mallopt does nothing)
        return False
    _in_force = all(libc.mallopt(param, value) == 1 for param, value in SETTINGS.items())
    return _in_force
