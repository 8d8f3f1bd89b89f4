"""Which screen watch mode shows."""

from __future__ import annotations

from enum import Enum


class View(Enum):
    VERDICT = "verdict"  # the current exercise's verdict (the default)
    HINTS = "hints"  # the hints revealed so far
    LIST = "list"  # every exercise with its status
    CONFIRM_RESET = "confirm_reset"  # waiting for y/N
    ALL_RESULTS = "all_results"  # the table of a check-all
    FINISHED = "finished"  # every exercise passes
    HELP = "help"  # what each key does
    SOLUTION = "solution"  # the reference solution against the learner's (after a pass)
    CONFIRM_LIST_RESET = "confirm_list_reset"  # waiting for y/N to reset the exercise selected in the list
