"""Checks on the composed config that must fail before anything is built or trained.

Hydra already rejects unknown groups and options with the list of valid ones; these are
the mistakes it cannot see: values of the right key but the wrong kind.
"""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

from minibatch.errors import UserError
from minibatch.group_size import grouping_blockers


def check_config(cfg: DictConfig) -> None:
    """Raise `UserError` with one sentence for the first bad value found."""
    check_positive_int("batch_size", cfg.get("batch_size"))
    seed = cfg.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise UserError(f"seed must be an integer (or null for no seeding), got {seed!r}.")
    check_steps_per_call(cfg)
    check_run_length(cfg)
    ckpt_path = cfg.get("ckpt_path")
    if ckpt_path is not None and ckpt_path != "last" and not Path(ckpt_path).is_file():
        raise UserError(
            f"ckpt_path={ckpt_path} is not a file: give the path of a .ckpt, for example "
            "logs/train/runs/<run>/checkpoints/last.ckpt, or ckpt_path=last."
        )
    if ckpt_path is not None:  # readable, and ours, before any folder or logger is written
        from minibatch.safe_fit import checkpoint_to_resume

        checkpoint_to_resume(cfg)


def check_steps_per_call(cfg: DictConfig) -> None:
    """ "auto", or a K whose grouping nothing in the trainer config would change."""
    steps = cfg.get("steps_per_call", "auto")
    if steps == "auto":
        return
    check_positive_int("steps_per_call", steps)
    blockers = grouping_blockers(cfg.trainer) if steps > 1 else []
    if blockers:
        raise UserError(
            f"steps_per_call={steps} takes several optimizer steps in one Lightning step, "
            f"which {blockers[0]} counts or acts on: use steps_per_call=auto or 1."
        )


def check_positive_int(name: str, value: object) -> None:
    """Refuse anything but a positive integer (bools and floats like 50.0 included)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise UserError(f"{name} must be a positive integer, got {value!r}: for example {name}=50.")


def check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    """Refuse a value that is not one of the accepted names, listing them."""
    if value not in choices:
        raise UserError(f"{name}={value!r} is not one of: {', '.join(choices)}.")


def check_run_length(cfg: DictConfig) -> None:
    """A run must train (some batches, some epochs) and stop (no -1 'forever'), with a usable lr."""
    trainer = cfg.get("trainer") or {}
    if trainer.get("max_steps", -1) in (-1, None):
        check_positive_int("trainer.max_epochs", trainer.get("max_epochs"))
    limit = trainer.get("limit_train_batches")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int | float)
                              or limit <= 0):  # fmt: skip
        raise UserError(
            f"trainer.limit_train_batches={limit!r} trains on no batch: give a fraction in "
            "(0, 1] or a positive number of batches, or null for all."
        )
    lr = (cfg.get("optimizer") or {}).get("lr")
    if lr is not None and (isinstance(lr, bool) or not isinstance(lr, int | float)
                           or not 0 < lr < float("inf")):  # fmt: skip
        raise UserError(
            f"optimizer.lr must be a positive number, got {lr!r}: for example optimizer.lr=0.01."
        )
