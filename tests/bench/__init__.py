"""Benchmarks of bigram-tui: the core's fast paths against the lecture notebook's loops, and
the app measured under a pseudo-terminal. Run `python -m tests.bench` from the repo root."""
