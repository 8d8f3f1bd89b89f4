"""A process and everything below it, from /proc: what the learner's processes hold and have spent together.

The memory limit (RLIMIT_AS) and a process's CPU clock each see one process;
learner code that forks gets a limit and a clock of its own.  The supervisor
sums the resident memory of every process below the judge, and the speed checks
their CPU time.  Read by the judge too, so it imports the standard library only.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def _table() -> tuple[dict[int, int], dict[int, list[str]]]:
    """pid -> parent pid, and pid -> the fields of /proc/pid/stat after the command name."""
    parents: dict[int, int] = {}
    fields: dict[int, list[str]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return parents, fields
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        rest = stat[stat.rfind(")") + 2:].split()
        if len(rest) > 12:
            parents[int(entry)] = int(rest[1])
            fields[int(entry)] = rest
    return parents, fields


def tree(root: int) -> set[int]:
    """`root` and every process below it, whatever session or group they moved to (while their parents live)."""
    parents, _ = _table()
    below = {root} if root in parents else set()
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in below and pid not in below:
                below.add(pid)
                changed = True
    return below


def resident_mb(pids: set[int]) -> float:
    """Resident memory of these processes together, in MiB."""
    pages = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
                pages += int(handle.read().split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def below(root: int) -> set[int]:
    """Every process below `root`, not `root` itself.

    The learner's processes are everything below the JUDGE, not only below the sandbox: clone(CLONE_PARENT)
    (or a fork from such a process) makes the sandbox a sibling whose parent is the judge, never orphaned (so
    never adopted by dlx's subreaper), and outside the sandbox's own tree.  The judge starts nothing else.
    """
    return tree(root) - {root}


def tree_resident_mb(root: int, include_root: bool = True) -> float:
    """Resident memory (MiB) of `root` (unless `include_root` is False) and every process below it."""
    return resident_mb(tree(root) if include_root else below(root))


def tree_cpu_seconds(root: int, include_root: bool = True) -> float:
    """CPU seconds spent by `root` (unless `include_root` is False), every process below it, and the
    children they have already reaped.

    Each living process's CPU clock (ns resolution, all its threads), plus the
    reaped children's time the kernel adds to their parent (cutime + cstime).
    """
    parents, fields = _table()
    pids = tree(root) if include_root else below(root)
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            total += time.clock_gettime((~pid << 3) | 2)  # CPUCLOCK_SCHED of the whole process
        except OSError:
            rest = fields.get(pid)
            if rest:
                total += (int(rest[11]) + int(rest[12])) / ticks
        rest = fields.get(pid)
        if rest:
            total += (int(rest[13]) + int(rest[14])) / ticks  # children it reaped
    return total


def holders(inodes: set[int], allowed: set[int]) -> set[int]:
    """Processes other than `allowed` that hold a socket of these inodes (visible for dumpable processes only).

    The learner's processes are dumpable: if one took a copy of a judge's channel, it shows here.
    """
    if not inodes:
        return set()
    wanted = {f"socket:[{inode}]" for inode in inodes}
    found = set()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit() or int(entry) in allowed:
            continue
        try:
            fds = os.listdir(f"/proc/{entry}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{entry}/fd/{fd}") in wanted:
                    found.add(int(entry))
                    break
            except OSError:
                continue
    return found
