"""Everything dlx draws: the only package that imports rich.

`console` (the console and `sanitize`, which every learner-derived string
passes), `verdicts` (one verdict's panel), `tables` (lists, bars, verify and
dev-check tables), `screens` (hints, the key bar).
"""
