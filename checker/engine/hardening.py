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


# seccomp_data offsets, and the (arch, rt_sigaction number) of the machines a filter is made for.
_SECCOMP_NR, _SECCOMP_ARCH, _SECCOMP_ARG0, _SECCOMP_ARG1 = 0, 4, 16, 24
_RT_SIGACTION = {"x86_64": (0xC000003E, 13), "aarch64": (0xC00000B7, 134)}


def forbid_unwaited_children() -> bool:
    """Linux: this process and all it starts may not change how SIGCHLD is handled (EPERM); True if in force.

    A process's CPU time reaches its parent's clock of reaped children (cutime) only when the parent WAITS for
    it.  With SIGCHLD ignored (or SA_NOCLDWAIT), the kernel reaps children itself and their CPU time is added
    to nobody's: a child that burned CPU, then exits during a timed call, makes the speed checks' clock (a sum
    over the learner's processes) go backwards.  Setting SIGCHLD's disposition is the only way to get there,
    so a seccomp filter (inherited by every child, never removable) refuses it; reading it stays allowed.
    Syscalls of another ABI (32-bit, x32) are refused too, so the filter cannot be walked around.
    """
    import os

    if not sys.platform.startswith("linux") or os.uname().machine not in _RT_SIGACTION:
        return False
    import ctypes
    import signal

    arch, nr = _RT_SIGACTION[os.uname().machine]
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_JMP|JGE|K, BPF_RET|K
    allow, deny = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM
    program = [  # (code, jump if true, jump if false, k); a jump skips that many instructions; 11: deny, 12: allow
        (ld, 0, 0, _SECCOMP_ARCH), (jeq, 0, 9, arch),               # another ABI: refused
        (ld, 0, 0, _SECCOMP_NR), (jge, 7, 0, 0x40000000),           # x32 syscalls: refused
        (jeq, 0, 7, nr),                                            # not rt_sigaction: allowed
        (ld, 0, 0, _SECCOMP_ARG0), (jeq, 0, 5, int(signal.SIGCHLD)),  # another signal: allowed
        (ld, 0, 0, _SECCOMP_ARG1), (jeq, 0, 2, 0),                  # a new action (low half non-zero): refused
        (ld, 0, 0, _SECCOMP_ARG1 + 4), (jeq, 1, 0, 0),              # only a query (act == NULL): allowed
        (ret, 0, 0, deny), (ret, 0, 0, allow),
    ]

    class Filter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]

    filters = (Filter * len(program))(*program)
    fprog = Program(len(program), filters)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS, required to install a filter unprivileged
            return False
        return libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) == 0  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
    except (OSError, AttributeError):  # pragma: no cover - no libc
        return False


def landlock_abi() -> int:
    """The Landlock ABI version this kernel offers (0: none; 6 and up also scope signals)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        return max(0, int(libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))))  # ..._VERSION
    except (OSError, AttributeError):  # pragma: no cover - no libc
        return 0


def confine_to_own_domain() -> bool:
    """Linux (Landlock): this process and all it starts may not reach any process outside them; True if in force.

    Processes of the same user may otherwise ptrace one another, open each other's memory (/proc/PID/mem),
    take copies of each other's descriptors (pidfd_getfd) while dumpable, and signal one another.  Learner code
    of one run then freezes the judge of another run (`dlx verify --jobs 2`) in the instant before it makes
    itself non-dumpable, takes its job and report sockets and writes a passing report for it; or it stops dlx
    itself with SIGSTOP so that no timeout fires.  A Landlock domain denies every ptrace-like access from inside
    to a process outside it (whatever the user, root included), and with ABI 6 (Linux 6.12) every signal to
    one.  The filesystem is not restricted: the ruleset handles only the making of block devices, which no
    learner code needs.  Requires no_new_privs, set here.
    """
    abi = landlock_abi()
    if abi < 1:
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        make_block, scope_signal = 1 << 11, 1 << 1  # LANDLOCK_ACCESS_FS_MAKE_BLOCK, LANDLOCK_SCOPE_SIGNAL
        attr = (ctypes.c_uint64 * 3)(make_block, 0, scope_signal if abi >= 6 else 0)
        size = 24 if abi >= 6 else 8  # handled_access_fs, handled_access_net (ABI 4), scoped (ABI 6)
        ruleset = libc.syscall(444, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
        if ruleset < 0:
            return False
        try:
            if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
                return False
            return libc.syscall(446, ctypes.c_int(ruleset), ctypes.c_uint32(0)) == 0  # landlock_restrict_self
        finally:
            import os

            os.close(ruleset)
    except (OSError, AttributeError):  # pragma: no cover - no libc
        return False


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
