"""Every message the app's parts send one another, declared together."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from bigram_tui.core.session import KSweep, LambdaSweep, OrderRow, Session

    from .pane import Pane


@dataclass
class SessionReady(Message):
    """The loader finished: the model is ready for every pane."""

    session: Session


@dataclass
class LoadProgress(Message):
    """One line for the status bar while loading."""

    text: str


@dataclass
class LoadFailed(Message):
    """No model could be loaded; `reason` is the one line to show."""

    reason: str


@dataclass
class PaneMounted(Message):
    """A pane is in the DOM (the app mounts all but the first after its first frame)."""

    pane: Pane


@dataclass
class TrainingSettingChanged(Message):
    """A Train field now holds a good value: `name` is lr, epochs or reg."""

    name: str
    value: float


@dataclass
class SeedFieldClosed(Message):
    """Escape in the Sample tab's seed field: close it and keep the current seed."""


@dataclass
class WordChanged(Message):
    """The Word pane's word changed: the grid beside it (wide layout) marks its n-grams."""

    word: str


@dataclass
class SmoothingChosen(Message):
    """The user chose the smoothing k for the counts model; the app routes it to the panes."""

    k: float
    order: int  # the order at which k was tuned


# From the Evaluate pane's workers to the pane itself (bubble=False: the app has no use for
# them). `generation` lets the pane drop the late result of a sweep it has cancelled.


@dataclass
class TableReady(Message, bubble=False):
    k: float
    rows: list[OrderRow]


@dataclass
class KSweepReady(Message, bubble=False):
    generation: int
    order: int
    sweep: KSweep


@dataclass
class LambdaProgress(Message, bubble=False):
    generation: int
    done: int
    total: int


@dataclass
class LambdaSweepReady(Message, bubble=False):
    generation: int
    order: int
    sweep: LambdaSweep


@dataclass
class EvaluationFailed(Message, bubble=False):
    generation: int | None
    reason: str
