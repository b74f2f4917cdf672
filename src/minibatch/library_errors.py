"""The libraries' own ways of saying "your setting is wrong", turned into one `UserError`.

OmegaConf (a `${...}` that does not resolve, a key removed with `~`, a `???` left empty),
Lightning (a `MisconfigurationException`: the trainer refused a setting) and the operating
system (a path that is a file, a folder that cannot be written) each raise their own error
class with a message that already says what is wrong (what a config entry's constructor
raises is named by `errors.building`). `as_user_error` recognises them and names the
setting, so the entry points print one line instead of a traceback; any other exception is
a bug and keeps its traceback. Lightning is never imported here: an error raised before it
was imported cannot be Lightning's.
"""

from __future__ import annotations

import sys

from omegaconf.errors import (
    ConfigAttributeError,
    ConfigKeyError,
    MissingMandatoryValue,
    OmegaConfBaseException,
)

from minibatch.errors import UserError


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def is_trainer_refusal(error: BaseException | None) -> bool:
    """Whether `error` is Lightning refusing a setting (its `MisconfigurationException`)."""
    exceptions = sys.modules.get("lightning.fabric.utilities.exceptions")
    return exceptions is not None and isinstance(error, exceptions.MisconfigurationException)


def config_error(error: OmegaConfBaseException) -> UserError:
    """An OmegaConf error, naming the key it is about."""
    key = getattr(error, "full_key", None) or "a config value"
    message = str(error).splitlines()[0] if str(error).strip() else type(error).__name__
    if isinstance(error, MissingMandatoryValue):
        return UserError(f"{key} has no value: give it on the command line ({key}=...).")
    if isinstance(error, ConfigAttributeError | ConfigKeyError):
        return UserError(
            f"the config has no {key} ({message}): give it on the command line ({key}=...), "
            "or check its spelling."
        )
    return UserError(f"{key} cannot be read ({message}): fix its value on the command line.")


def as_user_error(error: BaseException) -> UserError | None:
    """The one-sentence `UserError` a library error stands for, or None for a bug."""
    if isinstance(error, UserError):
        return error
    if isinstance(error, OmegaConfBaseException):
        return config_error(error)
    if is_trainer_refusal(error):
        return UserError(
            f"the trainer refused its settings ({first_line(error)}): fix that trainer.* or "
            "callbacks.* setting."
        )
    if isinstance(error, OSError) and error.filename:
        return UserError(
            f"cannot use {error.filename} ({error.strerror}): check the path given for it "
            "(a file where a folder is expected, a folder that cannot be written?)."
        )
    return None
