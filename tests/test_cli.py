"""The dlx commands through click's test runner, exit codes included."""

import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from checker.course import progress as state
from checker.cli import cli
from tests.helpers import CATALOG, REPO, SOLUTIONS, keep_only


def dlx(workspace, *args, input=None):
    return CliRunner().invoke(cli, ["-C", str(workspace.root), *args], input=input, catch_exceptions=False)


def solve(workspace, name):
    exercise = CATALOG.get(name)
    shutil.copy(SOLUTIONS / exercise.file, workspace.exercises_dir / exercise.file)


def test_help_lists_every_command():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("watch", "run", "verify", "list", "hint", "reset", "init", "dev"):
        assert command in result.output


def test_python_dash_m_checker_works():
    result = subprocess.run([sys.executable, "-m", "checker", "--version"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0 and "dlx" in result.stdout


def test_init_makes_a_workspace_and_refuses_to_overwrite(tmp_path):
    runner = CliRunner()
    target = tmp_path / "mine"
    result = runner.invoke(cli, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "exercises" / "info.toml").is_file()
    for exercise in CATALOG.exercises:
        assert (target / "exercises" / exercise.file).is_file()
    again = runner.invoke(cli, ["init", str(target)])
    assert again.exit_code == 1 and "never overwrites" in again.output


def test_outside_a_workspace_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["list"])
    assert result.exit_code == 1
    assert "dlx init" in result.output


def test_run_exit_codes_and_progress(workspace):
    result = dlx(workspace, "run", "mse")
    assert result.exit_code == 1
    assert "Not started yet" in result.output
    assert f"{workspace.exercises_dir}/week1/01_mse.py:" in result.output
    solve(workspace, "mse")
    result = dlx(workspace, "run", "mse")
    assert result.exit_code == 0, result.output
    assert "checks pass" in result.output
    assert "mse" in state.load(workspace.state_dir).done


def test_run_unknown_exercise_is_a_usage_error(workspace):
    result = dlx(workspace, "run", "nope")
    assert result.exit_code == 2
    assert "no exercise called 'nope'" in result.output


def test_verify_week_table_and_exit_code(workspace):
    week1 = [e.name for e in CATALOG.in_week(1)]
    result = dlx(workspace, "verify", "week1")
    assert result.exit_code == 1
    for name in week1:
        assert name in result.output
    assert f"0/{len(week1)} exercises pass" in result.output
    for name in week1:
        solve(workspace, name)
    result = dlx(workspace, "verify", "week1")
    assert result.exit_code == 0, result.output
    assert f"{len(week1)}/{len(week1)} exercises pass" in result.output
    assert state.load(workspace.state_dir).done == set(week1)


def test_verify_single_exercise_and_bad_selection(workspace):
    solve(workspace, "mse")
    assert dlx(workspace, "verify", "mse").exit_code == 0
    assert dlx(workspace, "verify", "week9").exit_code == 2


def test_list_shows_status_and_current(workspace):
    solve(workspace, "mse")
    dlx(workspace, "run", "mse")
    result = dlx(workspace, "list")
    assert result.exit_code == 0
    assert "✓ passed" in result.output
    lines = result.output.splitlines()
    # in a pipe: plain aligned text, every column, no box drawing or bars
    assert lines[0].split() == ["week", "exercise", "status", "title", "file", "(in", "exercises/)"]
    assert not any(char in result.output for char in "│─╭█░")
    row = next(line for line in lines if line.startswith("1 ") and " mse " in line)
    assert row.rstrip().endswith("week1/01_mse.py")
    assert any(" normal_equation * " in line for line in lines)  # the current one (the first not done) is marked
    file_column = lines[0].index("file")
    assert all(line[file_column:].startswith("week") for line in lines[1:-1])


def test_hints_are_progressive_and_remembered(workspace):
    hints = CATALOG.get("mse").hints
    first = dlx(workspace, "hint", "mse")
    assert "Hint 1/" in first.output and "Hint 2/" not in first.output
    second = dlx(workspace, "hint", "mse")
    assert "Hint 2/" in second.output
    assert state.load(workspace.state_dir).hints_seen["mse"] == 2
    for _ in range(len(hints) + 2):
        last = dlx(workspace, "hint", "mse")
    assert f"Hint {len(hints)}/{len(hints)}" in last.output and "last hint" in last.output
    shown = dlx(workspace, "hint", "--all", "mse")
    assert state.load(workspace.state_dir).hints_seen["mse"] == len(hints)
    assert "Hint 1/" in shown.output


def test_reset_backs_up_and_restores(workspace):
    exercise = CATALOG.get("mse")
    path = workspace.exercises_dir / exercise.file
    original = path.read_bytes()
    path.write_text("# my work in progress\n")
    result = dlx(workspace, "reset", "mse", "--yes")
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == original
    backups = list((workspace.state_dir / "backups").rglob("01_mse.py"))
    assert len(backups) == 1 and backups[0].read_text() == "# my work in progress\n"
    assert str(backups[0]) in result.output.replace("\n", "")


def test_reset_asks_first(workspace):
    path = workspace.exercises_dir / CATALOG.get("mse").file
    path.write_text("# keep me\n")
    result = dlx(workspace, "reset", "mse", input="n\n")
    assert result.exit_code == 1
    assert path.read_text() == "# keep me\n"


def test_reset_all(workspace):
    for exercise in CATALOG.exercises:
        (workspace.exercises_dir / exercise.file).write_text("# edited\n")
    result = dlx(workspace, "reset", "--all", "--yes")
    assert result.exit_code == 0
    for exercise in CATALOG.exercises:
        assert "TODO" in (workspace.exercises_dir / exercise.file).read_text()
    assert dlx(workspace, "reset", "--yes").exit_code == 2  # neither a name nor --all


def test_dev_check_passes_on_the_course():
    result = CliRunner().invoke(cli, ["-C", str(REPO), "dev", "check", "--jobs", "2"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "stubs fail and all solutions pass" in result.output


@pytest.fixture
def author_tree(tmp_path):
    """A copy of the course sources, as a course author has it."""
    root = tmp_path / "author"
    shutil.copytree(REPO / "exercises", root / "exercises")
    shutil.copytree(REPO / "solutions", root / "solutions")
    return root


def test_dev_check_catches_a_stub_that_passes(author_tree):
    exercise = CATALOG.get("mse")
    shutil.copy(author_tree / "solutions" / exercise.file, author_tree / "exercises" / exercise.file)
    result = CliRunner().invoke(cli, ["-C", str(author_tree), "dev", "check", "mse"], catch_exceptions=False)
    assert result.exit_code == 1
    # The copied "stub" has no TODO left, so the catalog check already objects.
    assert "has no TODO" in result.output


def test_dev_check_catches_a_failing_solution(author_tree):
    exercise = CATALOG.get("mse")
    solution = author_tree / "solutions" / exercise.file
    solution.write_text(solution.read_text().replace("np.mean(", "np.sum("))
    result = CliRunner().invoke(cli, ["-C", str(author_tree), "dev", "check", "mse"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "the solution fails" in result.output


def test_dev_check_catches_a_catalog_problem(author_tree):
    info = author_tree / "exercises" / "info.toml"
    info.write_text(info.read_text() + '\n[[exercises]]\nname = "mse"\nweek = 1\nfile = "week1/nope.py"\nhints = ["one"]\n')
    result = CliRunner().invoke(cli, ["-C", str(author_tree), "dev", "check"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "used twice" in result.output and "needs at least two hints" in result.output and "missing" in result.output


def test_running_checks_writes_nothing_into_the_exercises(workspace):
    keep_only(workspace, ["mse", "train_logreg", "gradient_tape", "keras_mlp", "bleu"])  # numpy, training, TensorFlow, Keras
    for name in ("mse", "gradient_tape"):  # a stub and a solution of each kind
        shutil.copy(SOLUTIONS / CATALOG.get(name).file, workspace.exercises_dir / CATALOG.get(name).file)
    before = sorted(p.relative_to(workspace.root) for p in workspace.exercises_dir.rglob("*"))
    dlx(workspace, "verify", "all")
    after = sorted(p.relative_to(workspace.root) for p in workspace.exercises_dir.rglob("*"))
    assert after == before  # no __pycache__, no .pytest_cache, no stray files


def test_output_in_a_pipe_has_no_colour_codes(workspace, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    for args in (["list"], ["run", "mse"], ["verify", "mse"], ["hint", "mse"]):
        result = dlx(workspace, *args)
        assert "\x1b[" not in result.output, args


def test_bad_names_say_what_would_work(workspace):
    weeks = sorted({e.week for e in CATALOG.exercises})
    result = dlx(workspace, "verify", "week9")
    assert result.exit_code == 2 and f"week{weeks[0]} to week{weeks[-1]}" in result.output
    result = dlx(workspace, "hint", "mes")
    assert result.exit_code == 2 and "Did you mean mse?" in result.output
    result = dlx(workspace, "hint", "week1")
    assert result.exit_code == 2 and "whole week" in result.output


def test_a_file_path_names_its_exercise(workspace, monkeypatch):
    monkeypatch.chdir(workspace.root)
    for name in ("exercises/week1/01_mse.py", "week1/01_mse.py", str(workspace.exercises_dir / "week1" / "01_mse.py")):
        result = dlx(workspace, "hint", name)
        assert result.exit_code == 0, result.output
        assert "hints for mse" in result.output
    solve(workspace, "mse")
    assert dlx(workspace, "verify", "exercises/week1/01_mse.py").exit_code == 0


def test_reset_of_an_untouched_stub_backs_nothing_up(workspace):
    result = dlx(workspace, "reset", "mse", "--yes")
    assert result.exit_code == 0
    assert "nothing to back up" in result.output
    assert not (workspace.state_dir / "backups").exists()


def test_reset_of_a_missing_file_promises_no_backup(workspace):
    path = workspace.exercises_dir / CATALOG.get("mse").file
    path.unlink()
    result = dlx(workspace, "reset", "mse", input="y\n")
    assert result.exit_code == 0, result.output
    assert "backed up first" not in result.output and "missing" in result.output
    assert "TODO" in path.read_text()


def test_piped_reset_answered_no_says_so(workspace):
    path = workspace.exercises_dir / CATALOG.get("mse").file
    path.write_text("# keep me\n")
    result = subprocess.run(
        [sys.executable, "-m", "checker", "-C", str(workspace.root), "reset", "mse"],
        input="n\n", capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "Nothing was reset" in result.stderr
    assert path.read_text() == "# keep me\n"


def test_verify_counts_as_it_goes(workspace, monkeypatch):
    from checker.course.course import Course

    seen = []
    original = Course.check_many

    def spy(self, exercises, jobs, *args, on_done=None, **kwargs):
        def done(exercise, verdict):
            seen.append(exercise.name)
            on_done(exercise, verdict)

        return original(self, exercises, jobs, *args, on_done=done, **kwargs)

    monkeypatch.setattr(Course, "check_many", spy)
    solve(workspace, "mse")
    result = dlx(workspace, "verify", "mse")
    assert result.exit_code == 0 and seen == ["mse"]


def test_history_keeps_every_checked_save_and_restore_brings_one_back(workspace):
    path = workspace.exercises_dir / CATALOG.get("mse").file
    dlx(workspace, "run", "mse")  # the stub: save 1
    solve(workspace, "mse")
    passing = path.read_text()
    dlx(workspace, "run", "mse")  # save 2, passes
    dlx(workspace, "run", "mse")  # the same content again: not kept twice
    path.write_text(passing.replace("np.mean(", "np.sum("))
    dlx(workspace, "run", "mse")  # save 3, fails
    listed = dlx(workspace, "history", "mse")
    assert listed.exit_code == 0
    rows = [line.split() for line in listed.output.splitlines() if line.startswith("  ")]
    assert [(row[0], row[4]) for row in rows] == [("1", "not"), ("2", "passed"), ("3", "failed")]
    restored = dlx(workspace, "restore", "mse", "2")
    assert restored.exit_code == 0, restored.output
    assert path.read_text() == passing
    assert "your version before it is in" in restored.output
    assert dlx(workspace, "restore", "mse", "9").exit_code == 1


def test_debug_loads_the_learners_file_in_python_and_records_nothing(workspace):
    solve(workspace, "mse")
    call = "print('loss', mse_loss(np.array([[1., 2.], [0., 1.], [2., 0.]]), np.array([1., 2., 3.]), np.array([1., 1.])))\n"
    result = subprocess.run(
        [sys.executable, "-m", "checker", "-C", str(workspace.root), "debug", "mse"],
        input=call, capture_output=True, text=True, timeout=120,
    )
    assert "passes every check" in result.stdout
    assert "loss 2.0" in result.stdout
    assert "mse" not in state.load(workspace.state_dir).done  # a debugging session is no verdict


def test_debug_makes_the_failing_checks_call_in_the_learners_python(workspace):
    source = (SOLUTIONS / "week1/01_mse.py").read_text().replace("(2.0 / X.shape[0])", "(1.0 / X.shape[0])")
    (workspace.exercises_dir / "week1/01_mse.py").write_text(source)
    done = subprocess.run([sys.executable, "-m", "checker", "debug", "mse"], cwd=workspace.root, input="print('shape', result.shape)\n",
                          capture_output=True, text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    out = done.stdout + done.stderr
    assert "The failing check called mse_grad with:" in out, out
    assert "args[0] = [[1., 2.]," in out and "args[2] = [1., 1.]" in out  # the check's 3×2 example
    assert "[0., 1.]" in out.split(">>> result = mse_grad(*args, **kwargs)")[1]  # what their code returns on it
    assert "shape (2,)" in out  # the prompt had `result`
