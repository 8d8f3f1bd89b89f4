"""The panels of the watch screen besides the verdict: hints and the key bar."""

from __future__ import annotations

from rich.panel import Panel
from rich.text import Text

from checker.course.catalog import Exercise


def hints_panel(exercise: Exercise, shown: int) -> Panel:
    """The first `shown` hints of an exercise."""
    body = Text()
    for number, hint in enumerate(exercise.hints[:shown], start=1):
        if number > 1:
            body.append("\n\n")
        body.append(f"Hint {number}/{len(exercise.hints)}: ", style="bold")
        body.append(hint)
    if shown >= len(exercise.hints):
        body.append("\n\nThat was the last hint.", style="dim")
    return Panel(body, title=Text(f"hints for {exercise.name}"), title_align="left", border_style="magenta")


def keys_line(passed: bool) -> Text:
    keys = [("n", "next"), ("h", "hint"), ("l", "list"), ("r", "re-run"), ("c", "check all"), ("x", "reset"), ("q", "quit")]
    text = Text()
    for key, words in keys:
        if key == "n" and not passed:
            continue
        text.append(f"[{key}]", style="bold cyan")
        text.append(f" {words}  ")
    return text


def text_panel(text: str, title: str, style: str) -> Panel:
    """A framed paragraph of the course's own text (welcome, finished)."""
    return Panel(Text(text), title=title, title_align="left", border_style=style)
