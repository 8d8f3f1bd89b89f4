"""Long runs that are not checks: the captioner recipe (`captioner`), its step function (`decoding`),
captioning image files (`captioning`), the learner's week-6 code (`learner_code`), run in the process
`python -m checker.training` that `dlx train captioner` and `dlx caption` start.  Nothing here grades."""
