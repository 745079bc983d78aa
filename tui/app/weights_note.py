"""How the app names a net's weights, so every pane says it the same way."""

from __future__ import annotations


def weights_note(epoch: int) -> str:
    """'W untrained', 'W after 1 epoch', 'W after 1,200 epochs': what the shown W has seen."""
    if epoch == 0:
        return "W untrained"
    return f"W after {epoch:,} epoch" + ("" if epoch == 1 else "s")
