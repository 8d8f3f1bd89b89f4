"""First names for the character-level model of week 5: the shipped list, or another by path.

The shipped `names.txt` holds the 5 163 distinct first names of the 1990 US
Census lists (public domain), lowercase a-z, 2 to 12 letters, already split
into train and validation by `data/make_names.py`.  The standard library only:
loading it costs no numpy.
"""

from __future__ import annotations

import os
from pathlib import Path

from checker.datasets.shipped import DataNotFound, data_dir

NAMES_FILE = "names.txt"
NAMES_SPLITS = ("train", "validation")


def load_names(path: str | os.PathLike | None = None) -> tuple[list[str], list[str]]:
    """The names as `(train, validation)`, two lists of str in the file's order (alphabetical).

    `path` is a file in the format of the shipped one (default: the shipped
    `names.txt`): UTF-8 lines `name<TAB>split` with split `train` or
    `validation`; lines starting with `#` and blank lines are skipped.
    """
    source = Path(path).expanduser() if path is not None else data_dir() / NAMES_FILE
    if not source.is_file():
        if path is None:
            raise DataNotFound(f"The shipped names list {source} is missing; reinstall dlx or restore data/.")
        raise DataNotFound(f"{source} does not exist: give a file of `name<TAB>split` lines.")
    splits: dict[str, list[str]] = {split: [] for split in NAMES_SPLITS}
    with open(source, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) != 2 or not fields[0] or fields[1] not in splits:
                raise ValueError(
                    f"{source}, line {number}: expected `name<TAB>train` or `name<TAB>validation`, got {line!r}"
                )
            splits[fields[1]].append(fields[0])
    return splits["train"], splits["validation"]
