"""Run hidden checks with plain pytest, for course authors and for comparison.

    python -m pytest -p checker.judge.pytest_dlx --dlx-target exercises/week1/01_mse.py \
        checker/checks/week1/test_mse.py

This is the same plugin the judge uses (the `ex` fixture, the learner frames in
messages), but in one ordinary, cold pytest process with pytest's own report,
and without dlx's isolation: the learner's file is loaded in this process,
through a local end of the channel.  Use it to debug a check, never to grade.
`benchmarks/feedback_latency.py` times it against watch mode.
"""

from __future__ import annotations

import io
import secrets

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--dlx-target", metavar="FILE", help="the exercise file (stub, solution or attempt) the checks test")


def pytest_configure(config: pytest.Config) -> None:
    target = config.getoption("--dlx-target")
    if not target:
        return
    from checker.channel.local_end import LocalEnd
    from checker.judge.plugin import DlxPlugin
    from checker.sandbox import operations

    end = LocalEnd()
    operations.register(end, limit=False)  # no memory limit on the author's own pytest process
    plugin = DlxPlugin(target, "dlx_exercise", io.BytesIO(), secrets.token_hex(8), end)
    plugin.keep_pytest_report = True
    config.pluginmanager.register(plugin, "dlx-target")
