"""Evaluate a checkpoint: `python scripts/evaluate.py ckpt_path=.../last.ckpt split=test`.

The net is rebuilt from configs/ with what the checkpoint describes (saved_config.py), the
data from the command line (evaluation_data.py); `predict_path=` also writes predictions.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import hydra
import torch
from omegaconf import DictConfig
from rich.table import Table

from minibatch.checks.config_checks import DATA_RANGES, check_ranges
from minibatch.checks.one_sentence import console, say, user_errors_exit
from minibatch.checks.override_syntax import overrides_checked_first
from minibatch.cli.entry import end_quickly, project_on_path, quiet_known_noise, register_configs
from minibatch.cli.env_file import read_env_file
from minibatch.cli.evaluation_data import (
    chosen_data_group,
    data_inputs,
    data_on_the_command_line,
    evaluation_data,
)
from minibatch.cli.output_paths import check_new_output, run_folder_holding
from minibatch.errors import UserError, building
from minibatch.runs.checkpoint_file import load_checkpoint
from minibatch.runs.project_paths import CONFIG_DIR
from minibatch.runs.run_outcome import run_outcome
from minibatch.runs.saved_config import read_description, rebuilt_model_config
from minibatch.runs.stop_signals import NOT_FINISHED, stop_at_once_on_signals

read_env_file()  # .env: tracker keys and paths, never over what is set
register_configs()
project_on_path()  # your own modules import from the project folder
end_quickly()

SPLITS = ("train", "valid", "test")
# What a checkpoint's `data_spec` says of the task it was trained for (not the target's scale).
SPEC_KEYS = ("task", "input_kind", "input_shape", "num_classes", "num_targets", "vocab_size")


def rebuilt_config(
    ckpt_path: Path,
    checkpoint: Mapping,
    data: Mapping | None = None,
    data_group: str | None = None,
) -> DictConfig:
    """The checkpoint's training config, composed again from configs/ (never from the file)
    with the command line's `data` options (and `data_group`, else the checkpoint's)."""
    description = read_description(ckpt_path, checkpoint)
    group = chosen_data_group(data_group, description.data)
    cfg = rebuilt_model_config(ckpt_path, description, group)
    trained_on = (description.data, description.data_options)
    return evaluation_data(cfg, ckpt_path, trained_on, group, data)


def inputs_of(ckpt_path: Path, run_cfg: DictConfig, *more: str | None) -> list[Path]:
    """Everything the command reads: the checkpoint, the data's files, `more` given paths."""
    return [ckpt_path, *(Path(p) for p in more if p), *data_inputs(run_cfg.data)]


def check_same_kind_of_data(ckpt_path: Path, trained: object, spec) -> None:
    """The data's spec poses the task the checkpoint's `data_spec` says it was trained on."""
    plain = lambda v: list(v) if isinstance(v, (list, tuple)) else v  # noqa: E731
    trained = trained if isinstance(trained, Mapping) else {}
    differ = [f"{key} {plain(trained.get(key))!r} when trained, {plain(value)!r} here"
              for key, value in spec.to_dict().items()
              if key in SPEC_KEYS and plain(trained.get(key)) != plain(value)]  # fmt: skip
    if differ:
        raise UserError(
            f"{ckpt_path} does not fit this data and model ({'; '.join(differ)}): evaluate it "
            "on the data it was trained on."
        )


def load_model(ckpt_path: Path, checkpoint: Mapping, run_cfg: DictConfig, datamodule):
    """The trained LightningModule, rebuilt from the config (the template's: its net for the
    data's spec) and its weights loaded."""
    from minibatch.build import build_module, is_lightning_module
    from minibatch.data_spec import describe

    if is_lightning_module(run_cfg.model):  # a module of your own: built as it was trained
        model, fits = build_module(run_cfg), f"{run_cfg.model['_target_']}"
    else:
        spec = describe(datamodule)
        check_same_kind_of_data(ckpt_path, checkpoint.get("data_spec"), spec)
        model = build_module(run_cfg, spec)
        fits = (
            f"{type(model.net).__name__} for {spec.input_size} inputs, {spec.output_size} outputs"
        )
    try:
        model.load_state_dict(checkpoint["state_dict"])
    except RuntimeError as error:
        raise UserError(
            f"{ckpt_path} does not fit this data and model ({fits}): evaluate it on the data "
            f"it was trained on ({str(error).splitlines()[0]})."
        ) from None
    return model.eval()


def build_trained(ckpt_path: Path, checkpoint: Mapping, run_cfg: DictConfig):
    """(trained model, set-up DataModule) from the rebuilt config and the checkpoint's weights."""
    from minibatch.build import instantiate

    check_ranges(run_cfg.data, DATA_RANGES, node="data.")  # data.batch_size=0
    datamodule = instantiate(run_cfg.data, "data")
    datamodule.prepare_data()
    datamodule.setup("validate")
    return load_model(ckpt_path, checkpoint, run_cfg, datamodule), datamodule


def load_trained(ckpt_path: Path, data: Mapping | None = None, data_group: str | None = None):
    """(trained model, set-up DataModule) of a checkpoint, rebuilt from configs/ alone.

    `data` and `data_group` are the caller's own (`{"path": "other.csv"}`), never the file's.
    """
    checkpoint = load_checkpoint(ckpt_path)
    return build_trained(ckpt_path, checkpoint, rebuilt_config(ckpt_path, checkpoint, data,
                                                               data_group))  # fmt: skip


def evaluate(cfg: DictConfig) -> dict[str, float]:
    """Metrics of the checkpoint on `cfg.split` (empty for `input_path`); writes predictions."""
    import lightning as L

    quiet_known_noise()
    if cfg.split not in SPLITS:
        raise UserError(f"split={cfg.split} is not one of: {', '.join(SPLITS)}.")
    if cfg.input_path and not cfg.predict_path:
        raise UserError(
            "input_path= gives rows to predict, but no predict_path= to write the predictions "
            "to: add predict_path=predictions.csv."
        )
    ckpt_path = Path(cfg.ckpt_path)
    checkpoint = load_checkpoint(ckpt_path)
    run_cfg = rebuilt_config(ckpt_path, checkpoint, cfg.data, cfg.get("data_group"))
    if cfg.predict_path:
        check_new_output("predict_path", cfg.predict_path,
                         inputs_of(ckpt_path, run_cfg, cfg.input_path),
                         run_folder_holding(ckpt_path))  # fmt: skip
    model, datamodule = build_trained(ckpt_path, checkpoint, run_cfg)
    with building("accelerator"):
        trainer = L.Trainer(accelerator=cfg.accelerator, devices=1, logger=False,
                            enable_checkpointing=False, enable_model_summary=False)  # fmt: skip
    if cfg.input_path:
        loader = datamodule.loader_for_table(cfg.input_path)
        metrics = {}
    else:
        loader = evaluation_loader(datamodule, cfg.split)
        results = trainer.validate(model, dataloaders=loader, verbose=False)[0]
        metrics = {
            name.replace("val/", f"{cfg.split}/"): value
            for name, value in results.items() if not name.endswith("_best")
        }  # fmt: skip
        print_metrics(ckpt_path, cfg.split, metrics)
    if cfg.predict_path:
        write_predictions(
            Path(cfg.predict_path), *predicted(trainer, model, loader, cfg.input_path)
        )
        say(f"[bold]predictions:[/] {cfg.predict_path}")
    return metrics


def evaluation_loader(datamodule, split: str):
    """The split's loader in order: the in-memory base's, or the DataModule's own."""
    if hasattr(datamodule, "loader_for"):
        return datamodule.loader_for(split)
    if split == "train":
        raise UserError(
            f"{type(datamodule).__name__} has no ordered training loader: use split=valid."
        )
    return datamodule.val_dataloader() if split == "valid" else datamodule.test_dataloader()


def predicted(trainer, model, loader, input_path: str | None) -> tuple:
    """(predictions, targets or None, their columns' task) for every example of the loader.

    The template's module predicts values in the data's own units or class probabilities;
    a module of your own gives what its `predict_step` returns, one row per example.
    """
    from lightning import LightningModule
    from lightning.pytorch.utilities.model_helpers import is_overridden

    from minibatch.module import TaskModule

    template = isinstance(model, TaskModule)
    if not template and not is_overridden("predict_step", model, LightningModule):
        raise UserError(
            f"predict_path= writes what the module's predict_step returns, and "
            f"{type(model).__name__} has none: give it a predict_step that returns one row "
            "of predictions per example (a tensor of shape [batch, k])."
        )
    rows = [torch.as_tensor(out) for out in trainer.predict(model, dataloaders=loader)]
    predictions = torch.cat([r.reshape(len(r), -1) for r in rows]).float().cpu()
    targets = None
    if not input_path:
        targets = torch.cat([batch[1].reshape(len(batch[1]), -1) for batch in loader]).float()
    if template and targets is not None and model.task.name == "regression":
        targets = model.spec.unscale(targets)  # in the data's own units
    return predictions, targets, model.task.name if template else "regression"


def print_metrics(ckpt_path: Path, split: str, metrics: dict[str, float]) -> None:
    table = Table(title=f"{ckpt_path.name} on {split}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in sorted(metrics.items()):
        table.add_row(name, f"{value:.4f}")
    console.print(table)


def prediction_columns(predictions: torch.Tensor, task: str) -> dict[str, list]:
    """Named prediction columns: values, or the class and its probabilities."""
    if task == "regression":
        names = ["prediction"] if predictions.shape[1] == 1 else [
            f"prediction_{i}" for i in range(predictions.shape[1])]  # fmt: skip
        return {name: predictions[:, i].tolist() for i, name in enumerate(names)}
    if task == "binary":
        probability = predictions[:, 0]
        return {"predicted_class": (probability > 0.5).long().tolist(),
                "probability": probability.tolist()}  # fmt: skip
    columns = {"predicted_class": predictions.argmax(1).tolist()}
    columns |= {f"probability_{i}": predictions[:, i].tolist() for i in range(predictions.shape[1])}
    return columns


def write_predictions(
    path: Path, predictions: torch.Tensor, targets: torch.Tensor | None, task: str
) -> None:
    """One CSV row per example: its index, its target when known, and the predictions."""
    columns = {"row": list(range(len(predictions)))}
    if targets is not None:
        columns["target"] = targets.reshape(len(targets), -1)[:, 0].tolist()
    columns |= prediction_columns(predictions, task)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", newline="") as file:  # a new file: never one that appeared meanwhile
        writer = csv.writer(file)
        writer.writerow(columns)
        writer.writerows(zip(*columns.values(), strict=True))


@overrides_checked_first
@data_on_the_command_line
@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="evaluate")
def main(cfg: DictConfig) -> None:
    """Hydra entry point (also the `minibatch-evaluate` console script)."""
    stop_at_once_on_signals(NOT_FINISHED)
    with user_errors_exit(), run_outcome(cfg.paths.output_dir):
        evaluate(cfg)


if __name__ == "__main__":
    main()
