"""Helpers that reach the process where the learner's code runs.

The learner's module lives in the sandbox; the checks run in the judge and talk
to it through the channel's current end (`checker.channel.judge_end.current`),
a local end when the checks run in-process.  Nothing that comes back from the
learner's side is trusted without a check here: `learner_isinstance` is a
question answered by the learner's process, never proof.
"""

from __future__ import annotations

import inspect
import traceback
from typing import Any, Callable

import numpy as np

from checker.channel import errors
from checker.channel.judge_end import current
from checker.channel.proxy import is_remote, is_remote_generator
from checker.channel.proxy import remote_type as _remote_type
from checker.channel.proxy import type_name as _type_name


def learner_frame(fn: Callable[..., Any], exc: BaseException) -> traceback.FrameSummary | None:
    """The deepest frame of `fn`'s file (the learner's) in `exc`'s traceback, if any."""
    filename = getattr(getattr(fn, "__code__", None), "co_filename", None)
    import os

    frames = errors.frames_of(exc, os.path.realpath(filename) if filename else None)
    return frames[-1] if frames else None


def at_learner_line(fn: Callable[..., Any], exc: BaseException) -> str:
    """"\n(at line N of your file: code)" for a message about an error in `fn`, or ""."""
    frame = learner_frame(fn, exc)
    return f"\n(at line {frame.lineno} of your file: {frame.line})" if frame else ""


def type_name(value: Any) -> str:
    """The name of `value`'s type as the learner's code sees it ('generator', 'EagerTensor', 'Value').

    The learner's objects reach a check as proxies: use this, never
    `type(value).__name__`, in a message.
    """
    return _type_name(value)


def remote_type(value: Any) -> str:
    """The qualified name of `value`'s type ('builtins.generator'); for a proxy, as the learner's process says."""
    return _remote_type(value)


def is_generator(value: Any) -> bool:
    """Whether `value` is a generator object (a function with `yield` was called), here or in the sandbox."""
    return inspect.isgenerator(value) or is_remote_generator(value)


def learner_isinstance(value: Any, cls: type) -> bool:
    """Whether `value` is a `cls` where it lives: asked of the learner's process for a proxy, so untrusted.

    Use it to give a learner a useful message ("build_mlp returned a list, expected a
    keras.Model"), never as the reason for a pass: the grade rests on values that
    crossed back and were checked here.
    """
    if not is_remote(value):
        return isinstance(value, cls)
    try:
        answer = learner_side(_isinstance_by_name, value, cls.__module__, cls.__qualname__)
    except Exception:  # noqa: BLE001 - a process that cannot say is a no
        return False
    return answer is True


def _isinstance_by_name(value: Any, module: str, qualname: str) -> bool:
    import importlib

    cls: Any = importlib.import_module(module)
    for part in qualname.split("."):
        cls = getattr(cls, part)
    return isinstance(value, cls)


def learner_side(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call `fn` where the learner's code runs, and return its result (a proxy if it is not plain data).

    For a trusted helper whose result the learner's code must use as a real
    object of its own process: a Keras model or optimizer to train, a random
    seed to set.  `fn` must be importable by name (a module-level function or
    class of checker.* or of keras/tensorflow/numpy, or of a check file).  What
    it returns came from the learner's process: never grade on it without
    checking it here.
    """
    return current().call_helper(fn, args, kwargs)


def on_learner_side(fn: Callable[..., Any]) -> Any:
    """`fn` itself as an object of the learner's process (a proxy), to hand to the learner's code.

    For a check's function that the learner's code must run natively, e.g. under
    its own tf.GradientTape.
    """
    return current().helper_object(fn)


def seed_global_random(seed: Any) -> None:
    """np.random.seed(seed) where the learner's code runs (its global random state is there, not here)."""
    learner_side(_seed_global_random, seed)


def global_random_state() -> tuple:
    """np.random.get_state() of the learner's process: to see whether their code drew from it."""
    return learner_side(_global_random_state)


def _seed_global_random(seed: Any) -> None:
    np.random.seed(seed)


def _global_random_state() -> tuple:
    return np.random.get_state()


def set_in_place(obj: Any, attribute: str, key: Any, value: Any) -> None:
    """obj.attribute[key][...] = value, done where `obj` lives.

    The learner's objects reach a check as proxies, and reading
    `model.params` gives a copy: writing into that copy would change nothing.
    """
    learner_side(_set_in_place, obj, attribute, key, value)


def _set_in_place(obj: Any, attribute: str, key: Any, value: Any) -> None:
    getattr(obj, attribute)[key][...] = value


def learner_cpu_time() -> float:
    """CPU seconds used so far by the process that runs the learner's code, all its threads together.

    Read from the kernel's accounting (the process's CPU clock), so the learner's
    code cannot fake it, work moved to another thread still counts, and other
    programs taking turns on a busy machine do not.  In-process, this process's.
    """
    return current().learner_cpu_time()
