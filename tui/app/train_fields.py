"""The Train tab's fields: the hyperparameters, each checking its text and reporting a good
value, and the path a model is saved to or loaded from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from bigram_tui.core.params import (
    EPOCHS,
    LR,
    REG,
    ParameterError,
    Rule,
    parse_epochs,
    parse_lr,
    parse_reg,
)

from .messages import TrainingSettingChanged
from .pane import STYLES, Pane

DEFAULT_MODEL_PATH = "model.pt"  # in the current directory, as the CLI's --save examples


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the Input's id is f"train-{name}"
    rule: Rule  # its label, its default and its limits
    hint: str  # shown under the field while its value is valid: what the number does
    parse: Callable[[str], float | int]  # ParameterError with the one-line reason


FIELDS = (
    FieldSpec("lr", LR, "W -= lr · ∂loss/∂W", parse_lr),
    FieldSpec("epochs", EPOCHS, "train up to this epoch", parse_epochs),
    FieldSpec("reg", REG, "loss += λ · mean(W²)", parse_reg),
)


class FieldInput(Input):
    """A field whose footer says what its keys do: Input's own enter binding is hidden."""

    BINDINGS = [Binding("enter", "submit", "Apply")]


class TrainingFields(Vertical):
    """The fields. A bad value shows its reason and changes nothing; escape and enter
    hand the keys back to the pane."""

    BINDINGS = [
        Binding("tab", "app.focus_next", "Next field"),
        Binding("escape", "leave", "Back to the plot"),
    ]

    def compose(self) -> ComposeResult:
        for spec in FIELDS:
            with Horizontal(classes="train-field"):
                yield Label(spec.rule.label, classes="train-field-label")
                yield FieldInput(
                    spec.rule.default_text,
                    id=f"train-{spec.name}",
                    compact=True,
                    select_on_focus=True,
                )
            yield Static(spec.hint, id=f"train-{spec.name}-reason", classes="hint")

    def show_values(self, lr: float, reg: float) -> None:
        """Set the lr and λ fields (a model was loaded); each reports its value as typing would."""
        self.query_one("#train-lr", Input).value = f"{lr:g}"
        self.query_one("#train-reg", Input).value = f"{reg:g}"

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
        except ParameterError as error:
            reason.update(Content(str(error)))  # never markup
            reason.set_classes("reason")
            return
        reason.update(spec.hint)
        reason.set_classes("hint")
        self.post_message(TrainingSettingChanged(spec.name, value))

    @on(Input.Submitted)
    def _field_submitted(self) -> None:
        self.action_leave()


class ModelPathScreen(ModalScreen[str | None]):
    """Asks for a model file's path; dismissed with the text, or None on escape."""

    DEFAULT_CSS = (STYLES / "train.tcss").read_text(encoding="utf-8")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, verb: str, path: str = DEFAULT_MODEL_PATH) -> None:
        super().__init__()
        self.verb = verb  # "Save" or "Load"
        self.path = path
        self._answered = False

    def compose(self) -> ComposeResult:
        with Vertical(id="model-path-box"):
            yield Label(f"{self.verb} the model: file path", id="model-path-title")
            yield Input(self.path, id="model-path", select_on_focus=False)
            yield Static("enter to confirm · escape to cancel", classes="hint")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._answer(event.value)

    def action_cancel(self) -> None:
        self._answer(None)

    def _answer(self, path: str | None) -> None:
        # Once only: two enters in one read (a paste, key repeat, SSH) submit twice before
        # the screen is gone, and a second dismiss raised ScreenStackError (Can't pop screen).
        if self._answered:
            return
        self._answered = True
        self.dismiss(path)
