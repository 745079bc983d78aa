"""The lecture's settings, torch-free: the CLI and the app read them before torch loads."""

DEFAULT_SEED = 2147483647  # the lecture's seed
DEFAULT_LR = 50.0
DEFAULT_REG = 0.0
DEFAULT_EPOCHS = 500
DEFAULT_MAX_LENGTH = 256  # longest sampled name; the lecture's uniform names reach ~140


def __getattr__(name: str) -> tuple[str, ...]:
    # Transitional: tui/app reads SAMPLERS here; drop this once it imports core.params.
    if name == "SAMPLERS":
        from .params import SAMPLERS

        return SAMPLERS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
