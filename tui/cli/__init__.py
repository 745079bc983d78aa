"""The headless command line: `stats`, `score`, `sample`, `train`, as text or strict JSON.

It imports neither torch nor textual at module level, and never textual at all.
"""
