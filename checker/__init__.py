"""dlx: a terminal exercise runner for an introduction to deep learning.

Kept import-free on purpose: the check worker imports this package first, and
every millisecond here is a millisecond between a learner's save and the verdict.
"""

__version__ = "0.1.0"
