"""Run hidden checks with plain pytest, for course authors and for comparison.

    python -m pytest -p checker.pytest_dlx --dlx-target exercises/week1/01_mse.py \
        checker/checks/week1/test_mse.py

This is the same plugin the check process uses (the `ex` fixture, the learner
frames in tracebacks), but in one ordinary, cold pytest process with pytest's
own report, and without dlx's isolation: use it to debug a check, never to
grade.  `benchmarks/feedback_latency.py` times it against watch mode.
"""

from __future__ import annotations

import os
import secrets
import tempfile

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--dlx-target", metavar="FILE", help="the exercise file (stub, solution or attempt) the checks test")


def pytest_configure(config: pytest.Config) -> None:
    target = config.getoption("--dlx-target")
    if not target:
        return
    from checker.plugin import DlxPlugin

    handle, result = tempfile.mkstemp(prefix="dlx-pytest-", suffix=".jsonl")
    os.close(handle)
    plugin = DlxPlugin(target, "dlx_exercise", result, secrets.token_hex(8))
    plugin.keep_pytest_report = True
    config.pluginmanager.register(plugin, "dlx-target")
    config.add_cleanup(lambda: os.path.exists(result) and os.unlink(result))
