"""The shipped data as the checks use it, and the order of cheap and expensive checks.

A check that needs the course's data takes it from here: always the shipped
subset (thresholds and time budgets are set for it, whatever full data set the
learner points the loaders at), loaded once per check process, and -- should
the file be missing -- a failure in a learner's words rather than a traceback.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from checker.testing.asserts import fail


def shipped(loader: Callable[..., Any], *args: Any, what: str = "the course's data", **kwargs: Any) -> Any:
    """loader(*args, **kwargs), or a failure that says the shipped data is missing (not the learner's fault)."""
    from checker.datasets import DataNotFound

    try:
        return loader(*args, **kwargs)
    except DataNotFound as exc:
        fail(f"{exc}\nThis check needs {what}, which ships with dlx: reinstall dlx (or restore data/ in a clone).")


@functools.lru_cache(maxsize=2)
def shipped_fashion_mnist(flatten: bool = False):
    """The shipped Fashion-MNIST subset, `(x_train, y_train), (x_test, y_test)` (see load_fashion_mnist)."""
    from checker.datasets import FASHION_MNIST_SUBSET, data_dir, load_fashion_mnist

    return shipped(load_fashion_mnist, data_dir() / FASHION_MNIST_SUBSET, flatten=flatten,
                   what="the course's Fashion-MNIST subset")


def after_cheap_checks(request: Any, why: str) -> None:
    """Fail ("not run yet") if a check before this one failed: an expensive check runs on a sound contract only.

    `request` is pytest's fixture; `why` says in a sentence what the wait saves ("Training takes a few seconds").
    """
    if request.session.testsfailed:
        fail(f"Not run yet: fix the checks above first. {why}")
