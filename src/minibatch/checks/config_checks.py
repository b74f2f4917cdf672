"""Values of the right type but out of range, refused before Lightning is imported (`RANGES`).

Lightning's Trainer accepts most of these when built (a max_steps of 0, a negative gradient
clip, an accumulation of 0) and fails later or never; here each answers before its import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from omegaconf import DictConfig, ListConfig, OmegaConf

from minibatch.checks.added_keys import check_added_keys
from minibatch.checks.batch_size_taken import check_batch_size_taken
from minibatch.errors import UserError


@dataclass(frozen=True)
class Rule:
    """What a value must be: a test, the words the error uses, and an example value."""

    test: Callable[[object], bool]
    words: str
    example: str


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


POSITIVE_INT = Rule(lambda v: is_int(v) and v >= 1, "a positive integer", "50")
COUNT = Rule(lambda v: is_int(v) and v >= 0, "0 or a positive integer", "0")
POSITIVE = Rule(lambda v: is_number(v) and 0 < v < float("inf"), "a positive number", "0.01")
NON_NEGATIVE = Rule(lambda v: is_number(v) and 0 <= v < float("inf"), "0 or more", "0.0")
BOOLEAN = Rule(lambda v: isinstance(v, bool), "true or false", "true")
SEED = Rule(lambda v: v is None or is_int(v) and 0 <= v < 2**32,
            "an integer from 0 to 4294967295 (or null for no seeding)", "0")  # fmt: skip
STEPS = Rule(lambda v: is_int(v) and (v == -1 or v >= 1), "-1 (no limit) or a positive integer",
             "1000")  # fmt: skip
FRACTION = Rule(lambda v: is_number(v) and 0 < v < 1, "a fraction between 0 and 1", "0.2")
DROPOUT = Rule(lambda v: is_number(v) and 0 <= v < 1, "a probability in [0, 1)", "0.2")
# Lightning reads a float as a fraction of the epoch and an integer as a count of batches;
# a float above 1 would silently validate once an epoch. A time ("00:00:10:00") passes on.
VAL_INTERVAL = Rule(lambda v: isinstance(v, str) or (is_int(v) and v >= 1)
                    or (isinstance(v, float) and 0 < v <= 1),
                    "a fraction of the epoch in (0, 1] or a number of batches", "0.5")  # fmt: skip
# torch.compile's modes (the inductor backend's); reduce-overhead captures CUDA graphs on a GPU.
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")
COMPILE_MODE = Rule(lambda v: v in COMPILE_MODES, f"one of {', '.join(COMPILE_MODES)}",
                    "reduce-overhead")  # fmt: skip
SANITY_STEPS = Rule(lambda v: is_int(v) and v >= -1, "-1 (all), 0 or a positive integer", "2")


def optional(rule: Rule, allowed: str | None = None) -> Rule:
    """`rule`, or the one value `allowed` (null unless told)."""
    words = "null" if allowed is None else allowed
    return Rule(lambda v: v == allowed and type(v) is type(allowed) or rule.test(v),
                f"{rule.words} (or {words})", rule.example)  # fmt: skip


# What every run needs to be built at all (`~data` removes one).
REQUIRED_GROUPS = ("data", "model", "optimizer", "trainer")
# Every key here is checked wherever it is set; a key the config does not have is skipped.
# `.*` checks each item of a list (or the value, when it is one number).
RANGES: dict[str, Rule] = {
    "batch_size": POSITIVE_INT,
    "seed": SEED,
    "test": BOOLEAN,
    "compile": BOOLEAN,
    "compile_mode": COMPILE_MODE,
    "print_config": BOOLEAN,
    "steps_per_call": optional(POSITIVE_INT, "auto"),
    "trainer.max_steps": STEPS,
    "trainer.min_epochs": optional(COUNT),
    "trainer.check_val_every_n_epoch": optional(POSITIVE_INT),
    "trainer.val_check_interval": optional(VAL_INTERVAL),
    "trainer.accumulate_grad_batches": POSITIVE_INT,
    "trainer.num_nodes": POSITIVE_INT,
    "trainer.gradient_clip_val": optional(NON_NEGATIVE),
    "trainer.num_sanity_val_steps": SANITY_STEPS,
    "optimizer.lr": POSITIVE,
    "optimizer.weight_decay": NON_NEGATIVE,
    "optimizer.momentum": NON_NEGATIVE,
    "scheduler.step_size": POSITIVE_INT,
    "scheduler.T_max": POSITIVE_INT,
    "scheduler.gamma": POSITIVE,
    "model.hidden.*": POSITIVE_INT,
    "model.channels.*": POSITIVE_INT,
    "model.embedding_dim": POSITIVE_INT,
    "model.dropout": DROPOUT,
    "data.batch_size": POSITIVE_INT,  # set directly instead of through batch_size
    "data.eval_batch_size": optional(POSITIVE_INT),
    "data.num_workers": COUNT,
    "data.image_size.*": POSITIVE_INT,
    "data.valid_fraction": FRACTION,
    "callbacks.step_loss.every": POSITIVE_INT,
    "callbacks.early_stopping.patience": COUNT,
    "callbacks.early_stopping.min_delta": NON_NEGATIVE,
    "callbacks.rich_progress_bar.refresh_rate": COUNT,
}


# What evaluate.py checks of the data options it is given (+data.batch_size=0).
DATA_RANGES = {key: rule for key, rule in RANGES.items() if key.startswith("data.")}


def check_config(cfg: DictConfig) -> None:
    """Raise `UserError` with one sentence for the first bad value found."""
    for group in REQUIRED_GROUPS:
        if not isinstance(cfg.get(group), DictConfig):
            raise UserError(
                f"the config has no {group} (removed with ~{group}?): choose one with "
                f"{group}=<name>; python train.py --help lists them."
            )
    check_added_keys(cfg)
    check_length_known(cfg)  # before the ranges: T_max=null is said with its reason
    check_ranges(cfg, RANGES)
    check_batch_size_taken(cfg)  # after the ranges: a data.batch_size=0 is said as such
    check_run_length(cfg)


# The entries a run builds; each one's options are checked against what it builds.
ENTRIES = ("data", "model", "module", "optimizer", "scheduler", "trainer")
NAMED_ENTRIES = ("callbacks", "logger")


def check_entries(cfg: DictConfig) -> None:
    """Every entry's options against the signature of its `_target_` (option_types.py).

    Looking a target up imports its module (Lightning's Trainer among them): called once
    the values are checked and Lightning is wanted anyway.
    """
    from minibatch.checks.option_types import check_options

    for key in ENTRIES:
        if isinstance(cfg.get(key), DictConfig):
            check_options(cfg[key], key)
    for group in NAMED_ENTRIES:
        for name, entry in (cfg.get(group) or {}).items():
            if isinstance(entry, DictConfig):
                check_options(entry, f"{group}.{name}")


def check_ranges(cfg: DictConfig, rules: dict[str, Rule], node: str = "") -> None:
    """Raise `UserError` for the first value of `cfg` outside its rule; `node`: the key that
    `cfg` is in the whole config (evaluate.py checks its data entry alone)."""
    for key, rule in rules.items():
        for name, value in values_at(cfg, key.removeprefix(node)):
            check_value(node + name, value, rule)


def values_at(cfg: DictConfig, key: str) -> Iterator[tuple[str, object]]:
    """(key, value) for `key` in `cfg` (each item for `a.b.*`); nothing when it is not set."""
    path, each = (key[:-2], True) if key.endswith(".*") else (key, False)
    parent, _, leaf = path.rpartition(".")
    node = OmegaConf.select(cfg, parent) if parent else cfg
    if not isinstance(node, DictConfig) or leaf not in node:
        return
    value = node[leaf]  # a `${...}` that does not resolve: library_errors.py names the key
    if isinstance(value, ListConfig) and each:
        yield from ((f"{path}[{i}]", item) for i, item in enumerate(value))
    elif not each or is_number(value):  # a net whose `hidden` is one size, not a list
        yield path, value


def check_value(name: str, value: object, rule: Rule | None = None) -> None:
    """Refuse `value` of `name` outside `rule`, by default its rule in RANGES: the one sentence
    a config check and a constructor built outside a config (a notebook, a test) both say."""
    rule = rule or RANGES[name]
    if not rule.test(value):
        raise UserError(
            f"{name} must be {rule.words}, got {value!r}: for example {name}={rule.example}."
        )


def check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    """Refuse a value that is not one of the accepted names, listing them."""
    if value not in choices:
        raise UserError(f"{name}={value!r} is not one of: {', '.join(choices)}.")


# The callback that gives `trainer.max_epochs=null` its meaning (configs/callbacks/fit_length.yaml).
FIT_LENGTH = "minibatch.runs.fit_length.FitLength"


def fits_its_length(cfg: DictConfig) -> bool:
    """Whether the run's epochs are left to the data: trainer.max_epochs null, no max_steps."""
    trainer = cfg.get("trainer") or {}
    return trainer.get("max_epochs") is None and trainer.get("max_steps", -1) == -1


def check_length_known(cfg: DictConfig) -> None:
    """What needs the number of epochs before the run starts cannot have it when the data
    decides it: a schedule over the whole run (scheduler=cosine) would decay over nothing."""
    scheduler = cfg.get("scheduler")
    schedules = isinstance(scheduler, DictConfig) and "T_max" in scheduler
    if fits_its_length(cfg) and schedules and scheduler.T_max is None:
        raise UserError(
            "scheduler.T_max follows trainer.max_epochs, which is null (the run's length is "
            "fitted to the data once it starts): give the run its epochs, for example "
            "trainer.max_epochs=50, or scheduler.T_max=50."
        )


def check_run_length(cfg: DictConfig) -> None:
    """A run must train (some batches, some epochs) and stop (no -1 'forever')."""
    trainer = cfg.get("trainer") or {}
    fitted = any(
        isinstance(entry, DictConfig) and entry.get("_target_") == FIT_LENGTH
        for entry in (cfg.get("callbacks") or {}).values()
    )
    if fits_its_length(cfg) and not trainer.get("fast_dev_run") and not fitted:
        raise UserError(
            "trainer.max_epochs is null, which leaves the run's length to the fit_length "
            "callback, but the callbacks chosen have none: give trainer.max_epochs=N or add "
            "it (callbacks=[none,fit_length])."
        )
    if trainer.get("max_steps", -1) == -1 and trainer.get("max_epochs") is not None:
        check_value("trainer.max_epochs", trainer.get("max_epochs"), POSITIVE_INT)
    min_epochs, max_epochs = trainer.get("min_epochs"), trainer.get("max_epochs")
    if is_int(min_epochs) and is_int(max_epochs) and max_epochs > 0 and min_epochs > max_epochs:
        raise UserError(
            f"trainer.min_epochs={min_epochs} is more than trainer.max_epochs={max_epochs}: "
            "raise max_epochs or lower min_epochs."
        )
    limit = trainer.get("limit_train_batches")
    if limit is not None and not (is_number(limit) and limit > 0):
        raise UserError(
            f"trainer.limit_train_batches={limit!r} trains on no batch: give a fraction in "
            "(0, 1] or a positive number of batches, or null for all."
        )
