"""The key bar at the bottom: Textual's Footer look, drawn by one widget.

Textual's Footer mounts one widget per key and rebuilds them all whenever the screen's
bindings refresh, which is on every focus change. At 120×40 that rebuild (mounting and
styling a dozen FooterKeys) was the largest cost of a pane switch in `python -m tests.bench`.
This bar draws the same line in one render, and repaints only when the keys it shows change.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget


class FooterItem(NamedTuple):
    key: str  # what a click presses
    label: str  # how the key is shown
    description: str
    enabled: bool


class KeyFooter(Widget, can_focus=False):
    """The focused widget's keys from left to right, the command palette's on the right."""

    COMPONENT_CLASSES = {"key-footer--key", "key-footer--description", "key-footer--separator"}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._items: tuple[tuple[FooterItem, ...], FooterItem | None] = ((), None)
        self._spans: list[tuple[int, int, FooterItem]] = []  # cells of each item, last render

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if screen is not self.screen:
            return
        items = self._items_of(screen)
        if items != self._items:  # most focus changes leave the keys as they were
            self._items = items
            self.refresh()

    def _items_of(self, screen: Screen) -> tuple[tuple[FooterItem, ...], FooterItem | None]:
        app = self.app
        shown: dict[str, FooterItem] = {}  # by action: several keys for one action show once
        palette: FooterItem | None = None
        for key, (node, binding, enabled, _tooltip) in screen.active_bindings.items():
            label = app.get_key_display(binding)
            # A pane may name a key for its state (Counts' t: "Top bigrams" at n = 2).
            named = getattr(node, "binding_label", None)
            description = named(binding.action) if callable(named) else None
            description = description or binding.description
            item = FooterItem(binding.key, label, description, enabled)
            if key == app.COMMAND_PALETTE_BINDING and app.ENABLE_COMMAND_PALETTE:
                palette = item
            elif binding.show and binding.action not in shown:
                shown[binding.action] = item
        return tuple(shown.values()), palette

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        items, palette = self._items
        line = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []

        def add(item: FooterItem, key_text: str, description_text: str, tail: str = "") -> None:
            start = line.cell_len
            line.append(key_text, key_style)
            if item.description:
                line.append(description_text, description_style)
            line.append(tail)
            if not item.enabled:
                line.stylize("dim", start)
            self._spans.append((start, line.cell_len, item))

        for item in items:
            add(item, f" {item.label} ", f"{item.description} ")
        if palette is not None and line.cell_len + self._palette_width(palette) > self.size.width:
            # Too narrow for both: the pane's keys win. The palette is still on ctrl+p, and
            # the help screen (?) names it.
            palette = None
        if palette is not None:  # as Textual's: "▏^p palette " docked over the right edge
            left = max(self.size.width - self._palette_width(palette), 0)
            line.truncate(left, pad=True)
            self._spans = [(start, min(end, left), item) for start, end, item in self._spans]
            line.append("▏", self.get_component_rich_style("key-footer--separator"))
            add(palette, palette.label, f" {palette.description}", " ")
        return line

    @staticmethod
    def _palette_width(palette: FooterItem) -> int:
        return len(f"▏{palette.label} {palette.description} ")

    def on_click(self, event: events.Click) -> None:
        for start, end, item in self._spans:
            if start <= event.x < end:
                if item.enabled:
                    self.app.simulate_key(item.key.split(",")[0])
                else:
                    self.app.bell()
                return
