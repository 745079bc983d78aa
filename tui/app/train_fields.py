"""The Train tab's hyperparameter fields: each checks its text and reports a good value."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from .messages import TrainingSettingChanged
from .pane import Pane

MAX_EPOCHS = 1_000_000


def _number(text: str) -> float:
    value = float(text.strip().replace("_", ""))
    if not math.isfinite(value):
        raise ValueError
    return value


def parse_lr(text: str) -> float:
    try:
        value = _number(text)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise ValueError("lr must be a number > 0")
    return value


def parse_reg(text: str) -> float:
    try:
        value = _number(text)
    except ValueError:
        value = -1.0
    if value < 0:
        raise ValueError("λ must be a number ≥ 0")
    return value


def parse_epochs(text: str) -> int:
    reason = f"epochs must be a whole number 1–{MAX_EPOCHS:,}"
    try:
        value = _number(text)
    except ValueError:
        raise ValueError(reason) from None
    if not value.is_integer() or not 1 <= value <= MAX_EPOCHS:
        raise ValueError(reason)
    return int(value)


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the Input's id is f"train-{name}"
    label: str
    default: str
    hint: str  # shown under the field while its value is valid: what the number does
    parse: Callable[[str], float | int]


FIELDS = (
    FieldSpec("lr", "lr", "50", "W -= lr · ∂loss/∂W", parse_lr),
    FieldSpec("epochs", "epochs", "500", "train up to this epoch", parse_epochs),
    FieldSpec("reg", "λ", "0", "loss += λ · mean(W²)", parse_reg),
)


class TrainingFields(Vertical):
    """The fields. A bad value shows its reason and changes nothing; escape and enter
    hand the keys back to the pane."""

    BINDINGS = [Binding("escape", "leave", "Back to the plot", show=False)]

    def compose(self) -> ComposeResult:
        for spec in FIELDS:
            with Horizontal(classes="train-field"):
                yield Label(spec.label, classes="train-field-label")
                yield Input(
                    spec.default, id=f"train-{spec.name}", compact=True, select_on_focus=True
                )
            yield Static(spec.hint, id=f"train-{spec.name}-reason", classes="hint")

    def action_leave(self) -> None:
        for pane in self.ancestors:
            if isinstance(pane, Pane):
                pane.focus_default()
                return

    @on(Input.Changed)
    def _field_changed(self, event: Input.Changed) -> None:
        spec = next(s for s in FIELDS if f"train-{s.name}" == event.input.id)
        reason = self.query_one(f"#train-{spec.name}-reason", Static)
        try:
            value = spec.parse(event.value)
        except ValueError as error:
            reason.update(str(error))
            reason.set_classes("reason")
            return
        reason.update(spec.hint)
        reason.set_classes("hint")
        self.post_message(TrainingSettingChanged(spec.name, value))

    @on(Input.Submitted)
    def _field_submitted(self) -> None:
        self.action_leave()
