"""`UserError`: a mistake a user can fix, told in one sentence that says what to do.

The command line prints it as one line instead of a traceback; `building` turns whatever a
config entry's constructor raises into one, naming the entry.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from hydra.errors import InstantiationException


class UserError(Exception):
    """A mistake in the user's command, config or data, explained in one sentence."""


@contextmanager
def building(key: str) -> Iterator[None]:
    """Build config entry `key` (data, model, trainer, a logger...): whatever its constructor
    raises, from a dropout of 1.5 to a tracker's unknown URI, becomes one `UserError` naming
    the entry. Everything the constructor is given comes from the config; the original
    traceback is kept as the cause (HYDRA_FULL_ERROR=1 prints it)."""
    try:
        yield
    except UserError:
        raise
    except InstantiationException as error:  # Hydra's wrapper around the constructor's error
        cause = error.__cause__ or error
        if isinstance(cause, UserError):
            raise cause from None
        raise option_error(key, cause) from cause
    except Exception as error:
        raise option_error(key, error) from error


def option_error(key: str, error: BaseException) -> UserError:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return UserError(f"{key} cannot be built from its settings ({reason}): fix that {key} setting.")
