"""Reading word lists: path checks, decoding, validation, chunked streaming."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bigram_tui.core import data
from bigram_tui.core.data import BOUNDARY, DataError, check_readable, iter_word_chunks, read_words
from bigram_tui.core.dataset import BUILTIN_SHA256


def write(tmp_path: Path, content: bytes | str, name: str = "words.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def raises_promptly(call: Callable[[], object], seconds: float = 5.0) -> BaseException:
    """Run call in a daemon thread and return what it raised; fail if it blocks."""
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still blocked after {seconds} s"
    assert outcome, "expected an exception"
    return outcome[0]


def assert_one_line(error: BaseException) -> str:
    message = str(error)
    assert "\n" not in message
    assert message.isprintable(), message
    return message


# --- path checks ----------------------------------------------------------------


def test_missing_path_names_the_file_and_the_way_out(tmp_path: Path) -> None:
    missing = tmp_path / "x"
    with pytest.raises(DataError) as caught:
        read_words(missing)
    message = assert_one_line(caught.value)
    assert message == f"{missing}: no such file; pass --data PATH to a word list, one word per line"
    assert caught.value.path == str(missing)
    assert caught.value.line is None


def test_path_under_a_regular_file_is_missing(tmp_path: Path) -> None:
    afile = write(tmp_path, "abc\n")
    with pytest.raises(DataError, match="no such file"):
        check_readable(afile / "inside")


def test_empty_path_reads_sensibly() -> None:
    with pytest.raises(DataError) as caught:
        check_readable("")
    assert str(caught.value).startswith("'': no such file")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        read_words(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path}: is a directory, not a word list")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_by_mode(tmp_path: Path) -> None:
    path = write(tmp_path, "abc\n")
    path.chmod(0)
    with pytest.raises(DataError, match="permission denied"):
        read_words(path)


def test_unreadable_file_reported_by_access(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "abc\n")
    real_access = os.access
    monkeypatch.setattr(
        data.os, "access", lambda p, mode: False if p == path else real_access(p, mode)
    )
    with pytest.raises(DataError) as caught:
        read_words(path)
    assert str(caught.value).startswith(f"{path}: permission denied;")


def test_unreadable_file_refused_at_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # os.access can disagree with open (ACLs, network filesystems), so open is checked too.
    path = write(tmp_path, "abc\n")
    real_open = os.open

    def refusing_open(p: object, flags: int, *args: object, **kwargs: object) -> int:
        if p == path:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(p, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(data.os, "open", refusing_open)
    with pytest.raises(DataError, match="permission denied"):
        read_words(path)


def test_unreadable_directory_on_the_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "abc\n")

    def refusing_stat(p: object, *args: object, **kwargs: object) -> os.stat_result:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(data.os, "stat", refusing_stat)
    with pytest.raises(DataError, match="permission denied"):
        check_readable(path)


def test_fifo_is_rejected_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    error = raises_promptly(lambda: read_words(fifo))
    assert isinstance(error, DataError)
    assert "named pipe" in str(error)


def test_fifo_swapped_in_after_the_stat_is_still_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # Pretend the stat saw a regular file; the open must not block all the same.
    monkeypatch.setattr(data, "check_readable", lambda path: Path(path))
    error = raises_promptly(lambda: read_words(fifo))
    assert isinstance(error, DataError)
    assert "named pipe" in str(error)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_character_device_is_rejected(device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"{device} does not exist here")
    error = raises_promptly(lambda: read_words(device))
    assert isinstance(error, DataError)
    assert str(error).startswith(f"{device}: is a character device, not a word list")


def test_socket_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        with pytest.raises(DataError, match="is a socket"):
            read_words(path)


def test_check_readable_returns_a_path(tmp_path: Path) -> None:
    path = write(tmp_path, "abc\n")
    assert check_readable(str(path)) == path


# --- content --------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"\n\n\n", b"  \n\t\n \t \r\n", b"\xef\xbb\xbf"])
def test_no_words(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path, content, "empty.txt")
    with pytest.raises(DataError) as caught:
        read_words(path)
    assert str(caught.value).startswith(f"{path}: contains no words;")
    assert caught.value.line is None


def test_single_word(tmp_path: Path) -> None:
    assert read_words(write(tmp_path, "emma")) == ["emma"]


def test_single_character_repeated(tmp_path: Path) -> None:
    assert read_words(write(tmp_path, "a\naa\naaaa\n")) == ["a", "aa", "aaaa"]


def test_surrounding_whitespace_and_blank_lines_are_dropped(tmp_path: Path) -> None:
    path = write(tmp_path, "\n  emma \n\n\tolivia\t\n   \nava\n\n")
    assert read_words(path) == ["emma", "olivia", "ava"]


def test_bom_is_dropped(tmp_path: Path) -> None:
    assert read_words(write(tmp_path, b"\xef\xbb\xbfemma\nava\n")) == ["emma", "ava"]


def test_crlf(tmp_path: Path) -> None:
    assert read_words(write(tmp_path, b"emma\r\nava\r\n\r\nmia")) == ["emma", "ava", "mia"]


def test_spaces_inside_words_are_kept(tmp_path: Path) -> None:
    assert read_words(write(tmp_path, "mary ann\n  jean  luc \n")) == ["mary ann", "jean  luc"]


def test_case_and_accents_are_kept(tmp_path: Path) -> None:
    assert read_words(write(tmp_path, "Emma\nZOË\nrenée\n")) == ["Emma", "ZOË", "renée"]


def test_emoji_and_combining_characters_stay_code_points(tmp_path: Path) -> None:
    decomposed = "rene\u0301e"  # e + COMBINING ACUTE ACCENT
    flag = "\U0001f1eb\U0001f1f7"  # two regional indicators
    words = read_words(write(tmp_path, f"{decomposed}\n{flag}\n🙂\n"))
    assert words == [decomposed, flag, "🙂"]
    assert len(words[0]) == 6
    assert len(words[1]) == 2


def test_non_ascii_whitespace_at_the_edges_is_stripped(tmp_path: Path) -> None:
    assert read_words(write(tmp_path, "\u00a0ava\u3000\nmia\n")) == ["ava", "mia"]


def test_boundary_token_in_a_word(tmp_path: Path) -> None:
    path = write(tmp_path, "emma\nava\n\nmia\nolivia\nsophia\nj.r\n", "names.txt")
    with pytest.raises(DataError) as caught:
        read_words(path)
    assert BOUNDARY == "."
    assert str(caught.value) == (
        f"{path}, line 7: contains '.', which bigram-tui reserves as the start/end token; "
        "remove it or pick another file"
    )
    assert caught.value.line == 7


@pytest.mark.parametrize(
    ("content", "line", "escaped"),
    [
        ("ava\nem\tma\n", 2, r"'\t'"),
        ("ava\nmia\r\nbad\x1bword\n", 3, r"'\x1b'"),
        ("a\x7fb\n", 1, r"'\x7f'"),
        ("ok\nnel\x85here\n", 2, r"'\x85'"),
    ],
)
def test_control_character_inside_a_word(
    tmp_path: Path, content: str, line: int, escaped: str
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(DataError) as caught:
        read_words(path)
    message = assert_one_line(caught.value)
    assert message.startswith(f"{path}, line {line}: contains the control character {escaped}")
    assert caught.value.line == line


def test_lone_carriage_return_inside_a_word(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        read_words(write(tmp_path, b"ava\r\nold\rmac\r\n"))
    assert caught.value.line == 2
    assert "carriage return" in assert_one_line(caught.value)


def test_nul_byte_reads_as_binary(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        read_words(write(tmp_path, b"ava\nem\x00ma\n"))
    assert caught.value.line == 2
    assert "binary file" in assert_one_line(caught.value)


def test_non_utf8_byte_gives_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, b"emma\nava\nmia\xff\xfeo\n", "data.bin")
    with pytest.raises(DataError) as caught:
        read_words(path)
    assert str(caught.value) == (
        f"{path}, line 3: not UTF-8 text (byte 0xff at column 4); save the file as UTF-8"
    )


def test_latin1_file(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        read_words(write(tmp_path, "emma\nzoë\n".encode("latin-1")))
    assert caught.value.line == 2
    assert "byte 0xeb at column 3" in str(caught.value)


def test_utf16_file_is_named_as_such(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        read_words(write(tmp_path, "emma\nava\n".encode("utf-16")))
    assert caught.value.line == 1
    assert "UTF-16" in str(caught.value)


def test_binary_content(tmp_path: Path) -> None:
    # A NUL on line 1 comes before the first invalid UTF-8 byte on line 2.
    with pytest.raises(DataError) as caught:
        read_words(write(tmp_path, bytes(range(256)), "data.bin"))
    assert caught.value.line == 1
    assert_one_line(caught.value)


def test_first_error_in_file_order_wins(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        read_words(write(tmp_path, b"ok\na.b\nbad\xff\n"))
    assert caught.value.line == 2
    assert "'.'" in str(caught.value)


# --- invisible characters --------------------------------------------------------

INVISIBLE = {
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202b": "RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u202d": "LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE",
    "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
    "\u061c": "ARABIC LETTER MARK",
    "\u2028": "LINE SEPARATOR",
    "\u2029": "PARAGRAPH SEPARATOR",
    "\u200b": "ZERO WIDTH SPACE",
    "\u200c": "ZERO WIDTH NON-JOINER",
    "\u200d": "ZERO WIDTH JOINER",
    "\u2060": "WORD JOINER",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
    "\u00ad": "SOFT HYPHEN",
    "\U000e0041": "TAG LATIN CAPITAL LETTER A",
}


@pytest.mark.parametrize("where", ["inside", "start", "end"])
@pytest.mark.parametrize("char", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_invisible_characters_are_refused_with_their_code_point(
    tmp_path: Path, char: str, where: str
) -> None:
    word = {"inside": f"ab{char}cd", "start": f"{char}abcd", "end": f"abcd{char}"}[where]
    path = write(tmp_path, "emma\nava\nmia\nzoe\nlily\nrose\n" + word + "\nbob\n")
    with pytest.raises(DataError) as caught:
        read_words(path)
    assert caught.value.line == 7
    assert str(caught.value) == (
        f"{path}, line 7: contains U+{ord(char):04X} {INVISIBLE[char]}, which is invisible; "
        "remove it"
    )
    assert_one_line(caught.value)
    assert str(caught.value).isprintable()


def test_a_bom_at_the_start_is_dropped_but_one_later_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="U\\+FEFF") as caught:
        read_words(write(tmp_path, "\ufeffemma\n\ufeffava\n"))
    assert caught.value.line == 2


def test_a_bom_after_the_first_chunk_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "emma\n" * 100 + "\ufeffava\n")
    with pytest.raises(DataError) as caught:
        list(iter_word_chunks(path, chunk_bytes=16))
    assert caught.value.line == 101


def test_an_invisible_character_before_a_decoding_error_comes_first(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="U\\+200B") as caught:
        read_words(write(tmp_path, "\ufeffok\na\u200bb\n".encode() + b"bad\xff\n"))
    assert caught.value.line == 2


# --- limits on lines and vocabulary ---------------------------------------------


def test_a_line_of_the_limit_is_read(tmp_path: Path) -> None:
    word = "ab" * (data.MAX_LINE_CHARS // 2)
    path = write(tmp_path, f"emma\r\n{word}\r\nava")
    assert read_words(path) == ["emma", word, "ava"]
    assert [w for chunk in iter_word_chunks(path, chunk_bytes=7) for w in chunk] == read_words(path)


@pytest.mark.parametrize("chunk_bytes", [1, 7, 1024, 1 << 20])
@pytest.mark.parametrize("length", [1_001, 5_000, 5 << 20])
def test_a_line_over_the_limit_is_refused(tmp_path: Path, chunk_bytes: int, length: int) -> None:
    path = write(tmp_path, f"emma\nava\n{'é' * length}\nmia\n")
    with pytest.raises(DataError) as caught:
        list(iter_word_chunks(path, chunk_bytes))
    assert caught.value.line == 3
    assert str(caught.value) == (
        f"{path}, line 3: is longer than 1,000 characters, the limit for one word; "
        "put one word on each line"
    )


def test_a_long_last_line_without_a_newline_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        read_words(write(tmp_path, "emma\n" + "a" * 300_000))
    assert caught.value.line == 2


def test_an_error_before_a_long_line_comes_first(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="reserves") as caught:
        list(iter_word_chunks(write(tmp_path, "emma\na.b\n" + "a" * 10_000), chunk_bytes=4))
    assert caught.value.line == 2


def test_a_long_line_is_refused_having_read_little_of_it(tmp_path: Path) -> None:
    """The reader stops within a few KB of an over-long line, whatever its length."""
    path = write(tmp_path, "emma\n" + "a" * (64 << 20))
    with path.open("rb") as stream:
        reads = data._read_line_aligned_chunks(stream, 4096)
        assert next(reads) == b"emma\n"
        with pytest.raises(data._LineTooLong):
            next(reads)
        assert stream.tell() <= 4096 + data._MAX_LINE_BYTES + 1


def distinct_characters(count: int) -> str:
    # CJK ideographs: letters, one code point each, none of them invisible.
    return "".join(chr(0x4E00 + i) for i in range(count))


def test_a_vocabulary_of_the_limit_is_read(tmp_path: Path) -> None:
    # 906 ideographs, 93 printable ASCII characters and the space, in separate chunks.
    ascii_chars = [chr(c) for c in range(0x21, 0x7F) if chr(c) != "."] + list("     ")
    ascii_words = ["".join(ascii_chars[i : i + 5]).strip() or "z" for i in range(0, 95, 5)]
    text = "\n".join(list(distinct_characters(906)) + ascii_words + ["a b"]) + "\n"
    path = write(tmp_path, text)
    seen = {char for word in read_words(path) for char in word}
    assert len(seen) == data.MAX_VOCABULARY == 1_000
    assert [w for chunk in iter_word_chunks(path, 64) for w in chunk] == read_words(path)


@pytest.mark.parametrize("chunk_bytes", [64, 1 << 20])
def test_a_vocabulary_over_the_limit_is_refused(tmp_path: Path, chunk_bytes: int) -> None:
    path = write(tmp_path, "\n".join(distinct_characters(16_000)))
    with pytest.raises(DataError) as caught:
        list(iter_word_chunks(path, chunk_bytes))
    message = str(caught.value)
    assert message.startswith(f"{path}: uses ")
    assert "distinct characters by line " in message
    assert "over the limit of 1,000" in message
    assert_one_line(caught.value)


def test_ascii_characters_count_towards_the_vocabulary(tmp_path: Path) -> None:
    # 93 printable ASCII characters and the space in an ASCII chunk, then 907 ideographs.
    ascii_word = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != ".") + " x"
    path = write(tmp_path, ascii_word + "\n" + "\n".join(distinct_characters(907)))
    with pytest.raises(DataError, match="uses 1,001 distinct characters"):
        list(iter_word_chunks(path, chunk_bytes=100))


def test_spaces_at_line_edges_are_not_characters_of_the_vocabulary(tmp_path: Path) -> None:
    # 999 ideographs and "a": spaces around "a" are stripped, so they do not count.
    path = write(tmp_path, "  a  \n\t\n" + "\n".join(distinct_characters(999)))
    assert len(read_words(path)) == 1_000
    with pytest.raises(DataError, match="uses 1,001"):
        read_words(write(tmp_path, "a a\n" + "\n".join(distinct_characters(999)), "spaced.txt"))


# --- chunked streaming ----------------------------------------------------------


def numbered_words(count: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [letters[i % 26] + letters[(i // 26) % 26] * (1 + i % 7) for i in range(count)]


def test_chunks_give_the_same_words(tmp_path: Path) -> None:
    words = numbered_words(2000)
    path = write(tmp_path, "\n".join(words) + "\n")
    chunks = list(iter_word_chunks(path, chunk_bytes=100))
    assert len(chunks) > 50
    assert all(chunks)
    assert [word for chunk in chunks for word in chunk] == words == read_words(path)


def test_chunks_of_one_byte(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeffzoë\r\n\n mary ann \r\nava")
    chunks = list(iter_word_chunks(path, chunk_bytes=1))
    assert [word for chunk in chunks for word in chunk] == ["zoë", "mary ann", "ava"]


@pytest.mark.parametrize("chunk_bytes", [1, 7, 64, 1000, 4 << 20])
@pytest.mark.parametrize(
    ("bad_line", "expected"),
    [("x.y", "'.'"), ("x\ty", r"'\t'"), (b"x\xc3y", "not UTF-8")],
)
def test_line_numbers_across_chunk_boundaries(
    tmp_path: Path, chunk_bytes: int, bad_line: str | bytes, expected: str
) -> None:
    lines = [word.encode() for word in numbered_words(1000)]
    lines.insert(776, bad_line if isinstance(bad_line, bytes) else bad_line.encode())
    lines[100:100] = [b"", b"   "]  # blank lines still count
    path = write(tmp_path, b"\r\n".join(lines))
    with pytest.raises(DataError) as caught:
        for _ in iter_word_chunks(path, chunk_bytes=chunk_bytes):
            pass
    assert caught.value.line == 779
    assert expected in str(caught.value)


def test_chunks_are_validated_before_they_are_yielded(tmp_path: Path) -> None:
    path = write(tmp_path, "ava\n" * 100 + "b.d\n")
    stream = iter_word_chunks(path, chunk_bytes=64)
    first = next(stream)
    assert set(first) == {"ava"}
    with pytest.raises(DataError, match="line 101"):
        list(stream)


def test_empty_file_error_comes_after_the_stream(tmp_path: Path) -> None:
    stream = iter_word_chunks(write(tmp_path, "\n" * 500), chunk_bytes=16)
    with pytest.raises(DataError, match="contains no words"):
        next(stream)


def test_path_errors_come_at_the_call(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        iter_word_chunks(tmp_path / "missing")


def test_chunk_size_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="positive"):
        iter_word_chunks(write(tmp_path, "a"), chunk_bytes=0)


# --- property -------------------------------------------------------------------

# Anything the reader must return unchanged: no Cc (which includes "\n"), no
# surrogates (not encodable), no boundary token, no invisible character, and no
# whitespace at either end.
valid_word = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")).filter(
        lambda char: char != "." and data._INVISIBLE.match(char) is None
    ),
    min_size=1,
    max_size=12,
).filter(lambda word: word == word.strip() and word != "")

line_end = st.sampled_from(["\n", "\r\n"])
blank_lines = st.lists(st.sampled_from(["", " ", "\t", "  \t "]), max_size=2)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    entries=st.lists(st.tuples(blank_lines, valid_word, line_end), max_size=30),
    trailing_end=st.booleans(),
    chunk_bytes=st.integers(min_value=1, max_value=80),
)
def test_valid_words_round_trip(
    tmp_path: Path,
    entries: list[tuple[list[str], str, str]],
    trailing_end: bool,
    chunk_bytes: int,
) -> None:
    text = ""
    for blanks, word, end in entries:
        text += "".join(blank + end for blank in blanks) + word + end
    if entries and not trailing_end:
        text = text.removesuffix(entries[-1][2])
    path = write(tmp_path, text)
    words = [word for _, word, _ in entries]
    if not words:
        with pytest.raises(DataError, match="contains no words"):
            read_words(path)
        return
    assert read_words(path) == words
    assert [word for chunk in iter_word_chunks(path, chunk_bytes) for word in chunk] == words


# --- the real names.txt ---------------------------------------------------------


def test_real_names_txt(names_path) -> None:
    """The built-in copy (what every test reads) is makemore's file: its sha256 and shape."""
    path = names_path
    assert hashlib.sha256(path.read_bytes()).hexdigest() == BUILTIN_SHA256
    words = read_words(path)
    assert len(words) == 32_033
    assert min(map(len, words)) == 2
    assert max(map(len, words)) == 15


# --- import cost ----------------------------------------------------------------


def test_modules_import_without_torch_or_textual() -> None:
    probe = (
        "import sys\n"
        "import bigram_tui.core.data, bigram_tui.core.dataset\n"
        "heavy = {'torch', 'textual', 'numpy', 'urllib.request', 'ssl'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
