"""The judge <-> sandbox channel.  It knows nothing of pytest or of exercises.

`wire` (the format: JSON plus raw array bytes, nothing unpickled), `proxy`
(`Remote`, an object of the other side), `endpoint` (what both ends share),
`judge_end` / `sandbox_end` / `local_end` (the ends), `policy` (what each side
may ask), `mirror` (in-place changes to arguments), `errors` (exceptions that
cross, learner frames, the message limit).
"""
