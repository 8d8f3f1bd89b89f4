"""`dlx grade` end to end on a class the test builds, every output read back by an independent reader.

The class (week-1 numpy exercises `mse` and `sigmoid`, so it grades fast):
reference solutions in a workspace layout, untouched stubs (with a forged progress
file claiming everything done), half-done work, a typical mistake under partial
credit, hostile submissions (an endless loop beside a conftest.py that would pass
every check, an allocation far over the limit, a forged report and os._exit), an
empty folder, and four zips: a good one, one with a `../` entry, one with a
symlink, and a corrupt one.  The expected scores are written down from how the
class was built, not read from `dlx grade`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile

import pytest
import xmlschema
from click.testing import CliRunner
from junitparser import Error, Failure, JUnitXml

from checker.cli import cli
from checker.course import workspace as ws
from tests.helpers import EXERCISES, REPO, SOLUTIONS

MSE, SIGMOID = "week1/01_mse.py", "week1/03_sigmoid.py"
MSE_POINTS, SIGMOID_POINTS = 4, 2
GRADIENT_WEIGHT = 2  # check_points of test_gradient_matches_numerical_gradient in the fixture catalog
MSE_MISTAKE = ("(2.0 / X.shape[0])", "(1.0 / X.shape[0])")  # the gradient off by a factor 2; the loss is right
pytestmark = pytest.mark.slow  # one class of 12 students graded through the engine: about a minute on two loaded cores
VISIBILITIES = {"visible", "hidden", "after_due_date", "after_published"}

# Gradescope's autograder specification: the documented keys of results.json and of each test.
TOP_LEVEL_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
                  "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags",
             "visibility", "extra_data"}
FORMATS = {"text", "simple_format", "html", "md", "ansi"}
# The Jenkins xUnit plugin's JUnit schema, as pytest's own tests use it (origin and licence in the file).
JUNIT_XSD = REPO / "tests" / "junit-10.xsd"

CONFTEST_THAT_PASSES_EVERYTHING = """
import pytest

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    outcome.get_result().outcome = "passed"
"""
FORGED_REPORT = """
import os, sys
sys.stdout.write('{"event": "done"}\\n{"event": "check", "outcome": "passed", "name": "test_loss_on_a_tiny_example"}\\n')
sys.stdout.flush()
os._exit(0)
"""
MEMORY_HOG = "import numpy as np\n_hog = np.ones(2**37)  # 1 TiB\n"
ENDLESS = "while True:\n    pass\n"


def solution(relative: str) -> str:
    return (SOLUTIONS / relative).read_text(encoding="utf-8")


def stub(relative: str) -> str:
    return (EXERCISES / relative).read_text(encoding="utf-8")


def put(folder, relative: str, text: str) -> None:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def zip_of(path, members: dict[str, str], symlinks: dict[str, str] | None = None) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16
            archive.writestr(info, target)


def fixture_catalog(course_root) -> None:
    """Points, visibility and partial credit for the two graded exercises, as an instructor writes them."""
    info = course_root / "exercises" / "info.toml"
    text = info.read_text(encoding="utf-8")
    text = text.replace(
        f'file = "{MSE}"\n',
        f'file = "{MSE}"\npoints = {MSE_POINTS}\npartial_credit = true\ntimeout = 4\n'
        f"check_points = {{ test_gradient_matches_numerical_gradient = {GRADIENT_WEIGHT} }}\n",
        1,
    )
    text = text.replace(f'file = "{SIGMOID}"\n', f'file = "{SIGMOID}"\npoints = {SIGMOID_POINTS}\nvisibility = "after_due_date"\n', 1)
    info.write_text(text, encoding="utf-8")


def build_class(root) -> dict[str, float | None]:
    """Make the class under root/class; return each student's expected total (None: partial, checked apart)."""
    room = root / "class"
    room.mkdir()
    put(room / "alice", f"exercises/{MSE}", solution(MSE))  # a workspace folder
    put(room / "alice", f"exercises/{SIGMOID}", solution(SIGMOID))
    put(room / "bob", "01_mse.py", stub(MSE))  # flat exercise files, untouched
    put(room / "bob", "03_sigmoid.py", stub(SIGMOID))
    put(room / "bob", ".dlx/state.json", json.dumps({"done": ["mse", "sigmoid"], "current": "sigmoid"}))
    put(room / "carol", MSE, solution(MSE))  # weekN/ folders, half done
    put(room / "carol", SIGMOID, stub(SIGMOID))
    put(room / "dave", MSE, solution(MSE).replace(*MSE_MISTAKE))
    put(room / "dave", SIGMOID, solution(SIGMOID))
    put(room / "eve", MSE, ENDLESS)
    put(room / "eve", SIGMOID, stub(SIGMOID))
    put(room / "eve", "week1/conftest.py", CONFTEST_THAT_PASSES_EVERYTHING)
    put(room / "eve", "conftest.py", CONFTEST_THAT_PASSES_EVERYTHING)
    put(room / "frank", MSE, MEMORY_HOG)
    put(room / "frank", SIGMOID, solution(SIGMOID))
    put(room / "mallory", MSE, FORGED_REPORT)
    put(room / "mallory", SIGMOID, solution(SIGMOID))
    (room / "gina").mkdir()  # empty
    zip_of(room / "hank.zip", {f"my-course/exercises/{MSE}": solution(MSE), f"my-course/exercises/{SIGMOID}": solution(SIGMOID)})
    zip_of(room / "ivan.zip", {MSE: solution(MSE), SIGMOID: solution(SIGMOID), "../../escaped.py": "print('out')\n"})
    zip_of(room / "kim.zip", {MSE: solution(MSE)}, symlinks={SIGMOID: "/etc/passwd"})
    good = io.BytesIO()
    zip_of(good, {MSE: solution(MSE)})
    (room / "judy.zip").write_bytes(good.getvalue()[: len(good.getvalue()) // 2])  # cut in half
    full = MSE_POINTS + SIGMOID_POINTS
    return {"alice": full, "bob": 0, "carol": MSE_POINTS, "dave": None, "eve": 0, "frank": SIGMOID_POINTS,
            "gina": 0, "hank": full, "ivan": 0, "judy": 0, "kim": 0, "mallory": SIGMOID_POINTS}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("grading")
    course = ws.init(root / "course")
    fixture_catalog(course.root)
    expected = build_class(root)
    out = root / "out"
    args = ["-C", str(course.root), "grade", str(root / "class"), "--only", "mse", "--only", "sigmoid", "--jobs", "2",
            "--out", str(out), *(part for f in ("gradescope", "junit", "csv", "json") for part in ("--format", f))]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result, out, expected, root


def test_the_batch_finishes_and_shows_counts_and_tables(graded):
    result, out, expected, _ = graded
    assert result.exit_code == 0, result.output
    assert re.search(r"24/24", result.output)  # the progress bar's counts: 12 students x 2 exercises
    assert "Exercises" in result.output and "Students" in result.output
    for student in expected:
        assert student in result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([*expected, "grades.csv", "junit.xml", "report.json"])


def _report(out) -> dict:
    return {s["student"]: s for s in json.loads((out / "report.json").read_text())["students"]}


def expected_partial(dave: dict) -> float:
    """dave's mse score, computed here from the checks' outcomes with the catalog's weights."""
    checks = next(e for e in dave["exercises"] if e["name"] == "mse")["checks"]
    # The mistake halves the gradient: every loss check passes, every gradient check fails.
    assert {c["name"].startswith("test_loss") for c in checks if c["passed"]} == {True}
    assert {c["name"].startswith("test_gradient") for c in checks if not c["passed"]} == {True}
    weight = {c["name"]: GRADIENT_WEIGHT if c["name"].startswith("test_gradient_matches_numerical_gradient") else 1 for c in checks}
    return MSE_POINTS * sum(weight[c["name"]] for c in checks if c["passed"]) / sum(weight.values())


def test_csv_gradebook_has_the_expected_scores(graded):
    _, out, expected, _ = graded
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["student"] for r in rows] == sorted(expected)
    by_student = {r["student"]: r for r in rows}
    dave_mse = expected_partial(_report(out)["dave"])
    assert 0 < dave_mse < MSE_POINTS
    expected["dave"] = dave_mse + SIGMOID_POINTS
    for student, total in expected.items():
        row = by_student[student]
        assert float(row["total"]) == pytest.approx(total, abs=1e-3), (student, row)
        assert float(row["max_total"]) == MSE_POINTS + SIGMOID_POINTS
        assert float(row["mse"]) + float(row["sigmoid"]) == pytest.approx(float(row["total"]), abs=1e-3)
    for student in ("ivan", "judy", "kim"):
        assert by_student[student]["note"], student  # a bad archive says why


def test_json_report_names_every_cause(graded):
    _, out, _, root = graded
    report = _report(out)
    status = {(s, e["name"]): e["status"] for s, data in report.items() for e in data["exercises"]}
    assert status[("alice", "mse")] == status[("hank", "sigmoid")] == "passed"
    assert status[("bob", "mse")] == status[("bob", "sigmoid")] == "not_started"  # the forged progress file counts for nothing
    assert status[("eve", "mse")] == "timeout"
    assert status[("eve", "sigmoid")] == "not_started"  # the shipped conftest.py never ran
    assert status[("frank", "mse")] == "memory" and status[("frank", "sigmoid")] == "passed"
    assert status[("mallory", "mse")] == "crashed" and status[("mallory", "sigmoid")] == "passed"
    assert status[("gina", "mse")] == "missing"
    assert "outside" in report["ivan"]["error"] and "../../escaped.py" in report["ivan"]["error"]
    assert "symbolic link" in report["kim"]["error"]
    assert "not a readable zip" in report["judy"]["error"]
    assert not list(root.glob("escaped.py")) and not list(root.parent.glob("escaped.py"))
    dave = next(e for e in report["dave"]["exercises"] if e["name"] == "mse")
    assert dave["status"] == "failed" and "grad" in dave["summary"].lower()


def test_gradescope_results_follow_the_documented_fields(graded):
    _, out, expected, _ = graded
    for student in expected:
        results = json.loads((out / student / "results.json").read_text())
        assert set(results) <= TOP_LEVEL_KEYS
        assert isinstance(results["score"], (int, float)) and isinstance(results["execution_time"], (int, float))
        assert results["stdout_visibility"] in VISIBILITIES
        assert {results["output_format"], results["test_output_format"], results["test_name_format"]} <= FORMATS
        assert results["tests"]
        for test in results["tests"]:
            assert set(test) <= TEST_KEYS
            assert isinstance(test["name"], str) and isinstance(test["output"], str)
            assert test["status"] in ("passed", "failed") and test["visibility"] in VISIBILITIES
            assert 0 <= test["score"] <= test["max_score"]
        assert sum(t["score"] for t in results["tests"]) == pytest.approx(results["score"], abs=1e-3)
        assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(MSE_POINTS + SIGMOID_POINTS, abs=1e-3)
        sigmoid = [t for t in results["tests"] if "sigmoid" in t["name"]]
        assert [t["visibility"] for t in sigmoid] == ["after_due_date"]
    alice = json.loads((out / "alice" / "results.json").read_text())
    assert alice["score"] == MSE_POINTS + SIGMOID_POINTS
    assert len([t for t in alice["tests"] if " mse:" in t["name"]]) > 1  # partial credit: one test per check
    dave = json.loads((out / "dave" / "results.json").read_text())
    failing = [t for t in dave["tests"] if t["status"] == "failed"]
    assert failing and all("grad" in t["name"].lower() for t in failing)
    assert all(t["output"] and t["output"] != "failed" for t in failing)  # the learner-facing message


def test_junit_xml_reads_in_a_real_junit_reader(graded):
    _, out, expected, _ = graded
    xml = JUnitXml.fromfile(str(out / "junit.xml"))
    suites = {suite.name: suite for suite in xml}
    assert set(suites) == {f"{s}.{e}" for s in expected for e in ("mse", "sigmoid")}
    alice = suites["alice.mse"]
    assert alice.tests == 8 and alice.failures == 0 and alice.errors == 0
    for case in alice:
        assert case.classname == "alice.week1.mse" and case.name.startswith("test_") and case.time >= 0
    dave = suites["dave.mse"]
    failures = [r for case in dave for r in case.result if isinstance(r, Failure)]
    assert dave.failures == len(failures) > 0
    assert all(f.message and f.text and "grad" in (f.message + f.text).lower() for f in failures)
    for name in ("eve.mse", "frank.mse", "mallory.mse", "gina.mse", "judy.mse"):
        (case,) = list(suites[name])
        (error,) = [r for r in case.result if isinstance(r, Error)]
        assert error.type in ("timeout", "memory", "crashed", "missing") and error.message, name
    assert xml.tests == sum(s.tests for s in xml)


def test_junit_xml_is_valid_against_the_jenkins_junit_schema(graded):
    _, out, _, _ = graded
    schema = xmlschema.XMLSchema(JUNIT_XSD)
    errors = [f"{e.path}: {e.reason}" for e in schema.iter_errors(str(out / "junit.xml"))]
    assert errors == []
    # The schema is not a rubber stamp: a testcase without its required name, or a
    # suite time with four decimals, is refused.
    assert not schema.is_valid('<testsuites><testsuite name="a" tests="1" failures="0" errors="0">'
                               "<testcase classname='a.b'/></testsuite></testsuites>")
    assert not schema.is_valid('<testsuites><testsuite name="a" tests="0" failures="0" errors="0" time="0.1234"/>'
                               "</testsuites>")


def test_an_unreadable_class_folder_gets_a_clean_message(tmp_path, workspace):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(cli, ["-C", str(workspace.root), "grade", str(tmp_path / "empty"), "--only", "mse"])
    assert result.exit_code == 1 and "No submission found" in result.output


def test_only_with_an_unknown_selection_is_refused(tmp_path, workspace):
    result = CliRunner().invoke(cli, ["-C", str(workspace.root), "grade", str(tmp_path), "--only", "nonsense"])
    assert result.exit_code == 2 and "matches no exercise" in result.output


def test_a_single_submission_writes_one_results_json(tmp_path, workspace):
    put(tmp_path / "submission" / "nested", "whatever/01_mse.py", solution(MSE))
    out = tmp_path / "results"
    result = CliRunner().invoke(cli, ["-C", str(workspace.root), "grade", str(tmp_path / "submission"), "--as-one",
                                      "--only", "mse", "--format", "gradescope", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert results["score"] == 1 and results["tests"][0]["status"] == "passed"
    shutil.rmtree(out)
