"""A short row per run in TensorBoard's HPARAMS tab: what was chosen, beside what it gave.

Lightning's `log_hyperparams` would write all 80 flattened keys, an experiment summary that
hides other runs' columns, and each metric at step 0: a fake first point on every curve.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers import Logger, TensorBoardLogger
from lightning.pytorch.utilities import rank_zero_only
from omegaconf import DictConfig, OmegaConf
from torch.utils.tensorboard.summary import hparams

from minibatch.display.run_name import DISPLAY_KEYS, run_name

MAX_HPARAMS = 20


def shown(value: object) -> bool | int | float | str:
    """A value TensorBoard can show, keeping its type (None and lists become text)."""
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, DictConfig) and "_target_" in value:
        return str(value["_target_"]).rsplit(".", 1)[-1]
    return str(OmegaConf.to_container(value) if OmegaConf.is_config(value) else value)


def value_of(cfg: DictConfig, key: str, choices: Mapping[str, str]) -> object:
    """A config key's value; for a config group (`data`, `model`) the option chosen."""
    if key in choices and choices[key] is not None:
        return choices[key]
    return OmegaConf.select(cfg, key, default=None)


def command_line_keys(overrides: Iterable[str]) -> list[str]:
    """The keys a command line (or a sweep job) set, less those that only change the display."""
    keys = []
    for override in overrides:
        key = override.lstrip("+~").partition("=")[0]
        if not key.startswith(DISPLAY_KEYS) and key not in keys:
            keys.append(key)
    return keys


def run_hparams(
    cfg: DictConfig,
    choices: Mapping[str, str] | None = None,
    overrides: Iterable[str] | None = None,
) -> dict[str, bool | int | float | str]:
    """The run's HPARAMS row: its name, the configured keys, then the command line's keys.

    `choices` and `overrides` default to those Hydra recorded for this run (none when the
    config was composed in-process).
    """
    if choices is None or overrides is None:
        choices, overrides = hydra_choices_and_overrides()
    listed: Mapping[str, str] = cfg.get("hparams") or {}
    row: dict[str, object] = {
        "run": run_name(
            choices.get("data"), choices.get("model"), cfg.get("batch_size"), overrides
        )  # fmt: skip
    }
    for name, key in listed.items():
        row[name] = value_of(cfg, key, choices)
    for key in command_line_keys(overrides):
        if key not in listed.values() and len(row) < MAX_HPARAMS:
            row[key] = value_of(cfg, key, choices)
    return {name: shown(value) for name, value in row.items()}


def hydra_choices_and_overrides() -> tuple[dict[str, str], list[str]]:
    """The options Hydra chose and the command line's overrides, if Hydra runs this job."""
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return {}, []
    hydra = HydraConfig.get()
    return dict(hydra.runtime.choices), list(hydra.overrides.task)


@rank_zero_only
def log_hparams(loggers: Iterable[Logger], params: Mapping[str, object]) -> None:
    """Write the run's HPARAMS row (a session start) to every TensorBoard logger."""
    for logger in loggers:
        if isinstance(logger, TensorBoardLogger):
            writer = logger.experiment.file_writer
            _experiment, session_start, _session_end = hparams(dict(params), {})
            writer.add_summary(session_start)


class HparamsRow(Callback):
    """Write the run's HPARAMS row once the fit starts (the loggers exist by then)."""

    def __init__(self, params: Mapping[str, object]) -> None:
        self.params = dict(params)

    def on_fit_start(self, trainer, pl_module) -> None:
        log_hparams(trainer.loggers, self.params)
