"""The sandbox process (`python -m checker.sandbox`): the only place learner code runs.

`loader` imports the learner's file and describes what went wrong in it;
`tamper` notices rebound tools; `operations` is what the judge may ask besides
using the learner's objects.  It imports the channel and the protocol, never the
parent's modules.
"""
