"""Placeholder until the Textual app lands."""


def run_app(*, data: str | None, seed: int, mouse: bool, truecolor: bool) -> int:
    print("bigram-tui: the interactive app is not built yet; try `bigram-tui --help`.")
    return 0
