"""Textual's terminal driver, made to survive what a terminal may send, and its loss.

Textual's input thread (Textual 8.2.8, drivers/linux_driver.py) ends the app, or never
ends, on input that a real terminal or a flood can produce:

- One byte that is not UTF-8 (a Latin-1 terminal typing é, `tmux send-keys -H e9`) raised
  UnicodeDecodeError in its strict decoder. Here such bytes become U+FFFD, which the panes
  treat as any other character they do not know.
- An overlong key escape: `\\x1b[1114112u` reaches `chr(1114112)` (ValueError) and
  `\\x1b[999999999999u` or `\\x1b[999999999999;1H` `chr(999999999999)` (OverflowError) in
  XTermParser._parse_extended_key. The exception killed the parser's generator and the
  input thread, and the app closed with a traceback and status 0. Such a sequence is now
  dropped, and anything else the parser cannot take costs only the rest of its read.
- The terminal going away (a closed tmux, a dropped SSH link): the tty then reads as EOF or
  EIO. Textual's loop took EOF for "no data" and spun at full speed for as long as the
  process lived. Here it is a hang-up: the app leaves as on SIGHUP (see `terminal`).
"""

from __future__ import annotations

import codecs
import selectors
import sys
from collections.abc import Callable, Iterable

from textual import constants, events
from textual.driver import Driver
from textual.keys import Keys

from .terminal import EXIT_HANGUP, exit_guard


def _lenient_decoder() -> Callable[..., str]:
    return codecs.getincrementaldecoder("utf-8")(errors="replace").decode


def terminal_driver() -> type[Driver] | None:
    """The driver for BigramApp; None leaves Textual's choice (on Windows, or $TEXTUAL_DRIVER)."""
    if sys.platform == "win32" or constants.DRIVER:
        return None
    import os

    from textual._xterm_parser import XTermParser
    from textual.drivers import linux_driver

    class TolerantParser(XTermParser):
        def _sequence_to_key_events(self, sequence: str, alt: bool = False) -> Iterable[events.Key]:
            try:
                keys = list(super()._sequence_to_key_events(sequence, alt))
            except (ValueError, OverflowError):
                # A key number past Unicode's last: no key at all. An ignored key, not none:
                # with none the parser would read on, then type the sequence's characters
                # into the focused field.
                keys = [events.Key(Keys.Ignore, sequence)]
            yield from keys

    class LenientLinuxDriver(linux_driver.LinuxDriver):
        def run_input_thread(self) -> None:
            """Textual's loop (8.2.8), with the decoder, the parser and the ends above."""
            selector = selectors.SelectSelector()
            selector.register(self.fileno, selectors.EVENT_READ)
            parser = TolerantParser(self._debug)
            decode = _lenient_decoder()
            try:
                while not self.exit_event.is_set():
                    ready = selector.select(0.1)
                    if ready:
                        try:
                            data = os.read(self.fileno, 4096)
                        except OSError:  # EIO: the terminal is gone
                            data = b""
                        if not data:
                            # Readable yet empty: on a tty that is a hang-up, never "no keys".
                            exit_guard.leave(EXIT_HANGUP)
                            return
                        parser = self._feed(parser, decode(data))
                    parser = self._tick(parser)
            finally:
                selector.close()

        def _feed(self, parser: TolerantParser, text: str) -> TolerantParser:
            try:
                for event in parser.feed(text):
                    self.process_message(event)
            except Exception:
                # A sequence no rule foresaw: the parser's generator is dead, so a new one
                # takes the keys from the next read on. What was left of this read is lost.
                return TolerantParser(self._debug)
            return parser

        def _tick(self, parser: TolerantParser) -> TolerantParser:
            try:
                for event in parser.tick():  # a lone escape, once ESCAPE_DELAY has passed
                    self.process_message(event)
            except Exception:
                return TolerantParser(self._debug)
            return parser

    return LenientLinuxDriver
