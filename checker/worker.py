"""The check process: `python -I -B -m checker.worker`.

It imports the heavy, trusted modules first (pytest, numpy, the toolkit) and
only then waits for its one job on stdin, so the parent can start it early and
hand it the job later: the import time overlaps with the parent's own start-up.
One worker runs one job and exits; it is never reused for another learner run.
"""

from __future__ import annotations

import json
import os
import sys


def _warm_up(preload: list[str]) -> None:
    import numpy  # noqa: F401 - imported for its start-up cost
    import pytest  # noqa: F401

    import checker.plugin  # noqa: F401
    import checker.testing  # noqa: F401

    for name in preload:
        __import__(name)


def run_job(job: dict) -> int:
    """Run pytest on one check file against one target; results go to job['result']."""
    import pytest

    from checker.plugin import DlxPlugin

    workdir = job["workdir"]
    os.chdir(workdir)
    ini = os.path.join(workdir, "pytest.ini")
    with open(ini, "w", encoding="utf-8") as handle:
        handle.write("[pytest]\n")
    plugin = DlxPlugin(job["target"], job["module_name"], job["result"], job["token"])
    args = [
        job["check"],
        "-c", ini,               # never read a pytest.ini / pyproject of the learner's
        "--rootdir", workdir,
        "--noconftest",          # nor a conftest.py
        "-p", "no:cacheprovider",
        "-p", "no:terminal",     # the parent renders; pytest's own report is noise
        "-s",                    # learner output goes straight to our capped pipe
        "-W", "default",
    ]
    return int(pytest.main(args, plugins=[plugin]))


def main() -> None:
    preload = [m for m in os.environ.get("DLX_PRELOAD", "").split(",") if m]
    _warm_up(preload)
    line = sys.stdin.readline()
    if not line.strip():
        return  # the parent went away before sending a job (e.g. a spare never used)
    sys.exit(run_job(json.loads(line)))


if __name__ == "__main__":
    main()
