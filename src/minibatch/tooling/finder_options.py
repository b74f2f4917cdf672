"""The options of `tune=` checked from the config alone, before Lightning is imported.

A finder searches for a new run on one device; each combination it cannot serve is refused
in one sentence that says what to do.
"""

from __future__ import annotations

from omegaconf import DictConfig

from minibatch.errors import UserError

# Lightning's suggestion skips the first 10 points of the curve and the last one.
FEWEST_LR_STEPS = 20
MOST_STEPS = 10_000  # a search longer than this is a training run, not a search
FINDERS = ("none", "lr", "batch_size")


def whole(tune: DictConfig, key: str, least: int, most: int = MOST_STEPS) -> int:
    """`tune.<key>` as a whole number in [least, most], or one sentence saying so."""
    value = tune.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise UserError(f"tune.{key}={value} is not a whole number from {least} to {most}.")
    return value


def number(tune: DictConfig, key: str) -> float:
    """`tune.<key>` as a number above 0, or one sentence saying so."""
    value = tune.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise UserError(f"tune.{key}={value} is not a number above 0.")
    return value


def check_tune(cfg: DictConfig) -> None:
    """Raise `UserError` for a `tune=` combination the finders cannot run."""
    tune = cfg.get("tune") or {}
    finder = tune.get("finder", "none")
    if finder not in FINDERS:
        raise UserError(f"tune.finder={finder} is not a finder: use tune=lr or tune=batch_size.")
    if not isinstance(tune.get("apply", False), bool):
        raise UserError(f"tune.apply={tune.get('apply')} is not true or false.")
    if finder == "none":
        if tune.get("apply"):
            raise UserError(
                "tune.apply=true trains with what a finder found: add tune=lr or tune=batch_size."
            )
        return
    if cfg.get("ckpt_path") is not None:
        raise UserError(
            f"tune={finder} searches for a new run, and a resumed run keeps its own values: "
            "drop ckpt_path= or tune=."
        )
    if str(cfg.trainer.get("devices", 1)) != "1" or cfg.trainer.get("num_nodes", 1) != 1:
        raise UserError(
            f"tune={finder} runs Lightning's finder on one device: drop trainer.devices "
            "(and trainer=ddp) for the search, then train on several with the value it found."
        )
    if finder == "lr":
        check_lr_options(tune)
    else:
        check_batch_size_options(tune)


def check_batch_size_options(tune: DictConfig) -> None:
    if tune.mode not in ("power", "binsearch"):
        raise UserError(f"tune.mode={tune.mode} is not a mode: use power or binsearch.")
    for key in ("max_trials", "steps_per_trial"):
        whole(tune, key, 1, 1_000)
    if whole(tune, "init_val", 1, 10**9) > whole(tune, "max_val", 1, 10**9):
        raise UserError(
            f"tune.init_val={tune.init_val} is above tune.max_val={tune.max_val}: the "
            "batch-size finder starts at init_val and stops at max_val."
        )


def check_lr_options(tune: DictConfig) -> None:
    number(tune, "min_lr")
    number(tune, "max_lr")
    if tune.get("early_stop_threshold") is not None:
        number(tune, "early_stop_threshold")
    if whole(tune, "num_training", 1) < FEWEST_LR_STEPS:
        raise UserError(
            f"tune.num_training={tune.num_training} gives the learning-rate finder too few "
            f"steps to suggest a rate: use at least {FEWEST_LR_STEPS} (100 by default)."
        )
    if not 0 < tune.min_lr < tune.max_lr:
        raise UserError(
            f"tune.min_lr={tune.min_lr} and tune.max_lr={tune.max_lr}: the finder needs "
            "0 < min_lr < max_lr (1e-08 and 1 by default)."
        )
    if tune.mode not in ("exponential", "linear"):
        raise UserError(f"tune.mode={tune.mode} is not a mode: use exponential or linear.")
