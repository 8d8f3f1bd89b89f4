"""What each of dlx's processes does to itself before it meets learner code.

dlx itself and the judge make themselves non-dumpable (on Linux, no other
process of the same user may then read their memory or open their descriptors
through /proc); the judge and the sandbox cap their address space.  Read by
the check processes too, so it imports the standard library only.
"""

from __future__ import annotations

import sys


def make_undumpable() -> None:
    """Linux: no other process of this user may ptrace this one, read its memory or open its fds via /proc."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except (OSError, AttributeError):  # pragma: no cover - no libc: keep going without it
        pass


def adopt_orphans() -> None:
    """Linux: become a child subreaper, so that every process orphaned below this one is re-parented HERE.

    The judge does this before it starts the sandbox: then no process the learner's code starts can leave
    the judge's tree (a double fork, a parent that exits mid-call), so the memory watcher and the speed
    checks' CPU clock, which sum that tree, neither lose a process nor see their sum go down (CPU that a
    process burned, then taken out of the tree, would make a timed call look faster than free).  Orphans
    that exit stay as zombies of the judge (never reaped by it), still counted, until the run ends.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER = 36
    except (OSError, AttributeError):  # pragma: no cover - no libc
        pass


def limit_memory(memory_mb: int | None) -> None:
    """Cap the address space, so a runaway allocation fails with MemoryError here, not on the machine."""
    _limit("RLIMIT_AS", memory_mb)


def limit_file_size(memory_mb: int | None) -> None:
    """No file written larger than the memory limit: a memfd or a /dev/shm file holds memory outside RLIMIT_AS."""
    _limit("RLIMIT_FSIZE", memory_mb)


def _limit(name: str, megabytes: int | None) -> None:
    if not megabytes:
        return
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows: no rlimits
        return
    limit = int(megabytes) * 1024 * 1024
    try:
        resource.setrlimit(getattr(resource, name), (limit, limit))
    except (ValueError, OSError):
        pass
