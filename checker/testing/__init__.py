"""The check authors' toolkit: `from checker.testing import assert_close, gradcheck, ...`.

Checks speak to a learner, not to a developer: every helper fails with a
`CheckFailure` whose message names the function, shows the tiny input, what was
expected, what came back and -- where the mistake has a recognizable signature
-- the likely mistake.

Modules: `asserts` (values and messages), `gradients` (numerical gradients),
`guards` (inputs left unmodified), `learner_side` (reaching the process where
the learner's code runs), `data` (the shipped data, cheap checks first),
`optimizers` (optimizer trajectories), `figures` (what a check measured,
reported beside its verdict), `progress` (how far a long check has come,
shown while it runs), `keras_training` (training a learner's Keras model under
a time guard; describing its layers; rebuilding it in the judge to score it).  Import cost matters --
this package is loaded for every check run -- so the Keras helpers are imported
on first use only, and numpy checks never pay for TensorFlow.
"""

from __future__ import annotations

import importlib
from typing import Any

from checker.testing.asserts import (
    CheckFailure,
    assert_array,
    assert_close,
    assert_scalar,
    assert_true,
    fail,
    fmt,
    plain_array,
    rng,
)
from checker.testing.data import after_cheap_checks, shipped, shipped_fashion_mnist
from checker.testing.figures import fmt_gap, report_figure
from checker.testing.decoding import StepDecoder
from checker.testing.gradients import gradcheck, numerical_gradient
from checker.testing.guards import assert_unchanged, call_unchanged, snapshot
from checker.testing.learner_side import (
    at_learner_line,
    global_random_state,
    is_generator,
    learner_cpu_time,
    learner_frame,
    learner_isinstance,
    learner_side,
    on_learner_side,
    remote_type,
    seed_global_random,
    set_in_place,
    type_name,
)
from checker.testing.progress import ProgressReporter, report_progress, with_progress
from checker.testing.optimizers import call_step, run_trajectory, seeded_problem, state_entry

_LAZY = {  # imported on first use: these import keras
    "TimeGuard": "checker.testing.keras_training",
    "KerasProgress": "checker.testing.keras_training",
    "guarded_fit": "checker.testing.keras_training",
    "loss_from_logits": "checker.testing.keras_training",
    "check_loss_fits_outputs": "checker.testing.keras_training",
    "judge_side_model": "checker.testing.keras_training",
    "layer_flags": "checker.testing.keras_training",
}

__all__ = [
    "CheckFailure", "fail", "rng", "fmt", "plain_array",
    "assert_array", "assert_scalar", "assert_close", "assert_true",
    "numerical_gradient", "gradcheck", "StepDecoder",
    "call_unchanged", "snapshot", "assert_unchanged",
    "type_name", "remote_type", "is_generator", "learner_isinstance", "learner_side", "on_learner_side",
    "learner_frame", "at_learner_line", "set_in_place", "seed_global_random", "global_random_state",
    "learner_cpu_time", "report_figure", "fmt_gap",
    "report_progress", "ProgressReporter", "with_progress",
    "shipped", "shipped_fashion_mnist", "after_cheap_checks",
    "call_step", "run_trajectory", "seeded_problem", "state_entry",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'checker.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
