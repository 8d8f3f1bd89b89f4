"""Finding submissions, unpacking archives safely, and points: the parts of `dlx grade` that need no check process."""

from __future__ import annotations

import os
import zipfile

import pytest

from checker.course import catalog
from checker.engine.records import ProblemKind, Status
from checker.engine.verdict import CheckResult, Verdict
from checker.instructor import points
from checker.instructor.submissions import SubmissionError, discover, prepare, student_id, unpack_zip
from tests.helpers import CATALOG, SOLUTIONS

MSE = CATALOG.get("mse")
SIGMOID = CATALOG.get("sigmoid")
EXERCISES = [MSE, SIGMOID]


def make_zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("entry", ["../evil.py", "a/../../evil.py", "/tmp/evil.py", "C:/evil.py", "..\\evil.py"])
def test_an_entry_outside_the_destination_refuses_the_whole_archive(tmp_path, entry):
    archive = make_zip(tmp_path / "s.zip", {"week1/01_mse.py": "x = 1\n", entry: "boom\n"})
    with pytest.raises(SubmissionError, match="outside|absolute"):
        unpack_zip(archive, tmp_path / "into")
    assert not (tmp_path / "into").exists() and not (tmp_path / "evil.py").exists()


def test_a_symlink_entry_refuses_the_archive(tmp_path):
    archive = tmp_path / "s.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        info = zipfile.ZipInfo("week1/01_mse.py")
        info.external_attr = 0o120777 << 16
        bundle.writestr(info, "/etc/passwd")
    with pytest.raises(SubmissionError, match="symbolic link"):
        unpack_zip(archive, tmp_path / "into")


def test_caps_on_size_and_file_count(tmp_path):
    many = make_zip(tmp_path / "many.zip", {f"f{i}.txt": "" for i in range(30)})
    with pytest.raises(SubmissionError, match="entries"):
        unpack_zip(many, tmp_path / "a", max_files=10)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * 5_000_000)  # 5 MB that compress to a few kB
    assert bomb.stat().st_size < 100_000
    with pytest.raises(SubmissionError, match="more than"):
        unpack_zip(bomb, tmp_path / "b", max_bytes=1_000_000)
    assert not (tmp_path / "b").exists()


def test_an_archive_that_lies_about_its_sizes_is_refused(tmp_path):
    archive = make_zip(tmp_path / "liar.zip", {"big.bin": b"x" * 200_000})
    data = bytearray(archive.read_bytes())
    # Patch the declared uncompressed size (central directory, offset 24 of its header) to 10 bytes.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24: central + 28] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    with pytest.raises(SubmissionError):
        unpack_zip(archive, tmp_path / "into", max_bytes=1000)
    assert not (tmp_path / "into").exists()


def test_a_corrupt_archive_gets_one_clear_error(tmp_path):
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(SubmissionError, match="broken.zip: not a readable zip"):
        unpack_zip(archive, tmp_path / "into")


def test_discovery_tells_a_class_from_one_submission(tmp_path):
    room = tmp_path / "room"
    (room / "alice" / "exercises" / "week1").mkdir(parents=True)
    (room / "bob").mkdir()
    (room / "bob" / "01_mse.py").write_text("")
    make_zip(room / "carol.zip", {"01_mse.py": ""})
    (room / ".hidden").mkdir()
    (room / "notes.txt").write_text("")
    os.symlink(room / "alice", room / "linked")
    assert [s for s, _ in discover([room], EXERCISES)] == ["alice", "bob", "carol"]
    assert [s for s, _ in discover([room / "bob"], EXERCISES)] == ["bob"]  # a folder of exercise files is one
    assert [s for s, _ in discover([room], EXERCISES, as_one=True)] == ["room"]
    assert student_id(tmp_path / "a b;rm -rf.zip") == "a_b_rm_-rf"


def test_prepare_copies_each_file_alone_and_ignores_symlinks(tmp_path):
    source = tmp_path / "alice"
    (source / "week1").mkdir(parents=True)
    (source / "week1" / "01_mse.py").write_text((SOLUTIONS / MSE.file).read_text())
    (source / "week1" / "conftest.py").write_text("raise SystemExit\n")
    os.symlink(SOLUTIONS / SIGMOID.file, source / "week1" / "03_sigmoid.py")  # someone else's file
    submission = prepare("alice", source, EXERCISES, tmp_path / "scratch")
    assert submission.error is None
    copy = submission.files["mse"]
    assert copy.read_text() == (SOLUTIONS / MSE.file).read_text()
    assert sorted(p.name for p in copy.parent.iterdir()) == ["01_mse.py"]  # nothing shipped beside it
    assert "sigmoid" not in submission.files and "03_sigmoid.py" in submission.problems["sigmoid"]


def _verdict(status, outcomes):
    checks = [CheckResult(name, name, passed, None if passed else ProblemKind.CHECK, "" if passed else "wrong") for name, passed in outcomes]
    return Verdict("mse", status, checks)


def test_points_all_or_nothing_partial_and_honest_zero():
    strict = catalog.Exercise("mse", 1, "week1/01_mse.py", "t", ("a", "b"), points=3)
    partial = catalog.Exercise("mse", 1, "week1/01_mse.py", "t", ("a", "b"), points=3, partial_credit=True,
                               check_points=(("test_b", 2.0),), check_visibility=(("test_b", "hidden"),))
    half = [("test_a", True), ("test_b[1-2]", False), ("test_b[3-4]", True)]
    assert points.score(strict, _verdict(Status.FAILED, half)).score == 0
    assert points.score(strict, _verdict(Status.PASSED, [("test_a", True)])).score == 3
    scored = points.score(partial, _verdict(Status.FAILED, half))
    assert scored.score == pytest.approx(3 * (1 + 2) / (1 + 2 + 2), abs=1e-5)  # weights 1, 2, 2; passed 1 and 2
    assert [c.visibility for c in scored.checks] == ["visible", "hidden", "hidden"]
    for unfinished in (Status.TIMEOUT, Status.MEMORY, Status.CRASHED, Status.TAMPERED, Status.MISSING):
        assert points.score(partial, _verdict(unfinished, half)).score == 0


def test_catalog_grading_keys_and_their_defaults(tmp_path):
    info = tmp_path / "info.toml"
    info.write_text(
        '[weeks]\n1 = "w"\n[grading]\npoints = 5\npartial_credit = true\n'
        '[[exercises]]\nname = "a"\nweek = 1\nfile = "a.py"\n'
        '[[exercises]]\nname = "b"\nweek = 1\nfile = "b.py"\npoints = 2\nvisibility = "hidden"\npartial_credit = false\n'
    )
    a, b = catalog.load(info).exercises
    assert (a.points, a.visibility, a.partial_credit) == (5, "visible", True)
    assert (b.points, b.visibility, b.partial_credit) == (2, "hidden", False)
    info.write_text('[weeks]\n1 = "w"\n[[exercises]]\nname = "a"\nweek = 1\nfile = "a.py"\nvisibility = "sometimes"\n')
    with pytest.raises(catalog.CatalogError, match="visibility"):
        catalog.load(info)


def test_gradebook_cells_never_start_a_formula():
    from checker.instructor.gradebook import _cell

    assert _cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")" and _cell("+1") == "'+1" and _cell("alice") == "alice"
