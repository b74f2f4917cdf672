"""The one exception type for mistakes a user can fix.

`train.py` turns it into a single line on stderr and a non-zero exit, instead of a traceback,
so its message must be one sentence that says what went wrong and what to do.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from hydra.errors import InstantiationException


class UserError(Exception):
    """A mistake in the user's command, config or data, explained in one sentence."""


@contextmanager
def unwrapped_user_errors() -> Iterator[None]:
    """Re-raise a `UserError` that Hydra's `instantiate` wrapped, as itself."""
    try:
        yield
    except InstantiationException as error:
        if isinstance(error.__cause__, UserError):
            raise error.__cause__ from None
        raise
