"""The data manifest in assets/ says what the code downloads."""

import json
from pathlib import Path

from bigram_tui.core.dataset import DEFAULT_FILENAME, DEFAULT_SHA256, DEFAULT_URL

MANIFEST = Path(__file__).resolve().parents[2] / "assets" / "names.manifest.json"


def test_manifest_matches_the_download_the_code_makes():
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert manifest["url"] == DEFAULT_URL
    assert manifest["sha256"] == DEFAULT_SHA256
    assert manifest["name"] == DEFAULT_FILENAME


def test_manifest_counts_match_the_data(names_path, name_counts):
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert manifest["bytes"] == names_path.stat().st_size
    assert manifest["words"] == name_counts.words
    assert manifest["bigrams"] == name_counts.total
    assert manifest["vocabulary"] == "".join(name_counts.vocab.itos)
