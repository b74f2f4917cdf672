"""What a checkpoint remembers of its run's config, and how evaluation rebuilds it safely.

A checkpoint is data: it may come from anyone. The resolved config that `train.py` used is
kept in it for reading, but nothing is ever instantiated from it. Instead the checkpoint
records the command-line overrides of its run (`data=csv data.path=x.csv batch_size=50`),
and evaluation composes the config again from the project's own config groups with those
overrides. An override that could name code (`_target_`, `_partial_`, `_args_`...,
anywhere in its key or value), a group option that is not a plain name, or a `hydra.`
setting is refused: whatever a checkpoint says, only classes and functions that the
project's YAML files name get built.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf

from minibatch.errors import UserError

CODE_KEYS = ("_target_", "_partial_", "_args_", "_recursive_", "_convert_")
PLAIN_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")


def current_overrides() -> list[str] | None:
    """The overrides this run was started with, when Hydra composed it (else None)."""
    if not HydraConfig.initialized():
        return None
    return [o for o in HydraConfig.get().overrides.task if not o.startswith("ckpt_path=")]


def names_code(value: object) -> bool:
    """Whether a parsed override value (text, list or dict) mentions a code-naming key."""
    if isinstance(value, Mapping):
        return any(names_code(k) or names_code(v) for k, v in value.items())
    if isinstance(value, Sequence) and not isinstance(value, str):
        return any(names_code(v) for v in value)
    return any(key in str(value) for key in CODE_KEYS)


def safe_overrides(overrides: Sequence[str], groups: set[str]) -> list[str]:
    """The overrides, checked: raises `UserError` on any that could name code."""
    try:
        parsed = OverridesParser.create().parse_overrides(list(overrides))
    except HydraException:
        raise UserError(
            "the checkpoint's saved overrides cannot be parsed: it was not written by this "
            "template's train.py, so it is refused."
        ) from None
    kept = []
    for override, text in zip(parsed, overrides, strict=True):
        key = override.key_or_group
        if key.startswith("hydra.") or key == "hydra":
            continue  # where runs go is the evaluating command's business, not the file's
        value = override.value()
        if names_code(key) or names_code(value) or names_code(override.package or ""):
            raise UserError(
                f"the checkpoint's saved override {text!r} names code ({'/'.join(CODE_KEYS)}): "
                "a checkpoint is data and is never allowed to choose what runs; retrain it "
                "with the option in a config file of configs/."
            )
        if key in groups and not (isinstance(value, str) and PLAIN_NAME.match(value)):
            raise UserError(
                f"the checkpoint's saved override {text!r} is not a plain option name of "
                f"configs/{key}/: refused."
            )
        kept.append(text)
    return kept


def recompose(overrides: Sequence[str], config_dir: str, search_path: str | None) -> DictConfig:
    """The training config of a checkpoint, composed from the project's own config groups."""
    groups = {path.name for path in Path(config_dir).iterdir() if path.is_dir()}
    checked = safe_overrides(overrides, groups)
    extra = [f"hydra.searchpath={search_path}"] if search_path else []
    try:
        if GlobalHydra.instance().is_initialized():  # inside evaluate.py's Hydra app
            cfg = compose(config_name="train", overrides=[*extra, *checked])
        else:
            with initialize_config_dir(config_dir=config_dir, version_base="1.3"):
                cfg = compose(config_name="train", overrides=[*extra, *checked])
    except HydraException as error:
        raise UserError(
            f"the checkpoint's config cannot be rebuilt from configs/ "
            f"({str(error).splitlines()[0]}): evaluate it where it was trained."
        ) from None
    return cfg


def same_targets(rebuilt: DictConfig, saved: Mapping) -> list[str]:
    """Names of the data/model `_target_`s that differ between the rebuilt and saved configs."""
    saved_cfg = OmegaConf.create(dict(saved))
    differ = []
    for group in ("data", "model"):
        ours = OmegaConf.select(rebuilt, f"{group}._target_")
        theirs = OmegaConf.select(saved_cfg, f"{group}._target_")
        if ours != theirs:
            differ.append(f"{group} ({theirs} when trained, {ours} now)")
    return differ
