"""`python -m tests.bench [--quick] [--only NAME[,NAME…]] [--markdown] [--data PATH]`

Prints one table (figure, reference, ours, ratio, goal, met), the notes under it, and
the machine it ran on. Progress goes to stderr, so `--markdown > bench.md` is just the
table. Benchmarks measure; nothing here fails because a goal is missed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from functools import partial
from importlib import metadata
from pathlib import Path

from .results import Row, run_figure

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO / "core" / "names.txt"  # the built-in copy: nothing beside the clone
CORE_NAMES = ("counts", "nll", "train", "sample", "bigfile")
APP_NAMES = ("startup", "keys", "rss")
NGRAM_NAMES = (
    "ngram-counts", "ngram-sample", "ngram-bigfile", "ngram-ksweep", "ngram-lambda", "ngram-rss",
)  # fmt: skip
ROUND3_NAMES = (
    "r3-count", "r3-score", "r3-sample", "r3-lambda", "r3-grid", "r3-cli", "r3-threads",
)  # fmt: skip
SERVE_NAMES = ("classroom",)  # N browser sessions of `bigram-tui serve` on loopback
ALL_NAMES = (*CORE_NAMES, *APP_NAMES, *NGRAM_NAMES, *ROUND3_NAMES, *SERVE_NAMES)
GROUPS = {
    "core": CORE_NAMES, "app": APP_NAMES, "ngram": NGRAM_NAMES, "r3": ROUND3_NAMES,
    "serve": SERVE_NAMES,
}  # fmt: skip
HEADER = ("figure", "reference", "ours", "ratio", "goal", "met")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller samples")
    parser.add_argument(
        "--only",
        metavar="NAME",
        help="comma-separated figures: " + ", ".join((*ALL_NAMES, *GROUPS)),
    )
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="torch intra-op threads for the core figures, references included "
        "(default: torch's own default; the app sets its own)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        help="names.txt (default: $BIGRAM_TUI_DATA, else the built-in core/names.txt)",
    )
    return parser.parse_args(argv)


def selected(only: str | None) -> list[str]:
    if not only:
        return list(ALL_NAMES)
    names: list[str] = []
    for part in only.split(","):
        part = part.strip()
        expanded = GROUPS.get(part, (part,))
        for name in expanded:
            if name not in ALL_NAMES:
                sys.exit(f"python -m tests.bench: unknown figure {name!r} (see --help)")
            if name not in names:
                names.append(name)
    return names


def data_path(given: Path | None) -> Path:
    path = given or Path(os.environ.get("BIGRAM_TUI_DATA") or DEFAULT_DATA)
    if not path.is_file():
        sys.exit(f"python -m tests.bench: no word list at {path}; pass --data PATH")
    return path


def machine_line() -> str:
    import torch

    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    versions = {name: _version(name) for name in ("textual", "pyte")}
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores, load {load}; Python {platform.python_version()}, "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"textual {versions['textual']}, pyte {versions['pyte']}"
    )


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


# --- the table -------------------------------------------------------------------------


def text_table(rows: list[Row]) -> str:
    cells = [HEADER, *((r.figure, r.reference, r.ours, r.ratio, r.goal, r.met) for r in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def markdown_table(rows: list[Row]) -> str:
    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    body = [line(HEADER), "|" + "---|" * len(HEADER)]
    body += [line((r.figure, r.reference, r.ours, r.ratio, r.goal, r.met)) for r in rows]
    return "\n".join(body)


def report(rows: list[Row], markdown: bool, elapsed: float, quick: bool) -> str:
    notes = [note for row in rows for note in row.notes]
    mode = "--quick" if quick else "full"
    footer = f"Machine: {machine_line()}. Run: {mode}, {elapsed:.0f} s."
    if markdown:
        parts = [markdown_table(rows), "", footer, ""]
        parts += [f"- {note}" for note in notes]
    else:
        parts = [text_table(rows), "", footer, ""]
        parts += [f"* {note}" for note in notes]
    return "\n".join(parts)


# --- running ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # The pty reader thread stamps arrivals: let it take the GIL from pyte's parsing promptly.
    sys.setswitchinterval(0.001)
    names = selected(args.only)
    data = data_path(args.data)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bigram-bench-") as workdir:
        from . import core_figures

        settings = core_figures.Settings(data=data, quick=args.quick, workdir=Path(workdir))
        for name in (n for n in names if n in CORE_NAMES):
            rows += run_figure("core figure", name, partial(core_figures.FIGURES[name], settings))
        app_names = [n for n in names if n in APP_NAMES]
        if app_names:
            rows += _app_rows(app_names, data, args.quick)
        rows += _ngram_rows([n for n in names if n in NGRAM_NAMES], data, args.quick, workdir)
        rows += _round3_rows([n for n in names if n in ROUND3_NAMES], data, args.quick, workdir)
        rows += _serve_rows([n for n in names if n in SERVE_NAMES], data, args.quick)
    print(report(rows, args.markdown, time.perf_counter() - started, args.quick))
    return 0


def _ngram_rows(names: list[str], data: Path, quick: bool, workdir: str) -> list[Row]:
    if not names:
        return []
    from . import ngram_figures

    settings = ngram_figures.Settings(data=data, quick=quick, workdir=Path(workdir))
    rows: list[Row] = []
    for name in names:
        rows += run_figure("n-gram figure", name, partial(ngram_figures.FIGURES[name], settings))
    return rows


def _round3_rows(names: list[str], data: Path, quick: bool, workdir: str) -> list[Row]:
    if not names:
        return []
    from . import round3_figures, threads_figure

    settings = round3_figures.Settings(data=data, quick=quick, workdir=Path(workdir))
    figures = {**round3_figures.FIGURES, "r3-threads": threads_figure.threads_figure}
    rows: list[Row] = []
    for name in names:
        rows += run_figure("round-3 figure", name, partial(figures[name], settings))
    return rows


def _serve_rows(names: list[str], data: Path, quick: bool) -> list[Row]:
    if not names:
        return []
    from . import classroom_figure

    settings = classroom_figure.settings_from(data, quick)
    rows: list[Row] = []
    for name in names:
        figure = partial(classroom_figure.FIGURES[name], settings)
        rows += run_figure("serve figure", name, figure, row_name=classroom_figure.FIGURE)
    return rows


def _app_rows(names: list[str], data: Path, quick: bool) -> list[Row]:
    from bigram_tui.core.counts import NgramCounts
    from bigram_tui.core.data import read_words

    from . import app_figures

    counts = NgramCounts.from_words(read_words(data), 2)
    settings = app_figures.AppSettings(
        data=data,
        quick=quick,
        words=counts.words,
        tokens=counts.vocab.size,
        labels=counts.vocab.itos,
    )
    return app_figures.run_app_figures(names, settings, counts)


if __name__ == "__main__":
    sys.exit(main())
