"""Issue 17, items 2 and 9: a model file is checked like data, and no net outgrows its cap."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch

from bigram_tui.core.counts import NgramCounts
from bigram_tui.core.errors import ModelFileError, NgramError
from bigram_tui.core.neural import MAX_PARAMETERS, TrainingRun
from bigram_tui.core.persist import FORMAT, load_model
from bigram_tui.core.vocab import Vocab

from ..cli.helpers import run_cli as run

F64 = torch.float64


def payload(chars: list[str], **changes: object) -> dict[str, object]:
    """A well-formed order-2 table net over `chars`, with `changes` on top."""
    size = len(chars) + 1
    valid = {
        "format": FORMAT, "chars": chars, "weights": torch.zeros(size, size, dtype=F64),
        "epoch": 0, "lr": 50.0, "reg": 0.0, "seed": 1, "losses": [], "order": 2,
        "kind": "table", "contexts": torch.arange(size),
    }  # fmt: skip
    return valid | changes


def saved(tmp_path: Path, name: str, content: dict[str, object]) -> Path:
    path = tmp_path / name
    torch.save(content, path)
    return path


# --- a model file's vocabulary follows the word list's rules --------------------------------

HOSTILE = ["\x1b", "]", "0", ";", "P", "W", "N", "E", "D", "\x07"]


def test_a_vocabulary_with_control_characters_is_refused_in_one_escaped_line(tmp_path, capsys):
    path = saved(tmp_path, "osc.pt", payload(sorted(HOSTILE)))
    with pytest.raises(ModelFileError) as refused:
        load_model(path)
    message = str(refused.value)
    assert "control character" in message and "\n" not in message
    assert "\x1b" not in message and "\x07" not in message  # quoted escaped, never raw
    code, out, err = run(capsys, "sample", "--load", path, "-n", "3")
    assert code == 2 and out == "" and "\x1b" not in err and err.count("\n") == 1


def test_a_vocabulary_past_the_data_limit_is_refused(tmp_path):
    chars = sorted({chr(0x4E00 + i) for i in range(2_000)})
    with pytest.raises(ModelFileError, match="2,000 characters, more than the 1,000 allowed"):
        load_model(saved(tmp_path, "wide.pt", payload(chars)))


@pytest.mark.parametrize("bad", ["\u200b", "\u202e", "\u2066"])
def test_invisible_and_bidirectional_characters_are_refused(tmp_path, bad):
    with pytest.raises(ModelFileError):
        load_model(saved(tmp_path, "odd.pt", payload(sorted(["a", "b", bad]))))


def test_what_a_file_holds_is_quoted_short(tmp_path):
    long_format = "bigram-tui/neural/" + "9" * 5_000_000
    with pytest.raises(ModelFileError) as refused:
        load_model(saved(tmp_path, "huge.pt", payload(["a", "b"], format=long_format)))
    assert len(str(refused.value)) < 400 and "…" in str(refused.value)


def test_a_good_vocabulary_still_loads(tmp_path):
    loaded = load_model(saved(tmp_path, "ok.pt", payload(["a", "b", "é"])))
    assert loaded.vocab == Vocab(("a", "b", "é"))


# --- a net's parameters are capped ----------------------------------------------------------


@pytest.fixture(scope="module")
def wide_words() -> list[str]:
    """300 lines of 1,000 random CJK characters: at order 3, about 300k contexts × 1,000."""
    generator = random.Random(5)
    alphabet = [chr(0x4E00 + i) for i in range(1_000)]
    return ["".join(generator.choices(alphabet, k=1_000)) for _ in range(300)]


def test_a_table_net_past_the_cap_is_refused_in_one_line(wide_words):
    counts = NgramCounts.from_words(wide_words, 3)
    assert len(counts.contexts) * counts.vocab.size > MAX_PARAMETERS
    with pytest.raises(NgramError) as refused:
        TrainingRun(counts, "table")
    message = str(refused.value)
    assert "\n" not in message and f"{MAX_PARAMETERS:,}" in message
    assert "use a lower --order" in message
    # The linear net reads the same contexts × V table of counts: refused too, not offered.
    with pytest.raises(NgramError, match="linear net of order 3"):
        TrainingRun(counts, "linear")
    assert TrainingRun(NgramCounts.from_words(wide_words[:20], 2), "table").parameters > 0


def test_the_cli_refuses_it_before_training(wide_words, tmp_path, capsys):
    data = tmp_path / "wide.txt"
    data.write_text("\n".join(wide_words) + "\n", encoding="utf-8")
    code, _, err = run(capsys, "train", "--data", data, "--order", "3", "--epochs", 1)
    assert code == 2 and err.count("\n") == 1 and "internal error" not in err
    assert "more than the 50,000,000 allowed" in err
