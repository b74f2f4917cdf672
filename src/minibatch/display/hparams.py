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

from minibatch.data.loader_batch_size import loader_batch_size
from minibatch.display.run_name import DISPLAY_KEYS, own_class, run_name

MAX_HPARAMS = 20


def shown(value: object) -> bool | int | float | str:
    """A value TensorBoard can show, keeping its type (None and lists become text)."""
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, DictConfig) and "_target_" in value:
        return str(value["_target_"]).rsplit(".", 1)[-1]
    return str(OmegaConf.to_container(value) if OmegaConf.is_config(value) else value)


def value_of(cfg: DictConfig, key: str, choices: Mapping[str, str],
             overrides: Iterable[str] = ()) -> object:  # fmt: skip
    """A config key's value; for a config group (`data`, `model`) the option chosen, or the
    class a `<group>._target_=` override names."""
    if key in ("data", "model") and own_class(key, overrides):
        return own_class(key, overrides)
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
    measured: Mapping[str, object] | None = None,
) -> dict[str, bool | int | float | str]:
    """The run's HPARAMS row: its name, the configured keys, then the command line's keys.

    `choices` and `overrides` default to those Hydra recorded for this run (none when the
    config was composed in-process). `measured` holds values read from the running trainer
    by config key (`batch_size` from the training loader, `trainer.max_epochs` once the
    run's length is fitted), which replace the configured ones.
    """
    if choices is None or overrides is None:
        choices, overrides = hydra_choices_and_overrides()
    measured = dict(measured or {})

    def value(key: str) -> object:
        return measured[key] if key in measured else value_of(cfg, key, choices, overrides)

    listed: Mapping[str, str] = cfg.get("hparams") or {}
    batch_size = value("batch_size")
    row: dict[str, object] = {
        "run": run_name(choices.get("data"), choices.get("model"), batch_size, overrides)
    }
    for name, key in listed.items():
        row[name] = value(key)
    for key in command_line_keys(overrides):
        if key not in listed.values() and len(row) < MAX_HPARAMS:
            row[key] = value(key)
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
    """Write the run's HPARAMS row once training starts: the batch size is the training
    loader's, and the epochs those the run will train (fitted to the data, or configured)."""

    def __init__(self, cfg: DictConfig) -> None:
        self.cfg = cfg
        self.choices, self.overrides = hydra_choices_and_overrides()
        self.params: dict[str, bool | int | float | str] = {}

    def on_train_start(self, trainer, pl_module) -> None:
        measured = {"trainer.max_epochs": trainer.max_epochs}
        batch_size = loader_batch_size(trainer.train_dataloader)
        if batch_size is not None:
            measured["batch_size"] = batch_size
        self.params = run_hparams(self.cfg, self.choices, self.overrides, measured)
        log_hparams(trainer.loggers, self.params)
