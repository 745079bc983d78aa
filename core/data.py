"""Reading a word list: a UTF-8 text file with one word per line.

What counts as a word:

* Each line is stripped of surrounding whitespace (which also removes the ``\\r``
  of CRLF files); blank lines, including lines of only spaces or tabs, are skipped.
  A UTF-8 byte order mark at the very start of the file is dropped.
* Every character between the stripped ends belongs to the word, inner spaces
  included: ``mary ann`` is one word of eight characters, one of them a space.
  Case is kept as is, and so are accents, emoji and combining marks (each code
  point is one character of the model).
* Control characters (Unicode category Cc: tab, ESC, NUL, ...) inside a word are
  an error, because echoing them would corrupt the terminal display.
* ``.`` is reserved as the start/end token (``BOUNDARY``), so a word containing it
  is an error too.
* Invisible characters are an error anywhere in the file, because they make a word
  look like another one: the bidirectional controls (U+061C, U+200E, U+200F,
  U+202A to U+202E, U+2066 to U+2069), the zero-width ones (U+200B to U+200D,
  U+2060, U+FEFF past the start of the file), the line and paragraph separators
  U+2028 and U+2029, and the other invisible format characters (U+00AD, U+180E,
  U+2061 to U+2064, U+206A to U+206F, U+FFF9 to U+FFFB, the tags U+E0001 and
  U+E0020 to U+E007F). The message names the code point, e.g. ``U+202E``.
* Lines are separated by ``\\n`` only, so line numbers in error messages agree with
  what an editor shows.

Limits, so memory stays bounded whatever the file holds:

* A line may hold at most `MAX_LINE_CHARS` (1,000) characters; a longer one is an
  error, found after reading at most about 4 KB of it.
* A word list may use at most `MAX_VOCABULARY` (1,000) distinct characters: the
  count table is V×V, so 16,000 characters would need gigabytes. This is checked
  while streaming, before any table is made.

Errors are raised as `DataError`, whose message is one line naming the file, the
line where there is one, the problem and the way out.

Only the standard library is used, so this module imports in a few milliseconds
and the app can find its dataset before torch has loaded.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from io import BufferedReader
from pathlib import Path

from .display import shown_path
from .vocab import BOUNDARY

__all__ = [
    "BOUNDARY",
    "MAX_LINE_CHARS",
    "MAX_VOCABULARY",
    "DataError",
    "check_readable",
    "iter_word_chunks",
    "read_words",
]

MAX_LINE_CHARS = 1_000  # names are short; this bounds the memory one line can take
MAX_VOCABULARY = 1_000  # distinct characters: a 1,001-token V×V table is 8 MB per copy
# A line of MAX_LINE_CHARS characters takes at most 4 bytes each, and maybe a "\r".
_MAX_LINE_BYTES = 4 * MAX_LINE_CHARS + 1

_USE_A_WORD_LIST = "pass --data PATH to a word list, one word per line"

# Every Cc character except "\n", which separates the words this is searched
# in, plus the boundary token.
_FORBIDDEN = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f" + re.escape(BOUNDARY) + r"]")

# Searching a str for one character is a C-level scan (memchr for ASCII text),
# many times faster than a regex, so a clean block costs no per-character Python
# work. The regex above then only runs on blocks where one of these turns up.
# "\r" is not listed: CRLF pairs are folded to "\n" first, and a stray "\r" is
# looked for separately.
_SUSPECT_ASCII = tuple(
    chr(code) for code in (*range(0x20), 0x7F, ord(BOUNDARY)) if chr(code) not in "\n\r"
)
_C1_CONTROLS = tuple(chr(code) for code in range(0x80, 0xA0))
# The ASCII characters str.strip() removes, other than "\n" and " ", which are
# looked for at line edges only.
_ASCII_STRIPPABLE = ("\r", "\t", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f")
_UTF8_BOM = "\ufeff"
# Code points that show nothing (or reorder what is around them): see the module docstring.
_INVISIBLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x061C, 0x061C),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
_INVISIBLE = re.compile(
    "[" + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in _INVISIBLE_RANGES) + "]"
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class DataError(ValueError):
    """A word list that cannot be used, with a one-line message saying why.

    `path` is the path as the caller gave it (so messages show what the user
    typed), `line` the 1-based line number or None when the problem is the whole
    file, and `problem` the message without its location prefix.
    """

    def __init__(
        self, path: str, problem: str, line: int | None = None, *, origin: str | None = None
    ) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        # Where the path came from when the user did not type it (an env var, say).
        self.origin = origin
        super().__init__(self._message())

    def _message(self) -> str:
        where = self.path
        if self.origin:
            where += f" (from {self.origin})"
        if self.line is not None:
            where += f", line {self.line}"
        return f"{where}: {self.problem}"


def _display(path: str | os.PathLike[str]) -> str:
    return shown_path(path)  # escaped: a raw ESC in a file name would act on the terminal


def _describe_special(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _permission_denied(name: str) -> DataError:
    return DataError(name, f"permission denied; make it readable or {_USE_A_WORD_LIST}")


def check_readable(path: str | os.PathLike[str]) -> Path:
    """Check that `path` names a readable regular file and return it as a Path.

    Special files (FIFOs, devices, sockets) are rejected from their stat alone,
    before anything opens them: opening a FIFO blocks until a writer appears and
    /dev/zero never ends.
    """
    name = _display(path)
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise DataError(name, f"no such file; {_USE_A_WORD_LIST}") from None
    except PermissionError:
        raise _permission_denied(name) from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise DataError(name, f"cannot be read ({reason}); {_USE_A_WORD_LIST}") from None
    if stat.S_ISDIR(mode):
        raise DataError(name, f"is a directory, not a word list; {_USE_A_WORD_LIST}")
    if not stat.S_ISREG(mode):
        raise DataError(name, f"is {_describe_special(mode)}, not a word list; {_USE_A_WORD_LIST}")
    if not os.access(path, os.R_OK):
        raise _permission_denied(name)
    return Path(path)


def _open_regular(path: str | os.PathLike[str]) -> BufferedReader:
    """Open a file that check_readable accepted, without ever blocking.

    The file could be swapped for a FIFO between the stat and the open, so it is
    opened non-blocking and its type checked again on the open descriptor.
    """
    name = _display(path)
    check_readable(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except PermissionError:
        raise _permission_denied(name) from None
    except OSError as exc:
        raise DataError(name, f"cannot be opened ({exc.strerror}); {_USE_A_WORD_LIST}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise DataError(
                name, f"is {_describe_special(mode)}, not a word list; {_USE_A_WORD_LIST}"
            )
        # Regular files ignore O_NONBLOCK for reads; clear it anyway so nothing
        # downstream ever sees EAGAIN.
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


class _LineTooLong(Exception):
    """Raised by the block reader once the lines before an over-long one are yielded."""


def _read_line_aligned_chunks(stream: BufferedReader, chunk_bytes: int) -> Iterator[bytes]:
    """Yield blocks of about chunk_bytes that end just after a newline (or at EOF).

    A block is completed with at most _MAX_LINE_BYTES more bytes. A line still
    unfinished after that is too long in any encoding: the complete lines before
    it are yielded, then _LineTooLong is raised. So a block never exceeds
    chunk_bytes + _MAX_LINE_BYTES, however long the file's lines.
    """
    while block := stream.read(chunk_bytes):
        if not block.endswith(b"\n"):
            block += stream.readline(_MAX_LINE_BYTES + 1)
        last_line_start = block.rfind(b"\n") + 1
        if len(block) - last_line_start > _MAX_LINE_BYTES:
            if last_line_start:
                yield block[:last_line_start]
            raise _LineTooLong
        yield block


def _may_hold_forbidden(text: str) -> bool:
    """Cheap test: False guarantees that no word of text is forbidden."""
    if "\r" in text or any(suspect in text for suspect in _SUSPECT_ASCII):
        return True
    return not text.isascii() and any(control in text for control in _C1_CONTROLS)


def _needs_strip(text: str) -> bool:
    """False when text is ASCII and no line of it has whitespace at either end."""
    if not text.isascii() or any(char in text for char in _ASCII_STRIPPABLE):
        return True
    # The two-character searches are slow on short lines; most lists have no space.
    return " " in text and (
        text.startswith(" ") or text.endswith(" ") or " \n" in text or "\n " in text
    )


def _words_of_lines(lines: list[str], text: str) -> list[str]:
    if not _needs_strip(text):
        # filter(None, ...) runs in C; stripping 500k already clean lines does not.
        return list(filter(None, lines))
    return [word for word in map(str.strip, lines) if word]


def _line_too_long() -> str:
    return (
        f"is longer than {MAX_LINE_CHARS:,} characters, the limit for one word; "
        "put one word on each line"
    )


def _invisible(char: str) -> str:
    import unicodedata

    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}".rstrip()


def _problem_in_word(word: str) -> str | None:
    """Describe what makes `word` unusable, or None if it is fine."""
    match = _FORBIDDEN.search(word)
    if match is None:
        return None
    char = match.group()
    if char == BOUNDARY:
        return (
            f"contains {BOUNDARY!r}, which bigram-tui reserves as the start/end token; "
            "remove it or pick another file"
        )
    if char == "\x00":
        return f"contains a NUL character, so it looks like a binary file; {_USE_A_WORD_LIST}"
    if char == "\r":
        return (
            "contains a carriage return ('\\r') inside a word; "
            "save the file with LF or CRLF line endings"
        )
    # repr() escapes the character, so the message never writes it raw.
    return (
        f"contains the control character {char!r} (U+{ord(char):04X}) inside a word; "
        "remove it or save the file as plain text"
    )


def _problem_in_line(line: str) -> str | None:
    """Describe what makes a line (without its "\\n") unusable, or None if it is fine."""
    if len(line) > MAX_LINE_CHARS:
        return _line_too_long()
    invisible = _INVISIBLE.search(line)
    if invisible is not None:
        return f"contains {_invisible(invisible.group())}, which is invisible; remove it"
    return _problem_in_word(line.strip())


def vocabulary_problem(chars: str) -> str | None:
    """What makes a vocabulary from outside (a model file's) unusable by the rules a word
    list follows, or None: the same characters refused, the same limit on how many."""
    if len(chars) > MAX_VOCABULARY:
        return f"it has {len(chars):,} characters, more than the {MAX_VOCABULARY:,} allowed"
    # A line's rules, not a word's: a word list may hold inner spaces, which sort first.
    invisible = _INVISIBLE.search(chars)
    if invisible is not None:
        return f"contains {_invisible(invisible.group())}, which is invisible"
    return _problem_in_word(chars)


def _raise_first_bad_line(name: str, lines: list[str], first_line: int) -> None:
    """Raise a DataError for the first of `lines` that is unusable, if any."""
    for offset, line in enumerate(lines):
        problem = _problem_in_line(line)
        if problem is not None:
            raise DataError(name, problem, first_line + offset)


def _normalised(text: str, first_line: int) -> str:
    if first_line == 1 and text.startswith(_UTF8_BOM):
        # Replacing the BOM by nothing keeps the text's line structure intact.
        text = text[len(_UTF8_BOM) :]
    if "\r\n" in text:
        # The "\r" of a CRLF line would be stripped anyway; folding the pairs keeps
        # the count of "\n", hence the line numbers, and lets ASCII text skip strip().
        text = text.replace("\r\n", "\n")
    return text


def _decode_error(name: str, block: bytes, first_line: int, exc: UnicodeDecodeError) -> DataError:
    line_start = block.rfind(b"\n", 0, exc.start) + 1
    # Lines before the undecodable one decoded fine; an error among them comes
    # first in the file, so it is the one to report.
    decoded = _normalised(block[:line_start].decode("utf-8"), first_line)
    _raise_first_bad_line(name, decoded.split("\n"), first_line)
    line = first_line + block.count(b"\n", 0, exc.start)
    column = exc.start - line_start + 1
    if first_line == 1 and block.startswith(_UTF16_BOMS):
        problem = "looks like UTF-16 text, not UTF-8; save the file as UTF-8"
    else:
        problem = (
            f"not UTF-8 text (byte 0x{block[exc.start]:02x} at column {column}); "
            "save the file as UTF-8"
        )
    return DataError(name, problem, line)


def _validated_words(name: str, block: bytes, first_line: int) -> list[str]:
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _decode_error(name, block, first_line, exc) from None
    text = _normalised(text, first_line)
    lines = text.split("\n")
    words = _words_of_lines(lines, text)
    # The quick tests raise false alarms (a tab at a line's edge, which strip()
    # removed); the regex over the stripped words settles them.
    if (
        max(map(len, lines)) > MAX_LINE_CHARS
        or (not text.isascii() and _INVISIBLE.search(text))
        or (_may_hold_forbidden(text) and _FORBIDDEN.search("\n".join(words)))
    ):
        _raise_first_bad_line(name, lines, first_line)
    return words


# Never part of an ASCII word: "\n", and the other Cc characters, which are either
# whitespace that strip() took from a line's edge or refused.
_NOT_IN_ASCII_WORDS = bytes(range(0x20)) + b"\x7f"


def _note_characters(seen: set[str], block: bytes, words: list[str]) -> None:
    """Add the characters of `words`, the words of `block`, to `seen`."""
    if not block.isascii():
        seen.update("".join(words))
        return
    known = "".join(char for char in seen if char.isascii()).encode("ascii")
    # Deleting the known characters leaves only new ones: one C-level pass for most blocks.
    new = block.translate(None, _NOT_IN_ASCII_WORDS + known)
    if b" " in new and not any(" " in word for word in words):
        new = new.replace(b" ", b"")  # spaces only at line edges, which strip() removed
    while new:
        found = new[:64]
        seen.update(found.decode("ascii"))
        new = new.translate(None, found)


def _too_many_characters(distinct: int, line: int) -> str:
    return (
        f"uses {distinct:,} distinct characters by line {line:,}, over the limit of "
        f"{MAX_VOCABULARY:,} (the count table grows with their square); "
        "use a word list with fewer distinct characters"
    )


def iter_word_chunks(
    path: str | os.PathLike[str], chunk_bytes: int = 1 << 20
) -> Iterator[list[str]]:
    """Stream the words of a word list, one validated list per block of about chunk_bytes.

    The path is checked and opened right away, so a missing or special file fails
    at the call rather than at the first iteration. While streaming, DataError is
    raised for the first bad line (with its line number), for a vocabulary over
    MAX_VOCABULARY before the chunk that brings it is yielded, and, once the
    stream ends, if the file held no word at all.
    """
    if chunk_bytes < 1:
        raise ValueError(f"chunk_bytes must be positive, not {chunk_bytes}")
    stream = _open_regular(path)
    return _stream_words(_display(path), stream, chunk_bytes)


def _stream_words(name: str, stream: BufferedReader, chunk_bytes: int) -> Iterator[list[str]]:
    first_line = 1
    saw_a_word = False
    characters: set[str] = set()
    with stream:
        try:
            for block in _read_line_aligned_chunks(stream, chunk_bytes):
                words = _validated_words(name, block, first_line)
                first_line += block.count(b"\n")
                if words:
                    _note_characters(characters, block, words)
                    if len(characters) > MAX_VOCABULARY:
                        last_line = first_line - block.endswith(b"\n")
                        problem = _too_many_characters(len(characters), last_line)
                        raise DataError(name, problem)
                    saw_a_word = True
                    yield words
        except _LineTooLong:
            raise DataError(name, _line_too_long(), first_line) from None
        except OSError as exc:
            raise DataError(name, f"cannot be read ({exc.strerror}); {_USE_A_WORD_LIST}") from None
    if not saw_a_word:
        raise DataError(name, f"contains no words; {_USE_A_WORD_LIST}")


def read_words(path: str | os.PathLike[str]) -> list[str]:
    """Return all the words of a word list, in file order (see the module docstring)."""
    words: list[str] = []
    for chunk in iter_word_chunks(path):
        words.extend(chunk)
    return words
