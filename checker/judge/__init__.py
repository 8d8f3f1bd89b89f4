"""The judge process (`python -m checker.judge`): pytest, the hidden checks and their oracles.

`plugin` runs the checks against the learner's module (a proxy to the sandbox)
and writes the records of `checker.engine.records`; `explain` puts what a check
raised in a learner's words; `pytest_dlx` runs the same plugin under plain
pytest, in-process, for course authors.  It imports the channel, the sandbox's
loader, the toolkit and the protocol, never the parent's modules.
"""
