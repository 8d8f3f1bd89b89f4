"""How one verdict looks: its status mark, the panel with the first failing check, where to look."""

from __future__ import annotations

from rich.panel import Panel
from rich.text import Text

from checker.course.catalog import Exercise
from checker.engine.records import Status
from checker.engine.verdict import Verdict
from checker.ui.console import cut, sanitize

STATUS_STYLE = {
    Status.PASSED: ("✓", "green", "passed"),
    Status.FAILED: ("✗", "red", "failing"),
    Status.NOT_STARTED: ("·", "yellow", "not started"),
    Status.SYNTAX_ERROR: ("✗", "red", "syntax error"),
    Status.IMPORT_ERROR: ("✗", "red", "error on import"),
    Status.TIMEOUT: ("⏱", "red", "timed out"),
    Status.MEMORY: ("▲", "red", "used too much memory"),
    Status.TAMPERED: ("✗", "red", "changed the checker's tools"),
    Status.CRASHED: ("✗", "red", "crashed"),
    Status.MISSING: ("?", "red", "file missing"),
    Status.CANCELLED: ("·", "dim", "cancelled"),
    Status.PENDING: ("·", "dim", "not checked yet"),
}
SHOWN_OUTPUT_LINES = 30


def status_label(status: str) -> Text:
    mark, style, words = STATUS_STYLE.get(status, ("?", "red", status))
    return Text(f"{mark} {words}", style=style)


def location(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line else path


def debugging_note(exercise: Exercise, message: str) -> str:
    """A learner's-words reason when the error is the checks' missing keyboard (breakpoint(), input())."""
    where = f"exercises/{exercise.file}"
    if "BdbQuit" in message:
        return (
            "Your code stopped at breakpoint(), but the checks run your code without a keyboard, so the debugger "
            "quit at once. Take breakpoint() out before you save. To step through your code, run it yourself: "
            f"`dlx debug {exercise.name}` starts Python with {where} loaded; call your function there and pdb "
            "and print work.\n"
        )
    if "EOFError" in message and "when reading a line" in message:
        return (
            "Your code called input(), but the checks give it no keyboard, so input() met the end of its input at "
            "once. Take input() out; print() is fine (what it prints is shown below the verdict).\n"
        )
    return ""


def verdict_panel(exercise: Exercise, result: Verdict, *, show_all: bool = False, width: int | None = None) -> Panel:
    """The verdict of one run: what failed and why (`where_line` says where to look)."""
    mark, style, words = STATUS_STYLE.get(result.status, ("?", "red", result.status))
    body = Text()
    if result.status == Status.PASSED:
        body.append(f"All {result.n_total} checks pass. ", style="green")
        body.append("Well done!")
    elif result.status == Status.NOT_STARTED:
        body.append("Not started yet. ", style="yellow bold")
        body.append("Open the file, read its docstring and replace the TODOs.\n")
        body.append(sanitize(result.message), style="yellow")
    elif result.status in (Status.FAILED,):
        failure = result.first_failure
        body.append(f"{result.n_passed} of {result.n_total} checks pass.\n", style="bold")
        if failure is not None:
            body.append("First failing check: ", style="bold")
            body.append(sanitize(failure.title) + "\n", style="bold red")
            note = debugging_note(exercise, failure.message)
            if note:
                body.append(note, style="yellow")
            body.append(sanitize(failure.message))
    else:
        body.append(sanitize(result.message))
    if show_all and result.status == Status.FAILED:
        others = [c for c in result.checks if not c.passed][1:]
        if others:
            body.append("\n\nOther failing checks:", style="bold")
            for check in others:
                body.append(f"\n  ✗ {sanitize(check.title)}", style="red")
    if result.output_bytes:
        body.append("\n\nYour code printed:\n", style="bold")
        lines = sanitize(result.output).splitlines()
        body.append("\n".join(lines[:SHOWN_OUTPUT_LINES]), style="dim")
        if len(lines) > SHOWN_OUTPUT_LINES or result.output_truncated:
            body.append(f"\n… ({result.output_bytes:,} bytes in all; the rest is not shown)", style="dim")
    title = Text.assemble((f"{mark} ", style), (f"{exercise.name}", "bold"))
    room = (width or 10_000) - 6 - len(title.plain) - 3  # the frame's corners and the title's padding
    if room >= 8:
        title.append(" — " + cut(exercise.title, room))
    subtitle = f"{words} · {result.seconds:.2f} s" if result.seconds else words
    return Panel(body, title=title, title_align="left", subtitle=subtitle, subtitle_align="right", border_style=style)


def where_line(path: str, line: int | None, title: str = "", width: int | None = None, link: bool = False) -> Text:
    """`→ path:line  title`, the title dropped (never cut mid-word) when it does not fit `width`.

    With `link`, the path is a terminal hyperlink (OSC 8) to the file: only for a real terminal.
    """
    where = location(path, line)
    style = "cyan"
    if link:
        import os
        from urllib.parse import quote

        style = f"cyan link file://{quote(os.path.abspath(path))}"
    text = Text.assemble(("→ ", "bold"), (where, style))
    if title and (width is None or 2 + len(where) + 2 + len(title) <= width):
        text.append(f"  {title}")
    return text


def running_line(exercise: Exercise, waiting_for: str = "", seconds: float = 0.0) -> Text:
    """`⋯ checking NAME …`, saying what it waits for first (`starting TensorFlow, first time only`)."""
    text = Text("⋯ ", style="cyan")
    if waiting_for:
        text.append(f"{waiting_for}, then checking {exercise.name} …", style="cyan")
    else:
        text.append(f"checking {exercise.name} …", style="cyan")
    if seconds >= 1:
        text.append(f" {seconds:.0f} s", style="dim")
    return text


