"""The data manifest in assets/ describes the names.txt the package ships."""

import hashlib
import json
from pathlib import Path

from bigram_tui.core.dataset import BUILTIN_FILENAME, BUILTIN_SHA256, SOURCE_URL, builtin_dataset

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "assets" / "names.manifest.json"


def manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def test_manifest_names_the_builtin_file_and_its_licence():
    entry = manifest()
    committed = REPO / entry["path"]
    assert entry["committed"] is True
    assert entry["name"] == BUILTIN_FILENAME == committed.name
    assert entry["sha256"] == BUILTIN_SHA256 == hashlib.sha256(committed.read_bytes()).hexdigest()
    assert entry["bytes"] == committed.stat().st_size
    assert entry["url"] == SOURCE_URL
    assert entry["licence"] == "MIT"
    licence = (REPO / entry["licence_file"]).read_text(encoding="utf-8")
    assert entry["copyright"] in licence and "MIT License" in licence
    assert licence.startswith(f"{BUILTIN_FILENAME}, beside this file")


def test_the_package_reads_the_committed_file():
    assert builtin_dataset().read_bytes() == (REPO / manifest()["path"]).read_bytes()


def test_git_never_converts_the_builtin_newlines():
    rules = (REPO / ".gitattributes").read_text(encoding="utf-8").splitlines()
    assert f"{manifest()['path']} -text" in rules


def test_manifest_counts_match_the_data(names_path, name_counts):
    entry = manifest()
    assert entry["bytes"] == names_path.stat().st_size
    assert entry["words"] == name_counts.words
    assert entry["bigrams"] == name_counts.total
    assert entry["vocabulary"] == "".join(name_counts.vocab.itos)
