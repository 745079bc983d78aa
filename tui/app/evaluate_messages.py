"""Messages of the Evaluate pane: what it tells the app, and what its workers hand back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from bigram_tui.core.evaluation import OrderRow
    from bigram_tui.core.sweeps import KSweep, LambdaSweep


class SmoothingChosen(Message):
    """The user chose the smoothing k for the counts model; the app routes it to the panes."""

    def __init__(self, k: float, order: int) -> None:
        super().__init__()
        self.k = k
        self.order = order  # the order at which k was tuned


# From the pane's workers to the pane itself (bubble=False: the app has no use for them).


class TableReady(Message, bubble=False):
    def __init__(self, k: float, rows: list[OrderRow]) -> None:
        super().__init__()
        self.k, self.rows = k, rows


class KSweepReady(Message, bubble=False):
    def __init__(self, generation: int, order: int, sweep: KSweep) -> None:
        super().__init__()
        self.generation, self.order, self.sweep = generation, order, sweep


class LambdaProgress(Message, bubble=False):
    def __init__(self, generation: int, done: int, total: int) -> None:
        super().__init__()
        self.generation, self.done, self.total = generation, done, total


class LambdaSweepReady(Message, bubble=False):
    def __init__(self, generation: int, order: int, sweep: LambdaSweep) -> None:
        super().__init__()
        self.generation, self.order, self.sweep = generation, order, sweep


class EvaluationFailed(Message, bubble=False):
    def __init__(self, generation: int | None, reason: str) -> None:
        super().__init__()
        self.generation, self.reason = generation, reason
