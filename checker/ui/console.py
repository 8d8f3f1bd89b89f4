"""The console dlx draws on, and the one filter every learner-derived string passes before it is drawn.

All learner-facing text goes through `Text` objects (never markup strings), so
brackets in numpy arrays are shown literally; and every string that came from
the learner's code -- what it printed, an exception's message, the repr of a
returned object inside a check's message, a check title with a parameter --
goes through `sanitize`, so no escape sequence the learner's code wrote ever
reaches the terminal (no clear-screen, no fake green verdict).
"""

from __future__ import annotations

import os
import re
import sys

from rich.console import Console, Group, RenderableType
from rich.text import Text

# CSI/OSC/other ESC sequences, C0 controls but tab and newline, DEL, C1 controls, and the bidi overrides
# that can make text read differently from what it is.
_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC ... BEL or ST (title changes, hyperlinks)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[@-_]?"  # any other ESC (with its one following byte)
    r"|[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]"
)


def make_console() -> Console:
    """A console that drops colour in a pipe or when NO_COLOR is set."""
    no_color = bool(os.environ.get("NO_COLOR")) or not sys.stdout.isatty()
    return Console(no_color=no_color, highlight=False, emoji=False, soft_wrap=False)


def sanitize(text: str) -> str:
    """`text` without terminal escape sequences and control characters (line ends kept as "\\n")."""
    text = str(text).encode("utf-8", "replace").decode("utf-8")  # no lone surrogate reaches the terminal
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def learner_text(text: str, style: str = "") -> Text:
    """A Text of learner-derived content, sanitized."""
    return Text(sanitize(text), style=style)


def message(text: str, style: str = "") -> Text:
    return Text(sanitize(text), style=style)


def group(*items: RenderableType | None) -> Group:
    return Group(*(i for i in items if i is not None))


def cut(text: str, width: int) -> str:
    """`text` in at most `width` columns: cut at a word boundary where one is near, with an ellipsis."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    if width == 1:
        return "…"
    head = text[: width - 1]
    space = head.rfind(" ")
    if space >= width // 3:
        head = head[:space].rstrip(" ,;:—-")
    return head + "…"
