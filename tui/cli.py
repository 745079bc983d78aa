def main() -> int:
    print("bigram-tui: under construction")
    return 0
