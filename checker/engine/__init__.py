"""The parent's side of a run: start a judge and its sandbox, time them, kill them, grade their report.

`records` is THE protocol between dlx and the judge (the job, the event
records, the problem kinds, the statuses); it, `warmup`, `hardening` and
`proctree` are the only modules of this package that the check processes
import, and they import nothing of dlx.  Nothing here imports rich.
"""
