"""The one exception type for mistakes a user can fix.

`train.py` turns it into a single line on stderr and a non-zero exit, instead of a traceback,
so its message must be one sentence that says what went wrong and what to do.
"""


class UserError(Exception):
    """A mistake in the user's command, config or data, explained in one sentence."""
