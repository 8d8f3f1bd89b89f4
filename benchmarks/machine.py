"""What the benchmarks read off the machine: the resident memory of a process tree, and the load average.

Every figure a benchmark prints depends on how busy the machine was, so each
prints the load beside it; the peak memory of a command is the sum over the
whole tree it starts (dlx, its judges and their sandboxes, training children).
"""

from __future__ import annotations

import os

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
                tree.setdefault(parent, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return tree


def tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and all its descendants, in MiB."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as handle:
                total += int(handle.read().split()[1]) * PAGE_KB
        except (OSError, ValueError, IndexError):
            pass
        todo += tree.get(pid, [])
    return total / 1024


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
