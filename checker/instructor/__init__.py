"""Grading many submissions for instructors (runs in dlx itself, the parent process).

`submissions` (finding and safely unpacking them), `points` (what a verdict is worth),
`grading` (every submission re-computed through the real engine), one writer per
output (`gradescope` results.json, `junit` XML, `gradebook` CSV, `report` JSON), and
`autograder` (the Gradescope bundle and the GitHub Actions workflow).
"""
