"""Keys the app holds back and replays in order, so that none is lost or misread.

- Typed while the model loads: the panes show a note and nothing is focused, so `2 e emma`
  typed in the first second would be lost, or read as pane keys. They are held until the
  panes attach.
- Escape then a digit arriving in one read (fast typing, or over SSH): Textual reads ESC+3 as
  macOS's Option+3 and sends `£`, which a text field inserts. It is split back into escape
  and 3 (leave the field, show pane 3). Those ten characters are never part of a name here.

- Keys arriving in one read (typing while the app is busy, a paste-like burst): Textual
  8.2.8 handles a printable key in the focused Input at once, but a key bound there
  (backspace, enter, left, …) only once the event has bubbled up to the App, through the
  queue of every widget on the way. Keys behind it overtook it: `ord`, backspace, `xy` in
  one read gave `ordx` (x, y, then the backspace). So while a bound (non-printable) key is
  on its way, the next ones wait: it is done once a handler stopped it, the App consumed
  it, or it has come back up to the App. A printable key never makes others wait.

Queued keys are replayed one at a time, each once the app has finished with the one before:
a key that moves focus (`e`, escape) decides where the next one goes.
"""

from __future__ import annotations

import asyncio
import time

from textual import events
from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
from textual.app import App

PASS_THROUGH = {"ctrl+c", "ctrl+q"}  # quitting never waits
SETTLE_CHECKS = 3  # turns of the event loop in a row with every message queue empty
SETTLE_TIMEOUT = 1.0
IN_FLIGHT_TIMEOUT = 1.0  # a key lost on its way (its widget removed) holds the rest no longer
QUIT_KEY = "q"  # with nothing held, q quits at once while loading, as it does after
# '£' → '3' and the like: the characters Textual's own table makes of ESC + digit.
ESCAPED_DIGITS = {
    text: sequence[1]
    for sequence, text in ANSI_SEQUENCES_KEYS.items()
    if isinstance(text, str)
    and len(sequence) == 2
    and sequence[0] == "\x1b"
    and sequence[1].isdigit()
}


class KeyQueue:
    """Holds keys while `loading` or while earlier keys replay; `release` replays them."""

    def __init__(self) -> None:
        self.loading = True
        self._queued: list[events.Key] = []
        self._replayed: set[int] = set()  # ids of the events a replay posted
        self._replay: asyncio.Task[None] | None = None
        self._in_flight: events.Key | None = None  # the key on its way through the widgets
        self._in_flight_until = 0.0

    def intercept(self, app: App, event: events.Event) -> bool:
        """Whether the app must drop `event`: it is queued, to come back in its turn."""
        if not isinstance(event, events.Key) or event.is_forwarded:
            return False
        if id(event) in self._replayed:
            self._replayed.discard(id(event))
            if not event.is_printable:
                self._fly(event)
            return False
        digit = ESCAPED_DIGITS.get(event.character or "")
        if digit is not None:
            self._queued += [events.Key("escape", "\x1b"), events.Key(digit, digit)]
        elif self._passes(app, event):
            if event.key not in PASS_THROUGH and not event.is_printable:
                # Only a bound key can be overtaken: a printable one is inserted by the
                # focused field at once, so a flood of them (a paste) never waits.
                self._fly(event)
            return False
        else:
            self._queued.append(events.Key(event.key, event.character))
        if not self.loading:
            self.release(app)
        return True

    def _fly(self, event: events.Key) -> None:
        self._in_flight = event
        self._in_flight_until = time.monotonic() + IN_FLIGHT_TIMEOUT

    def handled(self, event: events.Event, coming_back: bool) -> None:
        """After the App's own handling of `event`; `coming_back`: it bubbled up to the App."""
        if event is self._in_flight and (coming_back or not event.is_forwarded):
            self._in_flight = None  # the App consumed it, or its bindings have had it

    def _busy(self) -> bool:
        """Whether a key is still on its way: the next one must not overtake it."""
        event = self._in_flight
        if event is None:
            return False
        if event._stop_propagation or time.monotonic() > self._in_flight_until:
            self._in_flight = None  # a widget took it, or it will not come back
            return False
        return True

    def _passes(self, app: App, event: events.Key) -> bool:
        if event.key in PASS_THROUGH:
            return True  # quitting never waits
        if self._queued or self._replay is not None or self._busy():
            return False  # behind keys still to come, in order
        if not self.loading or event.key == QUIT_KEY:
            return True
        return len(app.screen_stack) > 1  # a modal screen (help, a data problem) takes keys

    def release(self, app: App) -> None:
        """The panes can take keys now: replay what is queued."""
        self.loading = False
        if self._replay is None and self._queued:
            self._replay = asyncio.create_task(self._send(app))

    def drop(self) -> None:
        """Loading failed: the keys were meant for panes that will not fill in."""
        self._queued.clear()
        self.loading = False

    def reload(self) -> None:
        self.loading = True

    async def _send(self, app: App) -> None:
        try:
            while self._queued:
                while self._busy():  # the key before this one is still on its way
                    await asyncio.sleep(0.002)
                event = self._queued.pop(0)
                self._replayed.add(id(event))
                app.post_message(event)
                await _settled(app)
        finally:
            self._replay = None


async def _settled(app: App) -> None:
    """Until every widget has handled what the last key set off (Pilot waits for an idle CPU
    instead, which never comes while training runs)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_TIMEOUT
    quiet = 0
    while quiet < SETTLE_CHECKS and loop.time() < deadline:
        await asyncio.sleep(0.002)
        if not app.is_running or not app.screen_stack:
            return  # the app is closing: nothing will handle the key any more
        pumps = (app, *app.screen_stack, *app.screen.walk_children())
        quiet = quiet + 1 if all(pump.message_queue_size == 0 for pump in pumps) else 0
