"""What training looks like on screen: a training check's progress line while it runs (watch, run, verify),
and what `dlx train captioner` and `dlx caption` show: a progress bar while it trains, then the results."""

from __future__ import annotations

import math
import threading
import time

from rich.console import Group
from rich.panel import Panel
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from checker.engine.records import Progress as CheckProgress
from checker.ui.console import cut, sanitize

PLAIN_INTERVAL = 10.0  # seconds between two progress lines where the output is not a terminal (a log, CI)
BAR_WIDTH = 12


def _figure(name: str, value: float) -> str:
    if "acc" in name.lower() and 0.0 <= value <= 1.0:
        return f"{name} {value:.2f}"
    return f"{name} {value:.3f}" if abs(value) < 1000 else f"{name} {value:.3g}"


def time_left(seconds: float | None) -> str:
    """"~40 s left", "~2 min left"; "" while there is no estimate yet, and in the last second."""
    if seconds is None or not math.isfinite(seconds):
        return ""
    if seconds < 1:
        return ""  # the estimate is the running check's: "almost done" would promise too much
    if seconds < 90:
        return f"~{max(1, round(seconds / 5) * 5) if seconds >= 10 else round(seconds)} s left"
    return f"~{round(seconds / 60)} min left"


def progress_count(record: CheckProgress) -> str:
    """"epoch 3/5": the unit under way (2.4 epochs done reads epoch 3), the last one once all are done."""
    label = sanitize(record.label) or "step"
    shown = min(record.total, math.ceil(record.step)) if record.step > 0 else 0
    return f"{label} {shown}/{record.total}"


def progress_details(record: CheckProgress) -> list[str]:
    """The figures and the time left, each a short phrase: ["loss 0.412", "accuracy 0.81", "~40 s left"]."""
    details = [_figure(sanitize(name), value) for name, value in list(record.figures.items())[:4]]
    left = time_left(record.remaining)
    return details + [left] if left else details


def _bar(record: CheckProgress, width: int = BAR_WIDTH) -> str:
    full = record.step / record.total if record.total else 0.0
    filled = min(width, int(round(full * width)))
    return "━" * filled + "╌" * (width - filled)


def progress_text(record: CheckProgress, width: int | None = None, bar: bool = True) -> Text:
    """`training: epoch 3/5 ━━━━━━╌╌╌╌╌╌ · loss 0.412 · accuracy 0.81 · ~40 s left`, fitted to `width`.

    Once every unit is done it reads `trained: epoch 5/5 ━━━… · checking the result…`: the check
    goes on (it scores the model) and the line must not promise a verdict it has not reached.

    What does not fit goes, least useful first: the bar, the figures (from the last), the time left.
    """
    figures = [_figure(sanitize(name), value) for name, value in list(record.figures.items())[:4]]
    finished = record.total > 0 and record.step >= record.total  # the check now scores what it trained
    left = "checking the result…" if finished else time_left(record.remaining)
    bar_text = _bar(record) if bar else ""
    head = f"{'trained' if finished else 'training'}: {progress_count(record)}"

    def assemble(figs: list[str], with_bar: bool, with_left: bool) -> list[tuple[str, str]]:
        parts = [(head, "cyan")]
        if with_bar and bar_text:
            parts.append((" " + bar_text, "cyan"))
        for fig in figs:
            parts.append((" · " + fig, ""))
        if with_left and left:
            parts.append((" · " + left, "dim"))
        return parts

    choices = [assemble(figures, True, True)]
    choices += [assemble(figures[:n], False, True) for n in range(len(figures), -1, -1)]
    choices += [assemble([], False, False)]
    for parts in choices:
        if width is None or sum(len(p) for p, _ in parts) <= width:
            break
    text = Text()
    for part, style in parts:
        text.append(part, style=style)
    if width is not None and len(text.plain) > width:
        text = Text(cut(text.plain, width), style="cyan")
    return text


def _fit_title(title: str, width: int) -> str:
    """`title` in `width` columns, keeping a parameter's " [adam]" at its end: it tells the runs apart."""
    if len(title) <= width or not title.endswith("]") or " [" not in title:
        return cut(title, width)
    head, _, parameter = title.rpartition(" [")
    parameter = " [" + parameter
    if len(parameter) > width // 2:
        return cut(title, width)
    return cut(head, width - len(parameter)) + parameter


def progress_block(record: CheckProgress, width: int | None = None, indent: int = 2) -> Text:
    """The running check's title, and under it its progress line (`progress_text`), both indented."""
    room = None if width is None else max(8, width - indent)
    text = Text(" " * indent)
    text.append(_fit_title(sanitize(record.title or record.name), room or 10_000), style="bold")
    text.append("\n" + " " * indent)
    text.append_text(progress_text(record, room))
    return text


def plain_progress_line(exercise: str, record: CheckProgress) -> str:
    """One line for a log: `keras_mlp: training: epoch 3/5 · loss 0.412 · ~40 s left` (no bar)."""
    return f"{exercise}: {progress_text(record, bar=False).plain}"


class LiveProgress:
    """Where `dlx run` / `dlx verify` show a training check's progress while it runs.

    In a terminal, a live block (the check's title and its progress line) that goes
    once the run ends; elsewhere, a plain line at most every PLAIN_INTERVAL seconds (none in the first ones).
    `show(exercise, record)` may be called from any thread.
    """

    def __init__(self, console, live: bool | None = None):
        self.console = console
        self.live = console.is_terminal if live is None else live
        self._shown = None
        self._last_plain = time.monotonic()  # a short run prints nothing extra: the first line after PLAIN_INTERVAL
        self._lock = threading.Lock()

    def __enter__(self) -> "LiveProgress":
        if self.live:
            from rich.live import Live

            self._shown = Live(Text(""), console=self.console, transient=True, auto_refresh=False)
            self._shown.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._shown is not None:
            self._shown.__exit__(*exc)
            self._shown = None

    def show(self, exercise, record: CheckProgress) -> None:
        exercise = str(getattr(exercise, "name", exercise))  # an Exercise, or its name
        with self._lock:
            if self._shown is not None:
                block = Text(f"{exercise}\n", style="bold cyan")
                block.append_text(progress_block(record, self.console.width))
                self._shown.update(block, refresh=True)
            elif not self.live:
                now = time.monotonic()
                if now - self._last_plain >= PLAIN_INTERVAL:
                    self._last_plain = now
                    self.console.print(plain_progress_line(exercise, record), soft_wrap=True, highlight=False)


def training_progress(console) -> Progress:
    """epoch, batch, loss, captions/s and time left, on one line."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(bar_width=None),
        TaskProgressColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
        expand=True,
    )


def progress_detail(event: dict) -> str:
    return (f"epoch {event['epoch']}/{event['epochs']} · batch {event['batch']}/{event['batches']} · "
            f"loss {event['loss']:.3f} · {event['captions_per_s']:.0f} captions/s")


def bleu_table(bleu: dict) -> Table:
    """BLEU-1..4 by the learner's corpus_bleu and by the reference one, side by side."""
    table = Table(title="BLEU on the test scenes", title_justify="left")
    table.add_column("")
    for n in (1, 2, 3, 4):
        table.add_column(f"BLEU-{n}", justify="right")
    learner, reference = bleu.get("learner", []), bleu.get("reference", [])
    table.add_row("your corpus_bleu", *(f"{v:.3f}" for v in learner))
    if reference:
        table.add_row("reference", *(f"{v:.3f}" for v in reference))
    return table


def bleu_disagreement(bleu: dict) -> Text | None:
    """A warning when the learner's BLEU and the reference's differ: their corpus_bleu has a bug."""
    learner, reference = bleu.get("learner", []), bleu.get("reference", [])
    differ = [n + 1 for n, (a, b) in enumerate(zip(learner, reference)) if abs(a - b) > 1e-6]
    if not differ:
        return None
    return Text(f"Your corpus_bleu disagrees with the reference on BLEU-{', BLEU-'.join(map(str, differ))}: "
                "exercise 56 (bleu) has a bug the checks may not have caught; `dlx run bleu`.", style="yellow")


def captioned_scene(picture, generated: str, references: list[str]) -> Panel:
    """One scene drawn in the terminal, with the generated caption and the references."""
    body = Text()
    body.append("generated: ", style="bold")
    body.append(sanitize(generated) + "\n", style="green")
    for reference in references[:5]:
        body.append("reference: ", style="dim")
        body.append(sanitize(reference) + "\n", style="dim")
    return Panel(Group(picture, body), expand=False)


def attention_panel(tiles: list, labels: list[str], scene: int, width: int) -> Panel:
    """A scene's attention maps: its tiles (RGB float images, equal sizes) in rows that fit `width` columns,
    each row followed by a line of the words, each under its tile."""
    from checker.ui.images import GAP, Picture, canvas

    side = tiles[0].shape[1]
    per_row = max(1, (width - 4 + GAP) // (side + GAP))
    parts = []
    for start in range(0, len(tiles), per_row):
        parts.append(Picture(canvas([tiles[start:start + per_row]])))
        words = Text()
        for label in labels[start:start + per_row]:
            words.append(sanitize(label)[:side].ljust(side + GAP), style="bold" if label != "(scene)" else "dim")
        parts.append(words)
    return Panel(Group(*parts), title=f"test scene {scene}: where each word looked", title_align="left", expand=False)


def caption_line(path: str, caption: str | None, error: str | None) -> Text:
    text = Text()
    text.append(sanitize(path), style="cyan")
    text.append(": ")
    if error:
        text.append(sanitize(error), style="red")
    else:
        text.append(sanitize(caption or ""), style="bold")
    return text
