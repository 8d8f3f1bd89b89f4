"""What `dlx train captioner` and `dlx caption` show: a progress bar while it trains, then the results."""

from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from checker.ui.console import sanitize


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
