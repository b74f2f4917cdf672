"""A run's name says what ran: `mnist-mlp-bs50`, plus what the command line changed.

Hydra's `override_dirname` joins overrides as typed: too long and alike for TensorBoard. Here:
data (with file stems: `csv-wine`), model, batch size, then `-lr0.1`, `-no-shuffle`, `-cosine`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import PurePath

from omegaconf import DictConfig, OmegaConf

from minibatch.checks.plain_names import plain_characters

# Command-line keys (or their prefixes) that change where and how a run is shown, not what
# it trains: they would only make the name longer (and the HPARAMS row wider).
DISPLAY_KEYS = ("paths", "hydra", "logger", "callbacks", "ckpt_path", "tags", "task_name",
                "print_config", "trainer.enable_", "trainer.default_root_dir")  # fmt: skip
# Always in the name, first.
NAMED_KEYS = ("data", "model", "batch_size")
# Keys whose value names a class: the class's own name tells it (data._target_=my.Stripes).
CLASS_KEYS = ("data._target_", "model._target_")
# A value that names a file or a folder shows as its stem (data.path=x/wine.csv: wine).
PATH_KEYS = ("path", "root", "file", "dir", "folder")
FILE_SUFFIX = re.compile(r"\.(csv|tsv|txt|json|parquet|npy|npz|pkl|gz|png|jpe?g|pt|ckpt)$", re.I)
MAX_LENGTH = 60


def is_path(key: str, value: str) -> bool:
    return "/" in value or bool(FILE_SUFFIX.search(value)) or key.endswith(PATH_KEYS)


def override_part(override: str) -> str | None:
    """One override in a few characters, None for quiet keys: `optimizer.lr=0.1` -> `lr0.1`,
    `scheduler=cosine` -> `cosine`, `data.path=x/wine.csv` -> `wine`, `data.shuffle=false`
    -> `no-shuffle`, `test=true` -> `test`, `loss._target_=my.losses.Focal` -> `Focal`."""
    key, _, value = override.lstrip("+~").partition("=")
    if key in NAMED_KEYS or key in CLASS_KEYS or key.startswith(DISPLAY_KEYS) or not value:
        return None
    leaf = key.rsplit(".", 1)[-1]
    if leaf == "batch_size":
        return None  # the name's `bs` part says the batch size that trains
    if leaf == "_target_":
        return safe(value.rsplit(".", 1)[-1])
    if value.lower() in ("true", "false"):
        return safe(leaf) if value.lower() == "true" else f"no-{safe(leaf)}"
    if re.fullmatch(r"[-+]?[0-9.e+-]+", value):
        return safe(leaf + value)  # a number needs its key: lr0.1, seed0
    if is_path(key, value):
        return safe(PurePath(value.rstrip("/")).stem) or None
    return safe(value)  # a group choice or a word: the value says it (cosine, multiclass)


def safe(text: str) -> str:
    """Only characters that every file system and shell takes without quoting."""
    return plain_characters(text.replace(",", "+"))


def own_class(key: str, overrides: Iterable[str]) -> str | None:
    """The class a `<key>._target_=...` override names, by its own name."""
    for override in overrides:
        name, _, value = override.lstrip("+~").partition("=")
        if name == f"{key}._target_" and value:
            return value.rsplit(".", 1)[-1]
    return None


def run_name(data: str | None, model: str | None, batch_size: object,
             overrides: Iterable[str] = ()) -> str:  # fmt: skip
    """`mnist-mlp-bs50[-lr0.1...]`: what ran, at most MAX_LENGTH characters.

    The data's files come right after the data (`csv-wine-mlp-bs64`); a class named on the
    command line replaces its group's option (`data._target_=my.Stripes`: `Stripes`).
    """
    overrides = list(overrides)
    data, model = own_class("data", overrides) or data, own_class("model", overrides) or model
    files = [o for o in overrides if o.lstrip("+~").startswith("data.")
             and is_path(*o.lstrip("+~").split("=", 1)) and "=" in o]  # fmt: skip
    parts = [safe(str(data))] if data else []
    parts += [part for part in map(override_part, files) if part]
    parts += [safe(str(model))] if model else []
    if isinstance(batch_size, int) and not isinstance(batch_size, bool):
        parts.append(f"bs{batch_size}")
    for override in overrides:
        part = None if override in files else override_part(override)
        if part and part not in parts:
            parts.append(part)
    return "-".join(parts)[:MAX_LENGTH].rstrip("-.") or "run"


def name_of_config(root: DictConfig) -> str:
    """The run name of a composed config that holds its `hydra` node (Hydra's run/sweep dirs)."""
    choices: Mapping = OmegaConf.select(root, "hydra.runtime.choices", default={}) or {}
    # The overrides as typed: `batch_size=${nosuch}` is a text here, not a lookup. A value
    # that does not resolve is check_config's to report, not the folder name's.
    overrides = OmegaConf.select(root, "hydra.overrides.task", default=None)
    overrides = OmegaConf.to_container(overrides, resolve=False) if overrides else []
    return run_name(choices.get("data"), choices.get("model"), data_batch_size(root), overrides)


def data_batch_size(root: DictConfig) -> object:
    """The batch size the data config takes (`data.batch_size`, `${batch_size}` by default);
    None when it takes none: the name then claims no batch size it cannot know."""
    data = OmegaConf.select(root, "data", default=None, throw_on_resolution_failure=False)
    if not isinstance(data, DictConfig) or "batch_size" not in data:
        return None
    return OmegaConf.select(root, "data.batch_size", default=None,
                            throw_on_resolution_failure=False)  # fmt: skip


def register_run_name_resolver() -> None:
    """Make `${run_name:}` available to the configs; idempotent."""
    if not OmegaConf.has_resolver("run_name"):
        OmegaConf.register_new_resolver("run_name", lambda _root_: name_of_config(_root_))
