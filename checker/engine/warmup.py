"""What a check process imports before it is given a job, so that the learner does not wait for it.

The judge and the sandbox each import their own list (and TensorFlow when the
exercise needs it, paying Keras' first-layer costs too) while the learner types.
Read by the parent (to say what failed to import) and by both check processes,
so it imports nothing at module level.
"""

from __future__ import annotations

import json
import os
import sys

JUDGE_MODULES = ("numpy", "pytest", "checker.judge.plugin", "checker.testing")
# numpy.testing before the learner's file, so that the tamper guard's snapshot holds it
SANDBOX_MODULES = ("numpy", "numpy.testing", "checker.sandbox.loader", "checker.sandbox.tamper")


_BOOT = ("import sys, json, runpy; sys.path[:] = json.loads(sys.argv[1]); del sys.argv[1]; "
         "runpy.run_module(sys.argv[1], run_name='__main__', alter_sys=True)")


def python_command(module: str) -> list[str]:
    """The command that starts a check process running `module`, immune to files planted in the environment.

    `-I` ignores the environment's PYTHON* variables and the current folder; `-S`
    skips `site`, so no `.pth` file or `sitecustomize` that learner code may have
    written into site-packages runs; the module search path is this process's,
    handed over explicitly.
    """
    path = [p for p in sys.path if p and os.path.exists(p)]
    return [sys.executable, "-I", "-S", "-B", "-c", _BOOT, json.dumps(path), module]


def warm_up(modules: tuple[str, ...], preload: list[str]) -> None:
    """Import `modules` and `preload`; pay Keras' first-call costs if TensorFlow is among them.

    The runtime's own start-up log (TensorFlow's C++ lines on file descriptor 2:
    absl's "All log messages before absl::InitializeLog()", the oneDNN notice)
    is not the learner's output: it goes to a scratch file, shown only if the
    warm-up fails (then it says why).
    """
    with quiet_descriptors():
        for name in (*modules, *preload):
            __import__(name)
        if "tensorflow" in preload:
            warm_up_keras()


class quiet_descriptors:
    """Send fds 1 and 2 to a scratch file while the block runs; replay it if the block raises."""

    def __enter__(self) -> None:
        import os
        import sys
        import tempfile

        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        self.scratch = tempfile.TemporaryFile()
        self.saved = [os.dup(1), os.dup(2)]
        os.dup2(self.scratch.fileno(), 1)
        os.dup2(self.scratch.fileno(), 2)

    def __exit__(self, kind, value, traceback) -> None:
        import os
        import sys

        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os.dup2(self.saved[0], 1)
        os.dup2(self.saved[1], 2)
        for fd in self.saved:
            os.close(fd)
        if kind is not None:  # the warm-up failed: what the runtime said is the explanation
            self.scratch.seek(0)
            os.write(2, self.scratch.read()[-8000:])
        self.scratch.close()


def warm_up_keras() -> None:
    """Pay TensorFlow's first-op and first-layer costs now, then forget the session.

    The first tensor op and the first Keras layer each take a few hundred ms
    (kernel registration, oneDNN set-up).  `clear_session` resets Keras' global
    state (layer-name counters, the graph), so the learner's run starts as if
    nothing had been built.
    """
    import keras
    import numpy as np

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.train_on_batch(np.zeros((2, 4), "float32"), np.zeros((2, 2), "float32"))
    model.predict(np.zeros((1, 4), "float32"), verbose=0)
    keras.backend.clear_session()
