"""`tune=lr` and `tune=batch_size`: Lightning's own finders on the run's data and model, on the
plain module (the finders step the schedulers and count the steps Lightning sees), in a
Trainer of their own with its scratch checkpoint in a temporary folder.
"""

from __future__ import annotations

import copy
import tempfile
from dataclasses import dataclass

import lightning as L
from hydra.core.hydra_config import HydraConfig
from lightning.pytorch.tuner import Tuner
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from minibatch.build import build_datamodule, build_module, build_trainer, is_lightning_module
from minibatch.checks.one_sentence import say
from minibatch.errors import UserError
from minibatch.tooling.finder_plot import save_lr_plot
from minibatch.tooling.lr_suggestion import SKIP_BEGIN, SKIP_END, steepest_fall
from minibatch.train import RunResult

# Where a LightningModule of yours takes its learning rate: Lightning's own two names.
LR_NAMES = ("lr", "learning_rate")


@dataclass
class Found:
    """What a finder found: the config key it sets, its value, and the search's objects."""

    key: str | None
    value: float | int
    result: RunResult


def search_config(cfg: DictConfig, folder: str) -> DictConfig:
    """The run's config for a search: one mini-batch a step, no callbacks, no checkpoints."""
    search = copy.deepcopy(cfg)
    with open_dict(search):
        search.steps_per_call = 1
        search.callbacks = None
        search.trainer.update(
            default_root_dir=folder, enable_checkpointing=False, max_epochs=-1, max_steps=-1,
            min_epochs=None, num_sanity_val_steps=0, fast_dev_run=False,
            enable_model_summary=False,
        )  # fmt: skip
    return search


def lr_key(cfg: DictConfig) -> str | None:
    """The config key the learning rate is trained with, if the run has one."""
    if not is_lightning_module(cfg.model):
        return "optimizer.lr"
    return next((f"model.{name}" for name in LR_NAMES if name in cfg.model), None)


def find(cfg: DictConfig) -> Found:
    """Run the finder `cfg.tune.finder` names and print what it suggests in one line."""
    if cfg.tune.finder == "lr" and cfg.tune.apply and lr_key(cfg) is None:
        raise UserError(
            f"tune.apply=true sets the learning rate your module {cfg.model['_target_']} takes, "
            "and its config has none: give it an `lr` argument (model.lr) used by "
            "configure_optimizers, or drop tune.apply."
        )
    if cfg.seed is not None:
        L.seed_everything(cfg.seed, workers=True)
    with tempfile.TemporaryDirectory(prefix="minibatch-tune-") as folder:
        search = search_config(cfg, folder)
        datamodule, model = build_datamodule(search), build_module(search)
        trainer = build_trainer(search)
        if cfg.tune.finder == "lr":
            key, value = lr_key(cfg), find_lr(cfg, trainer, model, datamodule)
        else:
            key, value = find_batch_size(cfg, trainer, model, datamodule)
    metrics = {f"tune/{cfg.tune.finder}": float(value)}
    return Found(key, value, RunResult(metrics, model, datamodule, trainer))


def find_lr(cfg: DictConfig, trainer: L.Trainer, model, datamodule) -> float:
    tune = cfg.tune
    finder = Tuner(trainer).lr_find(
        model, datamodule=datamodule, min_lr=tune.min_lr, max_lr=tune.max_lr,
        num_training=tune.num_training, mode=tune.mode,
        early_stop_threshold=tune.early_stop_threshold, update_attr=False,
    )  # fmt: skip
    steps = len(finder.results["loss"])
    steepest = steepest_fall(finder.results["lr"], finder.results["loss"])
    if steepest is None:
        raise UserError(
            f"the learning-rate finder's loss diverged within {steps} steps, too few to "
            "suggest a rate: lower tune.max_lr or tune.min_lr."
        )
    lr = float(f"{steepest:.3g}")  # the curve's precision, and a run name that reads well
    lightning_lr = finder.suggestion(SKIP_BEGIN, SKIP_END)
    plot = save_lr_plot(finder, lr, lightning_lr, cfg.paths.output_dir, trainer.loggers)
    key = lr_key(cfg)
    use = (f"train with {key}={lr:.3g} or add tune.apply=true" if key else
           "your module takes no lr argument: set it where configure_optimizers does")  # fmt: skip
    say(f"[bold]learning-rate finder:[/] {lr:.3g}, where the loss fell fastest per decade "
        f"over {steps} steps from {tune.min_lr:g} to {tune.max_lr:g} (Lightning's "
        f"suggestion: {lightning_lr:.3g}; plot: {plot}); {use}")  # fmt: skip
    return lr


def find_batch_size(cfg: DictConfig, trainer: L.Trainer, model, datamodule) -> tuple[str, int]:
    holder = batch_size_holder(cfg, model, datamodule)
    tune = cfg.tune
    size = Tuner(trainer).scale_batch_size(
        model, datamodule=datamodule, mode=tune.mode, steps_per_trial=tune.steps_per_trial,
        init_val=tune.init_val, max_trials=tune.max_trials, max_val=tune.max_val,
    )  # fmt: skip
    say(f"[bold]batch-size finder:[/] {holder}={size}, the largest batch from "
        f"{tune.init_val} up to {tune.max_val} that trained without running out of memory "
        f"(the fastest, not always the best to learn with); train with {holder}={size} or "
        "add tune.apply=true")  # fmt: skip
    return holder, int(size)


def batch_size_holder(cfg: DictConfig, model, datamodule) -> str:
    """The config key of the batch size Lightning's scaler changes, or a refusal."""
    if hasattr(datamodule, "batch_size"):
        return "batch_size"
    if "batch_size" in getattr(model, "hparams", {}) and "batch_size" in cfg.model:
        return "model.batch_size"
    raise UserError(
        f"Lightning's batch-size finder changes a `batch_size` attribute, which "
        f"{type(datamodule).__name__} does not have: give the DataModule a batch_size "
        "argument (batch_size: ${batch_size} in its config) kept as self.batch_size."
    )


def apply(cfg: DictConfig, found: Found) -> None:
    """Set the value found in the run's config, and in its recorded command line in place of
    `tune=`: the run's name, HPARAMS and resume command then say the value used."""
    with open_dict(cfg):
        OmegaConf.update(cfg, found.key, found.value, merge=False)
    if found.key == "batch_size" and cfg.data.get("batch_size") != found.value:
        raise UserError(
            "tune.apply=true sets batch_size, which the data config does not pass on: add "
            "batch_size: ${batch_size} to it."
        )
    if HydraConfig.initialized():
        typed = HydraConfig.get().overrides.task
        kept = [o for o in typed if o.lstrip("+~").split("=")[0].split(".")[0] != "tune"
                and o.split("=")[0] != found.key]  # fmt: skip
        with read_write(typed):
            typed.clear()
            typed.extend([*kept, f"{found.key}={found.value}"])
