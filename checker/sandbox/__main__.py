"""The sandbox process: `python -I -B -m checker.sandbox`, the only place the learner's code runs.

The judge starts it with one end of a socket pair and its own empty working
directory.  It imports numpy (and TensorFlow/Keras for those exercises) while
the learner types, says it is ready, and then serves the judge's requests: load
the learner's file, call a function, read an attribute, apply an operator.  It
holds no report, no token and no pipe to dlx: whatever the learner's code does
here, the grade is decided in the judge, from the values that crossed.
"""

from __future__ import annotations

import os
import socket
import sys


def main() -> None:
    from checker.channel import wire
    from checker.channel.sandbox_end import SandboxEnd
    from checker.engine.hardening import confine_to_own_domain, forbid_unwaited_children
    from checker.engine.warmup import SANDBOX_MODULES, warm_up
    from checker.sandbox import operations

    fd = int(os.environ.pop("DLX_RPC_FD"))
    sock = socket.socket(fileno=fd)
    preload = [m for m in os.environ.get("DLX_PRELOAD", "").split(",") if m]
    warm_up(SANDBOX_MODULES, preload)
    # Before any learner code: no process of the learner's may have its children reaped unseen, their CPU
    # time lost to the speed checks' clock, nor reach (ptrace, /proc/PID/mem, pidfd_getfd, signals) a process
    # that is not one of its own: dlx, this judge, another run's judge (see hardening).
    forbid_unwaited_children()
    confine_to_own_domain()
    end = SandboxEnd(sock)
    operations.register(end)
    wire.send_message(sock, {"k": "ready", "nbuf": 0}, [])
    end.serve_forever()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(0)  # no atexit or __del__ of the learner's runs after the judge is done


if __name__ == "__main__":
    main()
