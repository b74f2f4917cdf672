"""A `batch_size=` on the command line that the data config does not take is refused.

The top-level `batch_size` reaches a DataModule only through `batch_size: ${batch_size}`;
without it the run trained with the DataModule's own while its name said the one typed.
"""

from __future__ import annotations

import re

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from minibatch.checks.added_keys import interpolations
from minibatch.errors import UserError

# `${batch_size}`, or an interpolation that reads it among other things (`${oc.select:...}`).
READS_BATCH_SIZE = re.compile(r"\$\{[^}]*(?<![\w.])batch_size(?![\w])")


def typed_batch_size() -> str | None:
    """The value of a top-level `batch_size=` on this job's command line, if any."""
    if not HydraConfig.initialized():
        return None
    for override in HydraConfig.get().overrides.task:
        key, _, value = str(override).lstrip("+~").partition("=")
        if key == "batch_size":
            return value
    return None


def check_batch_size_taken(cfg: DictConfig) -> None:
    """Raise `UserError` when the command line sets `batch_size` and nothing reads it."""
    typed = typed_batch_size()
    if typed is None or not isinstance(cfg.get("data"), DictConfig):
        return
    if any(READS_BATCH_SIZE.search(text) for text in interpolations(cfg)):
        return
    choice = HydraConfig.get().runtime.choices.get("data")
    where = f"configs/data/{choice}.yaml" if choice else "the data config"
    raise UserError(
        f"batch_size={typed} would change nothing: the data config does not take the top-level "
        f"batch size, so its DataModule would train with its own; add `batch_size: "
        f"${{batch_size}}` to {where}."
    )
