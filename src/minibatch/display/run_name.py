"""A run's name says what ran: `mnist-mlp-bs50`, plus what the command line changed.

Hydra's `hydra.job.override_dirname` joins every override as typed (`optimizer.lr=0.1,...`):
too long and too alike for TensorBoard's run list and HPARAMS table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from omegaconf import DictConfig, OmegaConf

from minibatch.checks.plain_names import plain_characters

# Command-line keys (or their prefixes) that change where and how a run is shown, not what
# it trains: they would only make the name longer (and the HPARAMS row wider).
DISPLAY_KEYS = ("paths", "hydra", "logger", "callbacks", "ckpt_path", "tags", "task_name",
                "trainer.enable_", "trainer.default_root_dir")  # fmt: skip
# Always in the name, first.
NAMED_KEYS = ("data", "model", "batch_size")
MAX_LENGTH = 60


def override_part(override: str) -> str | None:
    """`optimizer.lr=0.1` -> `lr0.1`, `scheduler=cosine` -> `cosine`; None for quiet keys."""
    key, _, value = override.lstrip("+~").partition("=")
    if key in NAMED_KEYS or key.startswith(DISPLAY_KEYS):
        return None
    if "/" in value or not value:
        return None  # a path or a deletion says nothing short
    if not re.fullmatch(r"[-+]?[0-9.e+-]+", value):
        return safe(value)  # a group choice or a word: the value says it (cosine, multiclass)
    return safe(key.rsplit(".", 1)[-1] + value)  # a number needs its key: lr0.1, seed0


def safe(text: str) -> str:
    """Only characters that every file system and shell takes without quoting."""
    return plain_characters(text.replace(",", "+"))


def run_name(data: str | None, model: str | None, batch_size: object,
             overrides: Iterable[str] = ()) -> str:  # fmt: skip
    """`mnist-mlp-bs50[-lr0.1...]`: what ran, at most MAX_LENGTH characters."""
    parts = [safe(str(p)) for p in (data, model) if p]
    if isinstance(batch_size, int):
        parts.append(f"bs{batch_size}")
    for override in overrides:
        part = override_part(override)
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
    batch_size = OmegaConf.select(root, "batch_size", default=None,
                                  throw_on_resolution_failure=False)  # fmt: skip
    return run_name(choices.get("data"), choices.get("model"), batch_size, overrides)


def register_run_name_resolver() -> None:
    """Make `${run_name:}` available to the configs; idempotent."""
    if not OmegaConf.has_resolver("run_name"):
        OmegaConf.register_new_resolver("run_name", lambda _root_: name_of_config(_root_))
