"""`UserError`: a mistake a user can fix, told in one sentence that says what to do.

The command line prints it as one line instead of a traceback; `building` turns whatever a
config entry's constructor raises into one, naming the entry.
"""

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
        raise (import_error(key, error) or option_error(key, cause)) from cause
    except Exception as error:
        raise (import_error(key, error) or option_error(key, error)) from error


def option_error(key: str, error: BaseException) -> UserError:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return UserError(f"{key} cannot be built from its settings ({reason}): fix that {key} setting.")


def causes(error: BaseException) -> Iterator[BaseException]:
    """The error and every error it was raised from or during."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def searched_folders() -> list[str]:
    """The folders of `sys.path` a user's module can be in (not Python's own, nor installed)."""
    installed = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    folders = []
    for entry in sys.path:
        folder = Path(entry or ".").resolve()
        if folder.is_dir() and not any(folder.is_relative_to(p) for p in installed):
            folders.append(str(folder))
    return list(dict.fromkeys(folders))


def import_error(key: str, error: BaseException) -> UserError | None:
    """The sentence for a `_target_` whose module cannot be imported, naming what is missing
    and where Python looks; None when the error is not one."""
    chain = list(causes(error))
    missing = next((e for e in chain if isinstance(e, ModuleNotFoundError) and e.name), None)
    loading = next((m for e in chain if (m := re.search(r"Error loading '([^']+)'", str(e)))), None)
    if missing is None or loading is None:
        return None
    target, name = loading.group(1), missing.name
    if name == target:  # the module is there, the name after its last dot is not in it
        module, _, attribute = target.rpartition(".")
        return UserError(
            f"{key}._target_={target}: module {module!r} has no {attribute!r}: check the name."
        )
    if not target.startswith(f"{name}."):
        return UserError(
            f"{key}._target_={target} cannot be imported: its code imports {name!r}, which is not "
            "installed: install the package that provides it, or remove that import."
        )
    folders = searched_folders()
    where = ", ".join(folders[:3]) if folders else "no folder of yours"
    return UserError(
        f"{key}._target_={target} names module {name!r}, which Python cannot find: it looks in "
        f"the installed packages and in {where}; put {name.replace('.', '/')}.py in the project "
        "folder (the one holding configs/), or fix the name."
    )
