"""Checks on the composed config that must fail before anything is built or trained.

Hydra already rejects unknown groups and options with the list of valid ones; these are
the mistakes it cannot see: values of the right key but the wrong kind.
"""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

from minibatch.data.in_memory_datamodule import check_positive_int
from minibatch.errors import UserError


def check_config(cfg: DictConfig) -> None:
    """Raise `UserError` with one sentence for the first bad value found."""
    check_positive_int("batch_size", cfg.get("batch_size"))
    seed = cfg.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise UserError(f"seed must be an integer (or null for no seeding), got {seed!r}.")
    ckpt_path = cfg.get("ckpt_path")
    if ckpt_path is not None and not Path(ckpt_path).is_file():
        raise UserError(
            f"ckpt_path={ckpt_path} is not a file: give the path of a .ckpt, for example "
            "logs/train/runs/<run>/checkpoints/last.ckpt."
        )
