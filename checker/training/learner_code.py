"""The learner's week-6 functions, loaded from their exercise files, for the runs that are not checks.

`dlx train captioner` and `dlx caption` run the learner's own code (or, with
`--solutions`, the reference solutions) in a child process of dlx: their code,
on their machine, whose result is never a verdict.  A function that is missing
or not written yet is named with its exercise, so the learner knows which file
to finish first.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

# exercise name -> the functions the captioner calls from it
WEEK6 = {
    "vocabulary": ("tokenize", "build_vocabulary", "encode_caption"),
    "caption_matrix": ("captions_to_matrix",),
    "image_features": ("extract_features",),
    "decoder": ("build_caption_decoder",),
    "masked_loss": ("masked_caption_loss",),
    "greedy": ("greedy_decode",),
    "beam_search": ("beam_search",),
    "bleu": ("corpus_bleu",),
    "train_captioner": ("caption_train_step", "fit_captioner"),
    "attention": ("additive_attention",),  # honors: only `dlx train captioner --attention` needs it
}
PLAIN = tuple(name for name in WEEK6 if name != "attention")  # what a run without --attention needs
_COUNTER = itertools.count()


class NotReady(Exception):
    """A week-6 function the run needs is missing, not written yet, or broken; the message says which."""


@dataclass
class Week6:
    """One function per name, each from the file of its exercise (see WEEK6)."""

    functions: dict[str, Callable[..., Any]]
    files: dict[str, Path]

    def __getattr__(self, name: str) -> Callable[..., Any]:
        try:
            return self.functions[name]
        except KeyError:
            raise AttributeError(name) from None

    def call(self, exercise: str, name: str, *args: Any, **kwargs: Any) -> Any:
        """functions[name](*args), with a NotImplementedError turned into "finish exercise X first"."""
        try:
            return self.functions[name](*args, **kwargs)
        except NotImplementedError:
            raise NotReady(f"`{name}` in {self.files[exercise]} is not written yet (exercise {exercise}): "
                           "finish it first, or run with --solutions to train with the reference solutions.") from None


def load(folder: Path, files: dict[str, str], exercises: tuple[str, ...] = PLAIN) -> Week6:
    """Import the week-6 exercise files found under `folder` (exercises/ or solutions/); `files` maps name -> file."""
    functions: dict[str, Callable[..., Any]] = {}
    paths: dict[str, Path] = {}
    for exercise in exercises:
        relative = files.get(exercise)
        if relative is None:
            raise NotReady(f"the course has no exercise `{exercise}`; the captioner needs it.")
        path = Path(folder) / relative
        module = _import(path, exercise)
        paths[exercise] = path
        for name in WEEK6[exercise]:
            function = getattr(module, name, None)
            if not callable(function):
                raise NotReady(f"{path} has no function `{name}` (exercise {exercise}).")
            functions[name] = function
    return Week6(functions, paths)


def _import(path: Path, exercise: str) -> ModuleType:
    if not path.is_file():
        raise NotReady(f"{path} does not exist (exercise {exercise}): `dlx reset {exercise}` restores it.")
    name = f"dlx_week6_{exercise}_{next(_COUNTER)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except NotImplementedError:
        raise NotReady(f"{path} raises NotImplementedError when it is imported (exercise {exercise}).") from None
    except SyntaxError as exc:
        raise NotReady(f"{path} has a syntax error at line {exc.lineno} (exercise {exercise}): {exc.msg}.") from None
    except Exception as exc:  # noqa: BLE001 - the learner's file: say which and why
        raise NotReady(f"{path} raised {type(exc).__name__} when it was imported (exercise {exercise}): {exc}") from None
    return module
