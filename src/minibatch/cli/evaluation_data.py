"""The data evaluate and export use: the command line's, never the checkpoint's.

A checkpoint is data: its data options are shown as text for the user to give, never applied.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import ConfigKeyError, InterpolationResolutionError

from minibatch.checks.option_types import HYDRA_KEYS
from minibatch.checks.plain_names import is_plain_name
from minibatch.errors import UserError

Main = TypeVar("Main", bound=Callable[..., object])
DATA_OVERRIDE = re.compile(r"^(?P<plus>\+{0,2})data(?P<rest>[.=].*)$", re.DOTALL)
PLAIN_TEXT = re.compile(r"^[\w./:@+-]+$")


def spelled_for_hydra(argument: str) -> str:
    """`data=csv` and `data.path=x` as evaluate.yaml and export.yaml hold them: the data
    group is chosen for the checkpoint's run, not for this config (`data_group=csv`,
    `+data.path=x`)."""
    match = DATA_OVERRIDE.match(argument)
    if match is None:
        return argument
    if match["rest"].startswith("="):
        return f"data_group{match['rest']}"
    return argument if match["plus"] else f"+{argument}"


def data_on_the_command_line(hydra_main: Main) -> Main:
    """An entry point whose `data=` and `data.<key>=` overrides are for the checkpoint's data."""

    @functools.wraps(hydra_main)
    def main(*args, **kwargs):
        sys.argv[1:] = [spelled_for_hydra(a) for a in sys.argv[1:]]
        return hydra_main(*args, **kwargs)

    return main  # type: ignore[return-value]


def loader_keys() -> set[str]:
    """How batches are served (configs/loader/default.yaml): never a difference in the data."""
    from minibatch.runs.project_paths import config_dir

    return set(OmegaConf.load(config_dir() / "loader" / "default.yaml"))


def leaves(node: object, prefix: str = "") -> Iterator[tuple[str, object]]:
    """(dotted key, value) of every value of nested mappings; lists are values."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key not in HYDRA_KEYS:
                yield from leaves(value, f"{prefix}{key}.")
    else:
        yield prefix.rstrip("."), node


def as_override_value(value: object) -> str:
    """`value` as it would be typed after `key=`, shortened: text to read, not to run."""
    if isinstance(value, list):
        text = "[" + ",".join(as_override_value(v) for v in value) + "]"
    elif value is None or isinstance(value, bool):
        text = {None: "null", True: "true", False: "false"}[value]
    elif isinstance(value, str) and not PLAIN_TEXT.match(value):
        text = repr(value)
    else:
        text = str(value)
    return text if len(text) <= 120 else text[:117] + "..."


def resolved(data: DictConfig) -> dict:
    try:
        return OmegaConf.to_container(data, resolve=True)
    except InterpolationResolutionError as error:
        raise UserError(f"the data config cannot be resolved ({error.msg}).") from None


def unspoken_differences(used: dict, recorded: Mapping, given: Mapping) -> list[str]:
    """`data.<key>=<recorded value>` for each data option the run was trained with that
    differs from the one used here and that the command line does not give."""
    skipped = loader_keys()
    trained = dict(leaves(recorded))
    typed = {key for key, _ in leaves(given)}
    differences = []
    for key, value in leaves(used):
        if key.split(".")[0] in skipped or key not in trained or trained[key] == value:
            continue
        if any(key == k or key.startswith(f"{k}.") for k in typed):
            continue
        differences.append(f"data.{key}={as_override_value(trained[key])}")
    return differences


def chosen_data_group(data_group: str | None, trained_on: str) -> str:
    """The command line's `data=` option (a plain name of configs/data/), else the run's."""
    if data_group is None:
        return trained_on
    if not is_plain_name(str(data_group)):
        raise UserError(f"data={data_group} is not a plain option name of configs/data/.")
    return str(data_group)


def evaluation_data(
    cfg: DictConfig,
    ckpt_path: Path,
    trained_on: tuple[str, Mapping],
    data_group: str,
    given: Mapping | None,
) -> DictConfig:
    """`cfg` with the command line's data options; refused when the checkpoint's run used
    data options that neither the shipped config nor the command line gives."""
    given = OmegaConf.to_container(given) if isinstance(given, DictConfig) else dict(given or {})
    try:
        cfg = OmegaConf.merge(cfg, {"data": given})
    except ConfigKeyError as error:
        raise UserError(
            f"data={data_group} has no option {error.key!r}: check the data.{error.key}= you gave."
        ) from None
    name, recorded = trained_on
    if name != data_group:  # other data, chosen by the user: the run's options do not apply
        return cfg
    differences = unspoken_differences(resolved(cfg.data), recorded, given)
    if differences:
        raise UserError(
            f"{ckpt_path} was trained on data={name} with options that differ from "
            f"configs/data/{name}.yaml; a checkpoint's data options are never applied, so give "
            f"them on the command line: {' '.join(differences)}."
        )
    return cfg


def data_inputs(data: DictConfig) -> list[Path]:
    """The files and folders the data options name (what an output must never replace)."""
    skipped = loader_keys()
    named = [v for k, v in leaves(resolved(data)) if k.split(".")[0] not in skipped]
    return [Path(v) for v in named if isinstance(v, str) and v and Path(v).exists()]
