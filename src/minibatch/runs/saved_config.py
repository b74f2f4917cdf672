"""What a checkpoint describes of its run, and the training config evaluation rebuilds from it.

A checkpoint is data: only its option names and the model's values, checked against the shipped
configs, are taken; never a path, a URL, a hash, `hydra.*` or a `_target_`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf

from minibatch.checks.option_types import HYDRA_KEYS
from minibatch.checks.plain_names import is_plain_name
from minibatch.errors import UserError

SCALARS = (bool, int, float, str)


def current_choices() -> dict[str, str | None] | None:
    """The group options of this run (`hydra.runtime.choices`), when Hydra composed it."""
    if not HydraConfig.initialized():
        return None
    return {str(group): choice for group, choice in HydraConfig.get().runtime.choices.items()}


@dataclass(frozen=True)
class RunDescription:
    """What a checkpoint says of its run, as plain data (see `read_description`)."""

    data: str  # the option of configs/data/ it was trained on
    model: str  # the option of configs/model/
    model_options: dict  # as recorded: checked against the shipped config when used
    data_options: dict  # as recorded: shown in messages, never applied
    loss: object  # as recorded: used only when it is a known loss name


def plain_name(ckpt_path: Path, group: str, name: object) -> str:
    if not is_plain_name(name):
        raise UserError(
            f"{ckpt_path} names {group}={str(name)[:60]!r}, which is not a plain option name "
            f"of configs/{group}/: a checkpoint is data, and this one is refused."
        )
    return name


def read_description(ckpt_path: Path, checkpoint: Mapping) -> RunDescription:
    """The checkpoint's description of its run, its option names checked to be plain names."""
    choices, config = checkpoint.get("run_choices"), checkpoint.get("run_config")
    if not isinstance(choices, Mapping) or not isinstance(config, Mapping):
        raise UserError(
            f"{ckpt_path} does not describe its run (no group options: written by an older "
            "version, or not by train.py): retrain it with this version to evaluate it."
        )
    model, data = config.get("model"), config.get("data")
    if not isinstance(model, Mapping) or not isinstance(data, Mapping):
        raise UserError(f"{ckpt_path} records no model or data options: it is refused.")
    return RunDescription(
        data=plain_name(ckpt_path, "data", choices.get("data")),
        model=plain_name(ckpt_path, "model", choices.get("model")),
        model_options=dict(model),
        data_options=dict(data),
        loss=config.get("loss"),
    )


def kind_of(shipped: object, many: bool = False) -> str:
    """How a shipped default's type is named in a refusal ("an integer", "a list of numbers")."""
    if isinstance(shipped, list):
        return "a list of " + kind_of(shipped[0] if shipped else None, many=True)
    if shipped is None or shipped == "???":
        return "plain values" if many else "a plain value"
    one = {bool: "true or false", int: "an integer", float: "a number", str: "a text"}
    several = {bool: "true/false values", int: "integers", float: "numbers", str: "texts"}
    return (several if many else one).get(type(shipped), type(shipped).__name__)


def same_type(shipped: object, value: object) -> bool:
    """Whether a recorded `value` has the type (and, for lists, the element type) of `shipped`."""
    if shipped is None or shipped == "???":  # no type to compare with: any plain value
        return value is None or isinstance(value, SCALARS)
    if isinstance(shipped, bool) or isinstance(value, bool):
        return isinstance(shipped, bool) and isinstance(value, bool)
    if isinstance(shipped, float):
        return isinstance(value, (int, float))
    if isinstance(shipped, list):
        element = shipped[0] if shipped else None
        return isinstance(value, list) and all(same_type(element, v) for v in value)
    return type(value) is type(shipped)


def resolves(value: object) -> bool:
    """Whether OmegaConf would read `value` as more than text (`${...}`, `???`)."""
    if isinstance(value, list):
        return any(resolves(v) for v in value)
    return isinstance(value, str) and ("${" in value or value == "???")


def checked_options(
    ckpt_path: Path, node: str, shipped: Mapping, recorded: Mapping, source: str
) -> dict:
    """`recorded`'s values for the keys of `shipped`, each of the shipped default's type.

    The code keys (`_target_`...) are the shipped config's alone: a recorded one is ignored.
    """
    given = {k: v for k, v in recorded.items() if k not in HYDRA_KEYS}
    keys = {k for k in shipped if k not in HYDRA_KEYS}
    if set(given) != keys:
        odd = sorted(map(str, set(given) ^ keys))
        raise UserError(
            f"{ckpt_path} describes {node} with other keys than {source} has "
            f"({', '.join(odd)}): evaluate it with the configs it was trained with."
        )
    checked = {}
    for key in sorted(keys):
        value, default = given[key], shipped[key]
        if isinstance(default, Mapping) and isinstance(value, Mapping):
            checked[key] = checked_options(ckpt_path, f"{node}.{key}", default, value, source)
            continue
        if not same_type(default, value) or resolves(value):
            raise UserError(
                f"{ckpt_path} describes {node}.{key}={str(value)[:60]!r}, not "
                f"{kind_of(default)} like {source}'s {default!r}: a checkpoint is data, and "
                "this one is refused."
            )
        checked[key] = float(value) if isinstance(default, float) else value
    return checked


def compose_training_config(overrides: Sequence[str]) -> DictConfig:
    """`train.yaml` composed from configs/ with `overrides` (the command's own search path)."""
    from minibatch.runs.project_paths import config_dir

    # Config folders come from this command's own hydra.searchpath, never from the file.
    searchpath = list(HydraConfig.get().searchpath) if HydraConfig.initialized() else []
    extra = [f"hydra.searchpath=[{','.join(searchpath)}]"] if searchpath else []
    try:
        if GlobalHydra.instance().is_initialized():  # inside evaluate.py's Hydra app
            return compose(config_name="train", overrides=[*extra, *overrides])
        with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
            return compose(config_name="train", overrides=[*extra, *overrides])
    except HydraException as error:
        raise UserError(
            f"configs/ cannot compose {' '.join(overrides)} ({str(error).splitlines()[0]}): give "
            "data= an option of configs/data/, or evaluate the checkpoint with the configs it "
            "was trained with."
        ) from None


def rebuilt_model_config(
    ckpt_path: Path, description: RunDescription, data_group: str
) -> DictConfig:
    """The training config of configs/ for `data_group` and the checkpoint's model option,
    its model options the checkpoint's (checked), its loss the checkpoint's when it is a
    known name (else the task's own)."""
    from minibatch.checks.one_sentence import say
    from minibatch.tasks import LOSSES

    cfg = compose_training_config([f"data={data_group}", f"model={description.model}"])
    shipped = OmegaConf.to_container(cfg.model, resolve=True)
    source = f"configs/model/{description.model}.yaml"
    model = checked_options(ckpt_path, "model", shipped, description.model_options, source)
    loss = description.loss if isinstance(description.loss, str) else None
    if description.loss is not None and loss not in LOSSES:
        say(
            f"note: the checkpoint's loss is not one of {', '.join(LOSSES)}: its loss is the "
            "task's own."
        )
        loss = None
    return OmegaConf.merge(cfg, {"model": model, "loss": loss, "steps_per_call": 1})
