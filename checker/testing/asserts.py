"""Assertions that speak to a learner: what was expected, what came back, on which input, and the likely mistake.

Every helper fails with a `CheckFailure` whose message names the function,
shows the tiny input, what was expected and what came back, and -- where the
mistake has a recognizable signature -- names it.  They take values only: an
exact numpy array or Python/numpy number.  A proxy for an object of the
learner's process (an ndarray subclass, a lazy tensor) is refused before any
numpy call could ask the learner's code for an answer.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, NoReturn

import numpy as np

from checker.channel.proxy import is_remote, remote_type


class CheckFailure(AssertionError):
    """A failed check, with a message written for the learner."""


def fail(message: str) -> NoReturn:
    """Stop the check with a learner-facing message."""
    raise CheckFailure(message)


def rng(seed: int = 0) -> np.random.Generator:
    """A seeded generator, so a failing input is the same on every run."""
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- formatting


def fmt(value: Any, precision: int = 4, max_chars: int = 400) -> str:
    """A compact, readable rendering of a value for a failure message.

    An array of two or more dimensions starts on a line of its own, every row indented by two
    spaces, so that its columns line up whatever text comes before it ("expected: ", "got:      ").
    """
    block = False
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=precision, suppress=True, threshold=40, edgeitems=3, linewidth=76):
            text = np.array2string(value, separator=", ")
        block = value.ndim >= 2
        text = " ".join(text.split()) if value.ndim <= 1 else text
    elif isinstance(value, (float, np.floating)):
        text = f"{float(value):.{precision + 2}g}"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k!r}: {' '.join(fmt(v, precision, 80).split())}" for k, v in value.items()) + "}"
    else:
        text = repr(value)
    if len(text) > max_chars:
        text = text[: max_chars - 3] + "..."
    if block:
        text = "\n" + "\n".join("  " + line for line in text.splitlines())
    return text


def _describe_inputs(inputs: Mapping[str, Any] | None) -> str:
    if not inputs:
        return ""
    lines = ["on the input"]
    for name, value in inputs.items():
        rendered = fmt(value)
        shape = f"  # shape {value.shape}" if isinstance(value, np.ndarray) and value.ndim else ""
        if rendered.startswith("\n"):  # a 2-D array: its rows under one another, after `name = `
            rows = [row[2:] for row in rendered[1:].splitlines()]
            rendered = ("\n" + " " * (len(name) + 5)).join(rows)
        lines.append(f"  {name} = {rendered}{shape}")
    return "\n".join(lines) + "\n"


def _type_name(value: Any) -> str:
    return remote_type(value).removeprefix("builtins.")


_PLAIN_SCALARS = (int, float, np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8, np.uint8,
                  np.uint16, np.uint32, np.uint64, np.longdouble)


def plain_array(value: Any) -> np.ndarray | None:
    """A local copy of `value` if it is exactly a numpy array (not a subclass, not a proxy); else None."""
    if type(value) is not np.ndarray:
        return None
    return np.array(value, copy=True)


def assert_array(got: Any, *, what: str, shape: tuple[int, ...] | None = None, inputs: Mapping[str, Any] | None = None) -> np.ndarray:
    """Fail unless `got` is a numeric numpy array (of `shape`, when given).

    Catches the classic wrong return values before any arithmetic runs on them:
    None (a forgotten `return`), a list, a generator, a tensor, a tuple.
    """
    if got is None:
        fail(f"{what} returned None.\nDid you forget the `return` statement?")
    if type(got) in (list, tuple):
        fail(
            f"{what} returned a {type(got).__name__}, expected a numpy array"
            + (f" of shape {shape}" if shape is not None else "")
            + ".\nWrap the result with np.array(...) or build it with numpy operations."
        )
    array = plain_array(got)
    if array is None:
        lazy = is_remote(got) and _type_name(got) in ("generator", "EagerTensor", "Tensor", "KerasTensor")
        hint = " It looks lazy (a generator or a tensor): materialize it first." if lazy else ""
        if is_remote(got) and not lazy:
            hint = " Return a plain numpy array (np.asarray(...)), not an object of another class."
        fail(f"{what} returned {_type_name(got)}, expected a numpy array.{hint}")
    got = array
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
    array = plain_array(got)
    if array is not None:
        if array.size != 1:
            fail(
                f"{what} returned an array of shape {array.shape}, expected a single number.\n"
                "Did you forget to average (or sum) over the examples?"
            )
        got = array.reshape(())[()]
    if type(got) not in _PLAIN_SCALARS:
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


