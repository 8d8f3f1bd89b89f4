"""The check authors' toolkit.

Checks speak to a learner, not to a developer.  Every helper here fails with a
`CheckFailure` whose message names the function, shows the tiny input, what was
expected, what came back and -- where the mistake has a recognizable signature --
the likely mistake.  The worker shows that message as it is, without a pytest
traceback.

Import cost matters (this module is loaded for every check run), so it imports
numpy and the standard library only -- never TensorFlow.
"""

from __future__ import annotations

import copy
import inspect
import math
import os
import sys
import time
import traceback
from typing import Any, Callable, Iterable, Mapping, NoReturn

import numpy as np

from checker import remote

__all__ = [
    "CheckFailure",
    "fail",
    "rng",
    "fmt",
    "assert_array",
    "assert_scalar",
    "assert_close",
    "assert_true",
    "numerical_gradient",
    "gradcheck",
    "call_unchanged",
    "snapshot",
    "assert_unchanged",
    "type_name",
    "is_generator",
    "learner_side",
    "on_learner_side",
    "set_in_place",
    "seed_global_random",
    "global_random_state",
    "learner_cpu_time",
]


class CheckFailure(AssertionError):
    """A failed check, with a message written for the learner."""


def fail(message: str) -> NoReturn:
    """Stop the check with a learner-facing message."""
    raise CheckFailure(message)


def learner_frame(fn: Callable[..., Any], exc: BaseException) -> traceback.FrameSummary | None:
    """The deepest frame of `fn`'s file (the learner's) in `exc`'s traceback, if any."""
    if isinstance(exc, remote.RemoteError):  # raised in the sandbox: it sent the learner's frames along
        return exc.remote_frames[-1] if exc.remote_frames else None
    filename = getattr(getattr(fn, "__code__", None), "co_filename", None)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    return frames[-1] if frames else None


def at_learner_line(fn: Callable[..., Any], exc: BaseException) -> str:
    """"\n(at line N of your file: code)" for a message about an error in `fn`, or ""."""
    frame = learner_frame(fn, exc)
    return f"\n(at line {frame.lineno} of your file: {frame.line})" if frame else ""


def type_name(value: Any) -> str:
    """The name of `value`'s type as the learner's code sees it ('generator', 'EagerTensor', 'Value').

    The learner's objects reach a check as proxies (checker.remote.Remote): use
    this, never `type(value).__name__`, in a message.
    """
    return remote.type_name(value)


def is_generator(value: Any) -> bool:
    """Whether `value` is a generator object (a function with `yield` was called), here or in the sandbox."""
    return inspect.isgenerator(value) or remote.remote_type(value) == "builtins.generator"


def learner_side(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call `fn` where the learner's code runs, and return its result (a proxy if it is not plain data).

    For a trusted helper whose result the learner's code must use as a real
    object of its own process: a Keras model or optimizer to train, a random
    seed to set.  `fn` must be importable by name (a module-level function or
    class of checker.* or of keras/tensorflow/numpy).  Without a sandbox (the
    checks running in-process) it is a plain call.  What it returns came from
    the learner's process: never grade on it without checking it here.
    """
    connection = remote.current()
    if connection is None:
        return fn(*args, **kwargs)
    return connection.request("side", _helper_name(fn), args, kwargs)


def on_learner_side(fn: Callable[..., Any]) -> Any:
    """`fn` itself as an object of the learner's process (a proxy), to hand to the learner's code.

    For a check's function that the learner's code must run natively, e.g. under
    its own tf.GradientTape.  Without a sandbox it is `fn`.
    """
    connection = remote.current()
    if connection is None:
        return fn
    return connection.request("side", _helper_name(fn), (), {"_dlx_object": True})


def _helper_name(fn: Callable[..., Any]) -> list:
    code = getattr(fn, "__code__", None)
    filename = getattr(code, "co_filename", None) or getattr(sys.modules.get(fn.__module__), "__file__", None)
    return [fn.__module__, fn.__qualname__, filename]


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
    """CPU seconds used so far by the main thread of the process that runs the learner's code.

    Read from the kernel's accounting (Linux: /proc/PID/task/PID/schedstat, in
    ns), so the learner's code cannot fake it, and other programs taking turns
    on a busy machine do not count.  Without a sandbox (the checks run
    in-process), the CPU time of this thread.
    """
    connection = remote.current()
    pid = connection.peer_pid if connection is not None else None
    if pid:
        try:
            with open(f"/proc/{pid}/task/{pid}/schedstat", encoding="ascii") as handle:
                return int(handle.read().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            pass
        if hasattr(time, "clock_gettime"):
            try:
                return time.clock_gettime((~pid << 3) | 2)  # the whole process's CPU clock
            except OSError:
                pass
    return time.thread_time() if os.name == "posix" else time.perf_counter()


def rng(seed: int = 0) -> np.random.Generator:
    """A seeded generator, so a failing input is the same on every run."""
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- formatting


def fmt(value: Any, precision: int = 4, max_chars: int = 400) -> str:
    """A compact, readable rendering of a value for a failure message."""
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=precision, suppress=True, threshold=40, edgeitems=3, linewidth=78):
            text = np.array2string(value, separator=", ")
        text = " ".join(text.split()) if value.ndim <= 1 else text
    elif isinstance(value, (float, np.floating)):
        text = f"{float(value):.{precision + 2}g}"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k!r}: {fmt(v, precision, 80)}" for k, v in value.items()) + "}"
    else:
        text = repr(value)
    if len(text) > max_chars:
        text = text[: max_chars - 3] + "..."
    return text


def _describe_inputs(inputs: Mapping[str, Any] | None) -> str:
    if not inputs:
        return ""
    lines = ["on the input"]
    for name, value in inputs.items():
        rendered = fmt(value)
        shape = f"  # shape {value.shape}" if isinstance(value, np.ndarray) and value.ndim else ""
        if "\n" in rendered:
            pad = " " * (len(name) + 5)
            rendered = rendered.replace("\n", "\n" + pad)
        lines.append(f"  {name} = {rendered}{shape}")
    return "\n".join(lines) + "\n"


def _type_name(value: Any) -> str:
    full = remote.remote_type(value)
    return full.removeprefix("builtins.")


# --------------------------------------------------------------------------- type checks


def assert_array(got: Any, *, what: str, shape: tuple[int, ...] | None = None, inputs: Mapping[str, Any] | None = None) -> np.ndarray:
    """Fail unless `got` is a numeric numpy array (of `shape`, when given).

    Catches the classic wrong return values before any arithmetic runs on them:
    None (a forgotten `return`), a list, a generator, a tensor, a tuple.
    """
    if got is None:
        fail(f"{what} returned None.\nDid you forget the `return` statement?")
    if isinstance(got, (list, tuple)) and not isinstance(got, np.ndarray):
        fail(
            f"{what} returned a {type(got).__name__}, expected a numpy array"
            + (f" of shape {shape}" if shape is not None else "")
            + ".\nWrap the result with np.array(...) or build it with numpy operations."
        )
    if not isinstance(got, np.ndarray):
        lazy = hasattr(got, "__next__") or hasattr(got, "numpy")
        hint = " It looks lazy (a generator or a tensor): materialize it first." if lazy else ""
        fail(f"{what} returned {_type_name(got)}, expected a numpy array.{hint}")
    if got.dtype.kind not in "fiub":
        fail(f"{what} returned an array of dtype {got.dtype}, expected numbers (float64).")
    if shape is not None and tuple(got.shape) != tuple(shape):
        fail(
            f"{what} returned an array of shape {tuple(got.shape)}, expected shape {tuple(shape)}.\n"
            + _describe_inputs(inputs)
            + _shape_hint(tuple(got.shape), tuple(shape))
        )
    return got


def assert_scalar(got: Any, *, what: str) -> float:
    """Fail unless `got` is a single real number; return it as a float."""
    if got is None:
        fail(f"{what} returned None.\nDid you forget the `return` statement?")
    if isinstance(got, np.ndarray):
        if got.size != 1:
            fail(
                f"{what} returned an array of shape {got.shape}, expected a single number.\n"
                "Did you forget to average (or sum) over the examples?"
            )
        got = got.reshape(())[()]
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.integer, np.floating)):
        fail(f"{what} returned {_type_name(got)}, expected a float.")
    return float(got)


def assert_true(condition: bool, message: str) -> None:
    """Fail with `message` unless `condition` holds."""
    if not condition:
        fail(message)


# --------------------------------------------------------------------------- closeness


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and bool(np.all(np.isfinite(a) == np.isfinite(b))) and bool(
        np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
    )


def _shape_hint(got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    if got == expected[::-1] and len(got) > 1:
        return "The shape is the transpose of the expected one: check the order of a matrix product or a `.T`."
    if len(got) == len(expected) - 1 or (got == () and expected):
        return "One axis too few: did you reduce (sum/mean) over an axis you should keep?"
    if len(got) == len(expected) + 1:
        return "One axis too many: did you forget to reduce (sum/mean) over an axis, or keepdims=True?"
    if sorted(got) == sorted(expected):
        return "The axes are in the wrong order."
    if len(got) == len(expected) and got != expected:
        return "Did you reduce over the wrong axis, or mix up rows and columns?"
    return ""


def _constant_factor(got: np.ndarray, expected: np.ndarray) -> float | None:
    """The c with got == c * expected, if there is one (and c != 1)."""
    mask = np.abs(expected) > 1e-12
    if not mask.any() or not np.all(np.isfinite(got)):
        return None
    ratios = got[mask] / expected[mask]
    c = float(np.median(ratios))
    if not math.isfinite(c) or abs(c) < 1e-12 or abs(c - 1) < 1e-6:
        return None
    if np.allclose(got, c * expected, rtol=1e-6, atol=1e-9):
        return c
    return None


def _factor_text(c: float) -> str:
    if abs(c + 1) < 1e-6:
        return "Your answer has the opposite sign: is a minus sign flipped (y - ŷ instead of ŷ - y, or + instead of -)?"
    nice = round(c) if abs(c - round(c)) < 1e-6 else None
    inv = 1 / c
    nice_inv = round(inv) if abs(inv - round(inv)) < 1e-6 else None
    if nice is not None:
        return f"Your answer is exactly {nice}× the expected one: a missing division (by N, by 2, ...) or a factor counted twice?"
    if nice_inv is not None:
        return f"Your answer is exactly 1/{nice_inv} of the expected one: a missing factor ({nice_inv}), or a division too many?"
    return f"Your answer is the expected one times a constant ≈ {c:.4g}: a scaling factor is off."


def assert_close(
    got: Any,
    expected: Any,
    *,
    what: str,
    inputs: Mapping[str, Any] | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    mistakes: Mapping[str, Any] | None = None,
    hint: str = "",
) -> None:
    """Fail unless `got` is close to `expected`, explaining the difference.

    `mistakes` maps a description of a typical mistake to the value that mistake
    would produce on the same input (computed by the check); when the learner's
    answer matches one, the message names it.  Without a named match, generic
    signatures are tried: NaN/inf, a constant factor, a flipped sign, a
    transpose, a reduction over the wrong axis.
    """
    expected_arr = np.asarray(expected, dtype=float)
    if expected_arr.ndim == 0:
        got_arr = np.asarray(assert_scalar(got, what=what), dtype=float)
    else:
        got_arr = assert_array(got, what=what, shape=None).astype(float)
    if _close(got_arr, expected_arr, rtol, atol):
        return

    lines = [f"{what} is not right."]
    described = _describe_inputs(inputs)
    if described:
        lines.append(described.rstrip("\n"))
    lines.append(f"expected: {fmt(expected_arr) if expected_arr.ndim else fmt(float(expected_arr))}")
    lines.append(f"got:      {fmt(got_arr) if got_arr.ndim else fmt(float(got_arr))}")

    diagnosis = ""
    for description, wrong in (mistakes or {}).items():
        wrong_arr = np.asarray(wrong, dtype=float)
        if _close(got_arr, wrong_arr, max(rtol, 1e-6), max(atol, 1e-9)):
            diagnosis = f"Likely mistake: {description}"
            break
    if not diagnosis:
        if got_arr.shape != expected_arr.shape:
            lines.insert(1, f"It returned shape {got_arr.shape}, expected shape {expected_arr.shape}.")
            if got_arr.shape == expected_arr.shape[::-1] and _close(got_arr, expected_arr.T, rtol, atol):
                diagnosis = "Likely mistake: the result is transposed (check the order of a matrix product, or a `.T`)."
            else:
                diagnosis = _shape_hint(got_arr.shape, expected_arr.shape)
        elif not np.all(np.isfinite(got_arr)) and np.all(np.isfinite(expected_arr)):
            bad = int(np.sum(~np.isfinite(got_arr)))
            diagnosis = (
                f"Your answer contains {bad} NaN/inf value(s) where the expected one is finite: "
                "the formula is numerically unstable (an exp() that overflows, a log(0), a 0/0)."
            )
        else:
            c = _constant_factor(got_arr, expected_arr)
            if c is not None:
                diagnosis = _factor_text(c)
            elif got_arr.ndim == 2 and got_arr.shape[0] == got_arr.shape[1] and _close(got_arr, expected_arr.T, rtol, atol):
                diagnosis = "Likely mistake: the result is transposed (check the order of a matrix product, or a `.T`)."
    if got_arr.shape == expected_arr.shape and got_arr.ndim and not diagnosis.startswith("Likely"):
        diff = np.abs(got_arr - expected_arr)
        diff = np.where(np.isfinite(diff), diff, np.inf)
        index = np.unravel_index(int(np.argmax(diff)), diff.shape)
        index_text = index[0] if len(index) == 1 else tuple(int(i) for i in index)
        lines.append(
            f"largest difference at index {index_text}: expected {fmt(float(expected_arr[index]))}, "
            f"got {fmt(float(got_arr[index]))}"
        )
    if diagnosis:
        lines.append(diagnosis)
    if hint:
        lines.append(hint)
    fail("\n".join(lines))


# --------------------------------------------------------------------------- gradients


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of a scalar function at `x`; `x` is restored."""
    x = np.asarray(x)
    grad = np.zeros(x.shape, dtype=float)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    for _ in it:
        i = it.multi_index
        old = float(x[i])
        x[i] = old + h
        plus = float(f(x))
        x[i] = old - h
        minus = float(f(x))
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def gradcheck(
    f: Callable[[np.ndarray], float],
    analytic: Any,
    x: np.ndarray,
    *,
    what: str,
    inputs: Mapping[str, Any] | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-7,
    mistakes: Mapping[str, Any] | None = None,
) -> None:
    """Fail unless `analytic` matches the central-difference gradient of `f` at `x`."""
    numeric = numerical_gradient(f, np.array(x, dtype=float, copy=True))
    assert_close(
        analytic,
        numeric,
        what=what,
        inputs=inputs,
        rtol=rtol,
        atol=atol,
        mistakes=mistakes,
        hint="(The expected value is a numerical gradient: (f(x+h) - f(x-h)) / 2h for each entry.)",
    )


# --------------------------------------------------------------------------- input guards


def snapshot(values: Iterable[Any]) -> list[Any]:
    """Deep copies of `values`, to compare with after a call."""
    return [copy.deepcopy(v) for v in values]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and bool(
            np.array_equal(a, b, equal_nan=True)
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - exotic objects: treat as unchanged
        return True


def assert_unchanged(before: Mapping[str, Any], after: Mapping[str, Any], *, what: str) -> None:
    """Fail if any named input differs from its snapshot."""
    for name, old in before.items():
        if not _same(old, after[name]):
            fail(
                f"{what} changed its input `{name}` in place.\n"
                "A function must not modify the arrays it is given: the caller still needs them. "
                f"Work on a copy ({name} = {name}.copy()) or avoid in-place updates like `{name} -= ...`."
            )


def call_unchanged(fn: Callable[..., Any], *args: Any, what: str, names: Iterable[str] | None = None, **kwargs: Any) -> Any:
    """Call `fn` and fail if it modified any array argument; return its result.

    `names` labels the positional arguments in the message (default arg0, arg1...).
    Only numpy arrays are guarded: dict arguments such as an optimizer's `config`
    are meant to carry state and may be updated.
    """
    labels = list(names) if names is not None else [f"arg{i}" for i in range(len(args))]
    guarded = {label: arg for label, arg in zip(labels, args) if isinstance(arg, np.ndarray)}
    guarded.update({k: v for k, v in kwargs.items() if isinstance(v, np.ndarray)})
    before = dict(zip(guarded, snapshot(guarded.values())))
    result = fn(*args, **kwargs)
    assert_unchanged(before, guarded, what=what)
    return result
