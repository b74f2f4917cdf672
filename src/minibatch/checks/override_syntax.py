"""Command-line overrides that Hydra cannot read, refused in one sentence before Hydra runs.

Hydra's own argument and override parsers read the command line, so exactly what Hydra would
refuse (with its grammar's words, or a traceback) is refused here, saying how to write it.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import sys
from collections.abc import Callable
from typing import TypeVar

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import OverrideParseException

from minibatch.adapters.private_api import hydra_args_parser
from minibatch.checks.one_sentence import user_errors_exit
from minibatch.errors import UserError

HOW_TO_WRITE = (
    "write key=value, quote a value that holds spaces, '=' or ',' (key='a=b'), close every "
    "[ and {, and give a list as key=[a,b] (a sweep: -m key=a,b)"
)
Main = TypeVar("Main", bound=Callable[..., object])


def parse_error_reason(error: OverrideParseException) -> str:
    """The parser's own reason, without Hydra's header, link and caret line."""
    lines = [line.strip() for line in str(error).splitlines()]
    kept = [x for x in lines if x and not x.startswith(("Error parsing override", "See http", "^"))]
    reason = kept[0] if kept else "it does not parse"
    if reason.startswith("LexerNoViableAltException"):
        return "a character Hydra's grammar does not accept there: an unclosed quote?"
    return reason


def check_override(override: str, parser: OverridesParser) -> None:
    """Raise `UserError` when Hydra could not read `override`."""
    if "=" not in override and not override.startswith("~"):
        raise UserError(
            f"the override {override!r} has no '=': write key=value (for example "
            "batch_size=50), or ~key to remove a key."
        )
    try:
        (parsed,) = parser.parse_overrides([override])
    except OverrideParseException as error:
        raise UserError(
            f"cannot read the override {override!r} ({parse_error_reason(error)}): {HOW_TO_WRITE}."
        ) from None
    if not parsed.key_or_group:
        raise UserError(
            f"the override {override!r} names no key: write key=value (for example "
            "batch_size=50), with no space around '='."
        )


def command_line_overrides(argv: list[str]) -> list[str]:
    """The overrides of a command line as Hydra reads them (its flags set apart); none
    while Hydra completes a shell's command line or cannot read the flags themselves."""
    parser = hydra_args_parser()
    parser.exit_on_error = False
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # --version: Hydra prints it
            args, _ = parser.parse_known_args(argv)
    except (argparse.ArgumentError, SystemExit):  # a flag Hydra refuses: Hydra says so
        return []
    return [] if args.shell_completion else list(args.overrides)


def check_overrides(argv: list[str]) -> None:
    """Raise `UserError` for the first override of `argv` that Hydra could not read."""
    parser = OverridesParser.create()
    for override in command_line_overrides(argv):
        check_override(override, parser)


def overrides_checked_first(hydra_main: Main) -> Main:
    """An entry point that refuses unreadable overrides (exit 2, one line) before Hydra."""

    @functools.wraps(hydra_main)
    def main(*args, **kwargs):
        with user_errors_exit():
            check_overrides(sys.argv[1:])
        return hydra_main(*args, **kwargs)

    return main  # type: ignore[return-value]
