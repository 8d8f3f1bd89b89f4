"""Learner-derived text made safe for a file an instructor's tools read."""

from __future__ import annotations

import re

# Control characters but tab and newline, DEL, C1 controls, lone surrogates and the
# bidi overrides; XML 1.0 forbids most of them and no report needs any of them.
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")


def clean(text: object, limit: int = 4000) -> str:
    """`text` without escape sequences or control characters, cut to `limit` characters."""
    value = _CONTROL.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n"))
    return value if len(value) <= limit else value[: limit - 1] + "…"


def number(value: float) -> int | float:
    """6.0 -> 6, 2.5 -> 2.5: points as people write them."""
    value = round(float(value), 4)
    return int(value) if value == int(value) else value
