"""The lecture's settings, torch-free: the CLI and the app read them before torch loads."""

DEFAULT_SEED = 2147483647  # the lecture's seed
DEFAULT_LR = 50.0
# The unigram's table has one row, which takes the whole gradient; a bigram row takes its
# share of the examples (about 1/27). At lr 50 the unigram diverges; at 10 it converges.
UNIGRAM_LR = 10.0
DEFAULT_REG = 0.0
DEFAULT_EPOCHS = 500
DEFAULT_MAX_LENGTH = 256  # longest sampled name; the lecture's uniform names reach ~140
DEFAULT_ORDER = 2  # the lecture's bigram; n-gram orders run from 1 to 6


def default_lr(order: int) -> float:
    """The learning rate a net of `order` trains with unless the user gives one."""
    return UNIGRAM_LR if order == 1 else DEFAULT_LR
