"""The README's quick start stays true: CI runs its test command verbatim."""

import re

from tests.helpers import REPO


def quick_start_commands():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section)


def test_quick_start_has_two_commands():
    setup_and_watch, tests = quick_start_commands()
    assert setup_and_watch.endswith("dlx watch")
    assert tests.endswith("python -m pytest")


def test_ci_runs_the_readme_test_command():
    _, tests = quick_start_commands()
    ci_lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert tests in ci_lines


def test_every_command_of_the_cli_is_documented():
    from checker.cli import cli

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"dlx {name}" in readme
