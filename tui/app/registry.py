"""The app's panes, in tab order: adding a pane is one line here plus its module."""

from __future__ import annotations

from dataclasses import dataclass

from .counts_pane import CountsPane
from .evaluate_pane import EvaluatePane
from .pane import Pane
from .sample_pane import SamplePane
from .train_pane import TrainPane
from .word_pane import WordPane


@dataclass(frozen=True)
class PaneSpec:
    name: str  # the pane's id; its tab is f"tab-{name}"
    key: str  # the key that shows it
    pane: type[Pane]

    @property
    def title(self) -> str:
        return self.pane.TITLE

    @property
    def tab_id(self) -> str:
        return f"tab-{self.name}"


PANES = (
    PaneSpec("counts", "1", CountsPane),
    PaneSpec("word", "2", WordPane),
    PaneSpec("train", "3", TrainPane),
    PaneSpec("sample", "4", SamplePane),
    PaneSpec("evaluate", "5", EvaluatePane),
)
FIRST_PANE = PANES[0]  # painted in the first frame; the others mount after it
