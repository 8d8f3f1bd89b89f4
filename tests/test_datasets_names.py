"""The names loader and the script that made the shipped list.

The byte-for-byte reproduction needs the sdist of the PyPI package `names`
0.3.0, which is not in the repository: set DLX_NAMES_SDIST to its path
(`pip download names==0.3.0 --no-binary :all: --no-deps -d DIR`, then
DLX_NAMES_SDIST=DIR/names-0.3.0.tar.gz).  Without it that one test is skipped;
every other test here runs offline, the script on a small sdist made here.
"""

import hashlib
import io
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from checker import datasets
from tests.helpers import REPO, load_module

SCRIPT = REPO / "data" / "make_names.py"
SHIPPED = REPO / "data" / "names.txt"
SDIST_SHA256 = "726e46254f2ed03f1ffb5d941dae3bc67c35123941c29becd02d48d0caa2a671"
make_names = load_module(SCRIPT)


def test_shipped_names_counts_and_form():
    train, validation = datasets.load_names()
    assert (len(train), len(validation)) == (4647, 516)
    every = train + validation
    assert len(set(every)) == len(every) == 5163  # no name twice, none in both splits
    assert all(re.fullmatch("[a-z]{2,12}", name) for name in every)
    assert train == sorted(train) and validation == sorted(validation)
    assert {"mary", "james", "patricia", "john"} <= set(every)


def test_shipped_split_follows_the_stated_rule():
    """The 10 % of names with the smallest seeded SHA-256 validate: checked without the sdist."""
    train, validation = datasets.load_names()
    by_hash = sorted(train + validation, key=lambda n: hashlib.sha256(f"20261204:{n}".encode()).hexdigest())
    assert set(by_hash[:516]) == set(validation)
    assert make_names.SEED == 20261204 and make_names.VALIDATION_SHARE == 0.10


def test_shipped_file_is_what_render_writes():
    train, validation = datasets.load_names()
    assert make_names.render(sorted(train + validation)).encode("utf-8") == SHIPPED.read_bytes()


def test_loader_is_a_lazy_public_name():
    assert "load_names" in datasets.__all__ and "load_names" in dir(datasets)
    code = "import sys; from checker.datasets import load_names; load_names(); print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "False"  # the names cost no numpy


def test_loader_reads_another_file_by_path(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("# my names\n\nada\ttrain\nalan\tvalidation\ngrace\ttrain\n", encoding="utf-8")
    assert datasets.load_names(path) == (["ada", "grace"], ["alan"])
    assert datasets.load_names(str(path)) == (["ada", "grace"], ["alan"])


@pytest.mark.parametrize("line", ["ada", "ada\ttest", "ada train", "\ttrain", "ada\ttrain\textra"])
def test_loader_names_a_bad_line(tmp_path, line):
    path = tmp_path / "bad.txt"
    path.write_text(f"bob\ttrain\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        datasets.load_names(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(datasets.DataNotFound, match="nowhere"):
        datasets.load_names(tmp_path / "nowhere.txt")


FEMALE = "MARY           2.629  2.629      1\nJO             0.100  2.729      2\nANN-MARIE      0.001  2.730      3\n" \
         "A              0.001  2.731      4\nMAXIMILIANAAA  0.001  2.732      5\nZOE            0.001  2.733      6\n"
MALE = "JAMES          3.318  3.318      1\nMARY           0.100  3.418      2\nO'NEIL         0.001  3.419      3\n" \
       "BO             0.001  3.420      4\nELI            0.001  3.421      5\n\n"


def fake_sdist(path: Path) -> Path:
    """A .tar.gz laid out like names-0.3.0.tar.gz, with a few clean and dirty names."""
    with tarfile.open(path, "w:gz") as archive:
        for name, text in (("dist.female.first", FEMALE), ("dist.male.first", MALE), ("dist.all.last", "SMITH 1 1 1\n")):
            data = text.encode("ascii")
            info = tarfile.TarInfo(f"names-0.3.0/names/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_script_cleans_dedups_and_splits_a_small_sdist(tmp_path):
    sdist = fake_sdist(tmp_path / "names-0.3.0.tar.gz")
    outputs = [tmp_path / "a.txt", tmp_path / "b.txt"]
    for output in outputs:
        subprocess.run([sys.executable, str(SCRIPT), str(sdist), str(output)], check=True, capture_output=True)
    assert outputs[0].read_bytes() == outputs[1].read_bytes()
    train, validation = datasets.load_names(outputs[0])
    # ANN-MARIE, O'NEIL (not a-z), A (1 letter), MAXIMILIANAAA (13) dropped; MARY kept once; last names unread.
    every = ["bo", "eli", "james", "jo", "mary", "zoe"]
    assert sorted(train + validation) == every
    assert validation == [min(every, key=make_names.split_key)]  # round(10 % of 6) = 1 validates


def test_script_reads_an_unpacked_folder_the_same(tmp_path):
    sdist = fake_sdist(tmp_path / "names-0.3.0.tar.gz")
    with tarfile.open(sdist) as archive:
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python 3.11.4+
        archive.extractall(tmp_path / "unpacked", **safe)
    for source, output in ((sdist, tmp_path / "a.txt"), (tmp_path / "unpacked", tmp_path / "b.txt")):
        subprocess.run([sys.executable, str(SCRIPT), str(source), str(output)], check=True, capture_output=True)
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()


def test_script_names_a_missing_list(tmp_path):
    (tmp_path / "empty").mkdir()
    run = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / "empty"), str(tmp_path / "out.txt")],
                         capture_output=True, text=True)
    assert run.returncode != 0 and "dist.female.first" in run.stderr


def _real_sdist(tmp_path) -> str:
    """The sdist of `names` 0.3.0: $DLX_NAMES_SDIST, else fetched from the package index by pip."""
    sdist = os.environ.get("DLX_NAMES_SDIST")
    if sdist and Path(sdist).is_file():
        return sdist
    got = subprocess.run([sys.executable, "-m", "pip", "download", "names==0.3.0", "--no-binary", ":all:", "--no-deps",
                          "--quiet", "-d", str(tmp_path / "sdist")], capture_output=True, text=True, timeout=300)
    found = sorted((tmp_path / "sdist").glob("names-0.3.0.tar.gz")) if got.returncode == 0 else []
    if not found:
        pytest.skip("the sdist of `names` 0.3.0 could not be had (no package index here, and DLX_NAMES_SDIST unset): "
                    + got.stderr.strip()[-300:])
    return str(found[0])


def test_script_reproduces_the_shipped_file_from_the_real_sdist(tmp_path):
    sdist = _real_sdist(tmp_path)
    assert hashlib.sha256(Path(sdist).read_bytes()).hexdigest() == SDIST_SHA256
    subprocess.run([sys.executable, str(SCRIPT), sdist, str(tmp_path / "names.txt")], check=True, capture_output=True)
    assert (tmp_path / "names.txt").read_bytes() == SHIPPED.read_bytes()
