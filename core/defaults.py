"""The lecture's settings, torch-free: the CLI and the app read them before torch loads."""

DEFAULT_SEED = 2147483647  # the lecture's seed
DEFAULT_LR = 50.0
DEFAULT_REG = 0.0
DEFAULT_EPOCHS = 500
DEFAULT_MAX_LENGTH = 256  # longest sampled name; the lecture's uniform names reach ~140
DEFAULT_ORDER = 2  # the lecture's bigram; n-gram orders run from 1 to 5
