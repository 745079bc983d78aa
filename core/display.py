"""Showing text from outside (a path, a word) so the terminal prints it and nothing else.

A file name may hold any byte but "/" and NUL: an ESC or BEL in one would, printed
raw, retitle the terminal or clear it; U+202E would reverse what follows; a zero-width
space would make two names look alike. The rule, the one home for it:

* A character that prints as itself (`str.isprintable`: letters, marks, CJK, emoji,
  the ASCII space) is left alone, so ordinary Unicode names read as they are.
* Anything else becomes a visible escape: ``\\xNN`` below U+0100, ``\\uNNNN`` or
  ``\\UNNNNNNNN`` above (control, format, bidirectional, separator, unassigned and
  private-use characters), and the byte ``\\xNN`` for an undecodable byte of a path
  (which Python carries as a lone surrogate U+DC80 to U+DCFF).
* `shown_path` also quotes an escaped path the way Python writes a string, with its
  backslashes doubled, so a name that truly contains ``\\x1b`` cannot pass for an
  escape; an empty path is shown as ``''``.

Only the standard library is used: the CLI's messages and the app's first frame need it
before torch loads.
"""

from __future__ import annotations

import os

__all__ = ["shown_path", "shown_text"]

_SURROGATE_ESCAPES = range(0xDC80, 0xDD00)  # os.fsdecode's stand-ins for bytes 0x80–0xFF


def _escape(char: str) -> str:
    code = ord(char)
    if code in _SURROGATE_ESCAPES:
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def shown_text(text: str) -> str:
    """`text` with every character that does not print as itself written as an escape."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def shown_path(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """A path for a message: as typed when it prints as itself, else quoted and escaped."""
    text = os.fsdecode(path)
    if text and text.isprintable():
        return text
    quote = "'" if "'" not in text or '"' in text else '"'
    return quote + "".join(_quoted(char, quote) for char in text) + quote


def _quoted(char: str, quote: str) -> str:
    if not char.isprintable():
        return _escape(char)
    return "\\" + char if char in ("\\", quote) else char


def abbreviated(text: str, limit: int = 60) -> str:
    """`text`, or its start and end around '…' when it is longer than `limit`."""
    return text if len(text) <= limit else text[: limit - 10] + "…" + text[-9:]


_ORDER_NAMES = {1: "unigram", 2: "bigram", 3: "trigram"}


def order_name(order: int) -> str:
    """What an n-gram of `order` is called: unigram, bigram, trigram, then "4-gram" and on."""
    return _ORDER_NAMES.get(order, f"{order}-gram")
