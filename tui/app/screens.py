"""Screens over the main one: the key help, what to do when there is no dataset, and the
command palette."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

Section = tuple[str, list[tuple[str, str]]]  # a title and its (keys, what they do) rows


def key_label(binding: Binding) -> str:
    """The binding's keys as the help names them: '+, =' for 'plus,equals_sign'."""
    from .app import KEY_SYMBOLS  # at call time: the app module imports this one

    return ", ".join(KEY_SYMBOLS.get(key, key) for key in binding.key.split(","))


def binding_rows(bindings: Iterable[object]) -> list[tuple[str, str]]:
    """One row per action: every key of an action on one row, described once (by the first
    tooltip, else the first description); a key bound to two actions is one row too."""
    by_action: dict[str, list[Binding]] = {}
    for binding in bindings:
        if isinstance(binding, Binding):
            by_action.setdefault(binding.action, []).append(binding)
    rows = []
    for group in by_action.values():
        keys = list(dict.fromkeys(k for b in group for k in key_label(b).split(", ")))
        description = next((b.tooltip for b in group if b.tooltip), group[0].description)
        rows.append((", ".join(keys), description))
    return unique_rows(rows)


def unique_rows(rows: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The rows with each key once: a key listed again has its new words joined to its row."""
    merged: dict[str, list[str]] = {}
    for keys, description in rows:
        said = merged.setdefault(keys, [])
        if description and description not in said:
            said.append(description)
    return [(keys, "; ".join(said)) for keys, said in merged.items()]


def help_sections(sections: list[Section]) -> list[Section]:
    """The help's sections with each pane's keys generated from its bindings, once each.

    The app passes its own list; a section titled for a pane ("3 Train") is made again here
    from the pane's BINDINGS, so that two keys of one action ("n" and "s": one epoch) are one
    row and no action is described twice. Every other section keeps its rows, each key once.
    """
    from .registry import PANES  # at call time: the panes import the app's modules

    panes = {f"{spec.key} {spec.title}": spec.pane for spec in PANES}
    made = []
    for title, rows in sections:
        pane = panes.get(title)
        made.append((title, binding_rows(pane.BINDINGS) if pane else unique_rows(rows)))
    return made


class HelpScreen(ModalScreen[None]):
    """Every key of the app, pane by pane: each action once, all its keys on its row."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def __init__(self, sections: list[Section]) -> None:
        super().__init__()
        self.sections = help_sections(sections)

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static("bigram-tui keys", id="help-title")
            with VerticalScroll(id="help-body"):
                yield Static(self._table())
            yield Static("escape or ? closes this", id="help-hint")

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(justify="right", style="bold")
        table.add_column()
        for title, keys in self.sections:
            table.add_row(Text(title, style="bold underline"), "")
            for key, description in keys:
                table.add_row(key, description)
            table.add_row("", "")
        return table


class DataProblemScreen(Screen[None]):
    """Shown instead of the panes when no word list can be loaded."""

    BINDINGS = [
        Binding("r", "retry", "Retry"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        from bigram_tui.core.session import DATA_ENV_VAR

        text = Text()
        text.append("No word list to load\n\n", style="bold")
        text.append(self.reason + "\n\n", style="red")
        text.append("bigram-tui needs a text file of words, one per line. Either:\n\n")
        text.append("  • start it with your own file:  ", style="")
        text.append("bigram-tui --data PATH\n", style="bold")
        text.append("  • or set ", style="")
        text.append(f"{DATA_ENV_VAR}=PATH\n", style="bold")
        text.append("  • or neither, for the built-in names.txt (reinstall if it is damaged)\n\n")
        text.append("Press r to try again.\n")
        with Vertical(id="problem-box"):
            yield Static(text)
        yield Footer()

    def action_retry(self) -> None:
        self.dismiss()


class SafeCommandPalette(CommandPalette):
    """Textual's palette, without two of its crashes in Textual 8.2.8.

    A page key right after the list's options change raises KeyError in
    OptionList._move_page (its line index is not yet rebuilt): the key then does nothing,
    and the next one pages as usual. And the search worker can still report after the
    palette's widgets are gone (Quit run from the palette): its watchers then find no
    CommandList. They now do nothing once the list is gone. And a second enter queued
    behind the one that closed it would dismiss the screen below.
    """

    def dismiss(self, result: None = None) -> AwaitComplete:
        if self.app.screen is not self:
            return AwaitComplete(asyncio.sleep(0))  # closed already
        return super().dismiss(result)

    def _watch__list_visible(self) -> None:
        if self.query(CommandList):
            super()._watch__list_visible()

    async def _watch__show_busy(self) -> None:
        if self.query(CommandList):
            await super()._watch__show_busy()

    def _action_command_list(self, action: str) -> None:
        try:
            super()._action_command_list(action)
        except KeyError:
            if action not in ("page_up", "page_down"):
                raise
