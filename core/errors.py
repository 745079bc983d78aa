"""The project's own error types: the faults a user can cause and fix, each one line.

A front end catches `BigramTuiError` and shows its message; anything else is a bug.
"""

from __future__ import annotations


class BigramTuiError(Exception):
    """Bad input, a refused file or a run that cannot go on; the message is the line to show."""
