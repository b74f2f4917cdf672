"""A `+key=value` that nothing reads is refused before Lightning is imported, naming a close key.

Hydra adds whatever key `+` gives it, so a misspelt one (`+batchsize=50`) would change nothing
but the run's name; keys under an entry that builds something are option_types.py's.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from omegaconf import DictConfig, OmegaConf

from minibatch.errors import UserError

# Keys under these are the user's own names (a column of TensorBoard's HPARAMS tab).
OWN_NAMES = ("hparams",)
ABSENT = object()
# Config entries whose every item with a `_target_` is built (a callback, a logger).
ENTRY_GROUPS = ("callbacks", "logger")


def check_added_keys(cfg: DictConfig) -> None:
    """Raise `UserError` for the first command-line `+key=value` that nothing reads."""
    if not HydraConfig.initialized():  # composed in-process without overrides
        return
    hydra = HydraConfig.get()
    choices = hydra.runtime.choices
    defined = primary_config(hydra)
    typed = OmegaConf.to_container(hydra.overrides.task, resolve=False)  # `${...}` as typed
    for override in OverridesParser.create().parse_overrides(typed):
        if not (override.is_add() or override.is_force_add()) or is_group(override, choices):
            continue
        key = override.key_or_group
        if OmegaConf.select(cfg, key, default=ABSENT, throw_on_resolution_failure=False) is ABSENT:
            continue  # not this config's command line (one composed in-process since)
        if override.is_force_add() and OmegaConf.select(defined, key, default=ABSENT) is not ABSENT:
            continue  # ++ of a key the config file has: an override
        if not is_read(cfg, key):
            typed = f"{'++' if override.is_force_add() else '+'}{key}"
            raise unread_key(cfg, key, f"{typed}={override.get_value_element_as_str()}")


def primary_config(hydra: DictConfig) -> DictConfig:
    """The entry config file as written (train.yaml), without its defaults: in the config
    folder Hydra reads the job's configs from (its "main" source)."""
    folders = [s.path for s in hydra.runtime.config_sources if s.provider == "main"]
    name = f"{hydra.job.config_name}.yaml"
    paths = [Path(folder.removeprefix("file://")) / name for folder in folders]
    path = next((p for p in paths if p.is_file()), None)
    return OmegaConf.load(path) if path is not None else OmegaConf.create()


def is_group(override: Override, choices: DictConfig) -> bool:
    """Whether the override adds a config group's option (`+experiment=...`), not a key."""
    key = override.key_or_group
    package = f"{key}@{override.package}" if override.package else key
    return "/" in key or key in choices or package in choices


def is_read(cfg: DictConfig, key: str) -> bool:
    """Whether something reads `key`: an entry that builds something (its options are
    option_types.py's), a column of TensorBoard's HPARAMS tab (`hparams.*`), or a `${...}`."""
    parts = key.split(".")
    if parts[0] in ("hydra", *OWN_NAMES):
        return True
    for end in range(1, len(parts)):
        node = OmegaConf.select(cfg, ".".join(parts[:end]), throw_on_resolution_failure=False)
        if isinstance(node, DictConfig) and "_target_" in node:
            return True  # checked against what it builds (option_types.py)
    value = OmegaConf.select(cfg, key, throw_on_resolution_failure=False)
    if len(parts) == 2 and parts[0] in ENTRY_GROUPS and isinstance(value, DictConfig):
        return "_target_" in value
    reads = re.compile(rf"(?<![\w.]){re.escape(key)}(?![\w])")
    return any(reads.search(text) for text in interpolations(cfg))


def interpolations(cfg: DictConfig) -> Iterator[str]:
    """Every `${...}` text of the config, unresolved."""
    pending = [OmegaConf.to_container(cfg, resolve=False)]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending += value.values()
        elif isinstance(value, list):
            pending += value
        elif isinstance(value, str) and "${" in value:
            yield value


def leaf_keys(node: DictConfig, prefix: str = "") -> Iterator[str]:
    """The dotted keys of every value of the config (a list counts as one value)."""
    for name, child in node.items_ex(resolve=False):
        if isinstance(child, DictConfig) and len(child):
            yield from leaf_keys(child, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}"


def unread_key(cfg: DictConfig, key: str, typed: str) -> UserError:
    """The refusal of `typed` (`+key=value`), naming the existing key closest to `key`."""
    known = [k for k in leaf_keys(cfg) if k != key and not k.startswith(f"{key}.")]
    closest = difflib.get_close_matches(key, known, n=1, cutoff=0.0)
    hint = f"the closest key is {closest[0]} (set it with {closest[0]}=...)" if closest else ""
    return UserError(
        f"{typed} adds a key that nothing reads, so it would change nothing: "
        f"{hint or 'no key comes close'}, or check the spelling."
    )
