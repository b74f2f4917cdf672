"""A config entry's options checked against the annotations of what it builds, before it is built.

Hydra's structured configs would type every option again beside the constructor, and pydantic
answers in its own words: here the constructor's own annotations are the schema.
"""

from __future__ import annotations

import inspect
import os
import types
import typing
from collections.abc import Callable, Mapping

from hydra.utils import get_object
from omegaconf import DictConfig, OmegaConf

from minibatch.errors import UserError

HYDRA_KEYS = ("_target_", "_partial_", "_args_", "_recursive_", "_convert_")
SEQUENCES = (list, tuple, typing.Sequence, typing.Iterable, typing.Collection)
SCALARS = {bool: "true or false", int: "an integer", float: "a number", str: "a text"}
PLURALS = {bool: "trues or falses", int: "integers", float: "numbers", str: "texts"}
Verdict = bool | None  # None: this check cannot tell


def check_options(node: DictConfig, key: str) -> None:
    """Raise `UserError` for the first option of `node` its `_target_` does not take as given."""
    target_name = node.get("_target_")
    if not isinstance(target_name, str):
        return
    try:
        target = get_object(target_name)
    except Exception:  # Hydra reports a target it cannot find when it builds the entry
        return
    parameters, open_ended = named_parameters(target)
    options = OmegaConf.to_container(node, resolve=True)
    for name, value in options.items():
        if name in HYDRA_KEYS:
            continue
        if name not in parameters:
            if open_ended:
                continue
            raise UserError(
                f"{key}.{name} is not an option of {target_name} (it takes: "
                f"{', '.join(parameters)}): remove it or check its spelling."
            )
        hint = parameters[name]
        if accepts(hint, value) is False:
            raise UserError(
                f"{key}.{name} must be {describe(hint)}, got {value!r}: fix it on the command line."
            )


def named_parameters(target: Callable) -> tuple[dict[str, object], bool]:
    """{name: annotation} of what `target` takes by keyword, and whether it takes any more."""
    functions = [target]
    if inspect.isclass(target):
        functions = [cls.__init__ for cls in target.__mro__ if "__init__" in vars(cls)]
    parameters: dict[str, object] = {}
    for function in functions:
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):
            return parameters, True
        hints = annotations_of(function, signature)
        open_ended = False
        for parameter in signature.parameters.values():
            if parameter.kind is parameter.VAR_KEYWORD:
                open_ended = True
            elif parameter.kind is not parameter.VAR_POSITIONAL and parameter.name != "self":
                parameters.setdefault(parameter.name, hints.get(parameter.name, typing.Any))
        if not open_ended:
            return parameters, False
    return parameters, True


def annotations_of(function: Callable, signature: inspect.Signature) -> dict[str, object]:
    """Each parameter's annotation, evaluated where it can be (else left out)."""
    try:
        return typing.get_type_hints(function)
    except Exception:  # a name only imported for type checkers: evaluate one by one
        pass
    hints = {}
    for parameter in signature.parameters.values():
        annotation = parameter.annotation
        if isinstance(annotation, str):
            try:
                annotation = eval(annotation, getattr(function, "__globals__", {}))  # noqa: S307
            except Exception:
                continue
        if annotation is not inspect.Parameter.empty:
            hints[parameter.name] = annotation
    return hints


def accepts(hint: object, value: object) -> Verdict:
    """Whether a config value fits the annotation: True, False, or None (cannot tell)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is typing.Any or isinstance(hint, typing.TypeVar) or hint is object:
        return None
    if hint is type(None) or hint is None:
        return value is None
    if origin in (typing.Union, types.UnionType):
        verdicts = [accepts(arg, value) for arg in args]
        return True if True in verdicts else None if None in verdicts else False
    if origin is typing.Literal:
        return any(value == arg and type(value) is type(arg) for arg in args)
    if hint in SCALARS:
        return scalar_fits(hint, value)
    if origin in SEQUENCES or hint in (list, tuple):
        return sequence_fits(args, value)
    if origin is not None and isinstance(origin, type) and issubclass(origin, Mapping):
        return isinstance(value, dict)
    if isinstance(hint, type) and origin is None:  # on 3.10 `list[int]` is a type too
        if issubclass(hint, os.PathLike):
            return isinstance(value, str)
        return None if isinstance(value, dict) else False
    return None


def scalar_fits(hint: type, value: object) -> bool:
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


def sequence_fits(args: tuple, value: object) -> Verdict:
    """A list (never a text) whose items fit `args`: (X,), (X, ...) or one hint per item."""
    if not isinstance(value, list | tuple):
        return False
    if not args:
        return True
    if len(args) == 2 and args[1] is Ellipsis or len(args) == 1:
        verdicts = [accepts(args[0], item) for item in value]
    elif len(args) == len(value):
        verdicts = [accepts(arg, item) for arg, item in zip(args, value, strict=True)]
    else:
        return False
    return False not in verdicts


def describe(hint: object) -> str:
    """What the annotation asks for, in words: 'true or false', 'a list of integers'..."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is type(None) or hint is None:
        return "null"
    if origin in (typing.Union, types.UnionType):
        choices = [c for arg in args if typing.get_origin(arg) is typing.Literal
                   for c in typing.get_args(arg)]  # fmt: skip
        others = [arg for arg in args if typing.get_origin(arg) is not typing.Literal]
        words = [describe(typing.Literal[tuple(choices)])] if choices else []
        return " or ".join(dict.fromkeys([*words, *(describe(arg) for arg in others)]))
    if origin is typing.Literal:
        return "one of " + ", ".join(dict.fromkeys(str(arg) for arg in args))
    if hint in SCALARS:
        return SCALARS[hint]
    if origin in SEQUENCES or hint in (list, tuple):
        return f"a list of {PLURALS.get(args[0], 'values') if args else 'values'}, like [a,b]"
    return getattr(hint, "__name__", str(hint))
