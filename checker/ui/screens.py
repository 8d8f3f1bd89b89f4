"""The panels of the watch screen besides the verdict: hints, the key bar, key help."""

from __future__ import annotations

from rich.panel import Panel
from rich.text import Text

from checker.course.catalog import Exercise
from checker.ui.console import sanitize

KEYS = [("n", "next"), ("h", "hint"), ("l", "list"), ("r", "re-run"), ("c", "check all"), ("x", "reset"), ("?", "help"), ("q", "quit")]
LIST_KEYS = [("↑↓/jk", "move"), ("enter", "go"), ("r", "reset"), ("/", "filter"), ("c", "check from here"), ("l", "back"), ("q", "quit")]
KEY_HELP = [
    ("n", "go to the next exercise not done yet (once this one passes)"),
    ("h", "show one more hint for this exercise"),
    ("l", "the list of exercises: move with ↑↓ or j/k, Enter makes one current, r resets it, / filters, c checks all from there"),
    ("r", "run this exercise's checks again"),
    ("c", "check every exercise, counting as they finish"),
    ("x", "reset this exercise to its original stub (asks first; your version is backed up)"),
    ("s", "show the reference solution beside yours (once it passes)"),
    ("?", "this help"),
    ("q", "quit (Ctrl-C too); your progress is saved"),
]


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


def key_bar(keys: list[tuple[str, str]], width: int = 100) -> Text:
    """`[k] words` pairs, wrapped only between pairs, never inside one."""
    text = Text()
    column = 0
    for key, words in keys:
        size = len(key) + 2 + 1 + len(words)
        if column and column + 2 + size > width:
            text.append("\n")
            column = 0
        elif column:
            text.append("  ")
            column += 2
        text.append(f"[{key}]", style="bold cyan")
        text.append(f" {words}")
        column += size
    return text


def keys_line(passed: bool, width: int = 100, solution: bool = False) -> Text:
    keys = [pair for pair in KEYS if pair[0] != "n" or passed]
    if passed and solution:
        keys.insert(1, ("s", "solution"))
    return key_bar(keys, width)


def list_keys_line(width: int = 100) -> Text:
    return key_bar(LIST_KEYS, width)


def help_panel() -> Panel:
    from rich.console import Group
    from rich.table import Table

    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", justify="right", no_wrap=True)
    table.add_column()
    for key, words in KEY_HELP:
        table.add_row(key, words)
    footer = Text("\nSave the exercise file in your editor: dlx checks it at once. Any key closes this help.", style="dim")
    return Panel(Group(table, footer), title="keys", title_align="left", border_style="cyan")


def text_panel(text: str, title: str, style: str) -> Panel:
    """A framed paragraph of the course's own text (welcome, finished)."""
    return Panel(Text(text), title=title, title_align="left", border_style=style)


def solution_panel(diff_lines: list[str], title: str) -> Panel:
    """The reference solution against the learner's version, as a unified diff."""
    body = Text()
    for number, line in enumerate(diff_lines):
        if number:
            body.append("\n")
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else "cyan" if line.startswith("@@") else ""
        body.append(sanitize(line), style=style)
    if not diff_lines:
        body.append("Your version is the reference solution, line for line.", style="green")
    return Panel(body, title=Text(title), title_align="left", border_style="green")
