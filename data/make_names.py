"""Make data/names.txt: the first names for the week-5 character model.

    python data/make_names.py SOURCE [OUTPUT]

SOURCE is the source distribution of the PyPI package `names` 0.3.0, which
carries the 1990 US Census lists of first names (public domain):
`pip download names==0.3.0 --no-binary :all: --no-deps -d DIR` puts it at
DIR/names-0.3.0.tar.gz.  SOURCE may be that .tar.gz or a folder it was
unpacked into.  OUTPUT defaults to names.txt beside this script.

The rule, step by step:
1. read `dist.female.first` and `dist.male.first` (4 275 and 1 219 lines of
   "NAME  FREQUENCY  CUMULATIVE  RANK"): the first field of each line;
2. clean: lowercase; keep a name only if it is 2 to 12 letters a-z (a name
   with any other character is dropped, not repaired);
3. dedup: a name in both lists (331 are) is kept once;
4. keep them all — the lists already stop at the names that cover 90 % of
   the population, 5 163 distinct names, a few thousand as the course wants;
5. split: the VALIDATION_SHARE of the names whose SHA-256 of "SEED:name" is
   smallest go to validation (516), the rest to train (4 647).  A hash, not a
   random generator, so the split is the same on every machine, Python and
   numpy, and a name's split does not depend on the other names' order;
6. write one "name<TAB>split" line per name, sorted by name, after a short
   header of "#" lines, in UTF-8 with "\\n" line ends.

Only the standard library is used; the same source gives the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261204
VALIDATION_SHARE = 0.10
MIN_LETTERS, MAX_LETTERS = 2, 12
LISTS = ("dist.female.first", "dist.male.first")
HEADER = (
    "# First names of the 1990 US Census lists (public domain), from the PyPI sdist of `names` 0.3.0.\n"
    "# Made by data/make_names.py (see data/README.md and LICENSE.names). One name per line: name<TAB>split.\n"
)
_NAME = re.compile(f"[a-z]{{{MIN_LETTERS},{MAX_LETTERS}}}")


def read_lists(source: Path) -> dict[str, str]:
    """The text of each census list in `source` (the sdist's .tar.gz, or a folder holding the lists)."""
    texts: dict[str, str] = {}
    if source.is_file():
        with tarfile.open(source, "r:*") as archive:
            for member in archive.getmembers():
                name = member.name.rsplit("/", 1)[-1]
                if name in LISTS and member.isfile():
                    texts[name] = archive.extractfile(member).read().decode("ascii")
    elif source.is_dir():
        for name in LISTS:
            found = sorted(source.rglob(name))
            if found:
                texts[name] = found[0].read_text(encoding="ascii")
    missing = [name for name in LISTS if name not in texts]
    if missing:
        raise SystemExit(f"{source} lacks {', '.join(missing)}: give the sdist names-0.3.0.tar.gz or its unpacked folder.")
    return texts


def clean(texts: dict[str, str]) -> list[str]:
    """The distinct lowercase a-z names of 2..12 letters of all lists, sorted."""
    names = set()
    for text in texts.values():
        for line in text.splitlines():
            fields = line.split()
            if fields and _NAME.fullmatch(fields[0].lower()):
                names.add(fields[0].lower())
    return sorted(names)


def split_key(name: str) -> str:
    """The seeded hash that orders the names for the split."""
    return hashlib.sha256(f"{SEED}:{name}".encode("ascii")).hexdigest()


def split(names: list[str]) -> dict[str, str]:
    """name -> "train" or "validation": the VALIDATION_SHARE of names with the smallest split_key validate."""
    n_validation = round(VALIDATION_SHARE * len(names))
    validation = set(sorted(names, key=split_key)[:n_validation])
    return {name: "validation" if name in validation else "train" for name in names}


def render(names: list[str]) -> str:
    splits = split(names)
    return HEADER + "".join(f"{name}\t{splits[name]}\n" for name in names)


def main(argv: list[str]) -> None:
    if not 1 <= len(argv) <= 2:
        raise SystemExit(__doc__)
    source = Path(argv[0])
    output = Path(argv[1]) if len(argv) > 1 else HERE / "names.txt"
    names = clean(read_lists(source))
    text = render(names)
    output.write_bytes(text.encode("utf-8"))
    n_validation = text.count("\tvalidation\n")
    print(f"wrote {output}: {len(names)} names, {len(names) - n_validation} train / {n_validation} validation")


if __name__ == "__main__":
    main(sys.argv[1:])
