"""Evaluate a checkpoint: `python src/minibatch/evaluate.py ckpt_path=.../last.ckpt split=test`.

The data and the net are rebuilt from the training config and the data's `DataSpec` that
`train.py` saves inside every checkpoint, then the weights are loaded. Prints a metrics
table; with `predict_path=` also writes the predictions, one row per example.
"""

from __future__ import annotations

import csv
from pathlib import Path

import hydra
import torch
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import ConfigKeyError
from rich.table import Table

from minibatch.checkpoint_file import load_checkpoint
from minibatch.config_checks import DATA_RANGES, check_ranges
from minibatch.entry import console, quiet_known_noise, say, user_errors_exit
from minibatch.errors import UserError, building
from minibatch.override_syntax import overrides_checked_first
from minibatch.run_outcome import run_outcome
from minibatch.saved_config import recompose, same_targets
from minibatch.stop_signals import NOT_FINISHED, stop_at_once_on_signals
from minibatch.train import CONFIG_DIR

SPLITS = ("train", "valid", "test")


def read_checkpoint(ckpt_path: Path) -> dict:
    """A checkpoint of this template: weights, training overrides and data spec (data only)."""
    checkpoint = load_checkpoint(ckpt_path)
    if not isinstance(checkpoint.get("run_overrides"), list):
        raise UserError(
            f"{ckpt_path} does not record the overrides of its run (written by an older "
            "version, or not by train.py): retrain it with this version to evaluate it."
        )
    return checkpoint


def training_config(ckpt_path: Path, checkpoint: dict) -> DictConfig:
    """The checkpoint's training config, composed again from configs/ (never from the file)."""
    # Config folders come from this command's own hydra.searchpath, never from the file.
    searchpath = list(HydraConfig.get().searchpath) if HydraConfig.initialized() else []
    search = "[" + ",".join(searchpath) + "]" if searchpath else None
    run_cfg = recompose(checkpoint["run_overrides"], str(CONFIG_DIR), search)
    differ = same_targets(run_cfg, checkpoint["run_config"])
    if differ:
        raise UserError(
            f"{ckpt_path} was trained with other config files than the ones here "
            f"({'; '.join(differ)}): evaluate it with the configs it was trained with."
        )
    return run_cfg


def load_model(ckpt_path: Path, checkpoint: dict, run_cfg: DictConfig, datamodule):
    """The trained LightningModule, its net rebuilt for the data and its weights loaded."""
    from minibatch.build import build_module
    from minibatch.data_spec import describe

    spec = describe(datamodule)
    model = build_module(OmegaConf.merge(run_cfg, {"steps_per_call": 1}), spec)
    try:
        model.load_state_dict(checkpoint["state_dict"])
    except RuntimeError as error:
        raise UserError(
            f"{ckpt_path} does not fit this data and model ({type(model.net).__name__} for "
            f"{spec.input_size} inputs and {spec.output_size} outputs): evaluate it on the "
            f"data it was trained on ({str(error).splitlines()[0]})."
        ) from None
    return model.eval()


def load_trained(ckpt_path: Path, data_overrides: DictConfig | None = None):
    """(trained model, set-up DataModule) of a checkpoint, rebuilt from configs/ alone.

    `data_overrides` are the caller's own (`+data.path=other.csv`), never the file's.
    """
    from minibatch.build import instantiate

    checkpoint = read_checkpoint(ckpt_path)
    run_cfg = training_config(ckpt_path, checkpoint)
    try:
        data_cfg = OmegaConf.merge(run_cfg.data, data_overrides or {})
    except ConfigKeyError as error:
        raise UserError(
            f"the checkpoint's data ({run_cfg.data.get('_target_')}) has no option "
            f"{error.key!r}: check the +data.{error.key}= you gave."
        ) from None
    check_ranges(data_cfg, DATA_RANGES, node="data.")  # +data.batch_size=0
    datamodule = instantiate(data_cfg, "data")
    datamodule.prepare_data()
    datamodule.setup("validate")
    return load_model(ckpt_path, checkpoint, run_cfg, datamodule), datamodule


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
    if cfg.predict_path:
        check_output_file("predict_path", cfg.predict_path)
    ckpt_path = Path(cfg.ckpt_path)
    model, datamodule = load_trained(ckpt_path, cfg.data)
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
        # Predictions and targets in the data's own units, not standardised ones.
        predictions = torch.cat(trainer.predict(model, dataloaders=loader)).float().cpu()
        targets = None if cfg.input_path else loader_targets(loader, model)
        write_predictions(Path(cfg.predict_path), predictions, targets, model.task.name)
        say(f"[bold]predictions:[/] {cfg.predict_path}")
    return metrics


def check_output_file(key: str, path: str) -> None:
    """Before any work: `path` can become a file (not a folder, no file in its way)."""
    target = Path(path)
    if target.is_dir():
        raise UserError(f"{key}={path} is a folder: give a file name, for example {path}/out.csv.")
    blocker = next((p for p in target.parents if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise UserError(f"{key}={path} cannot be written: {blocker} is not a folder.")


def evaluation_loader(datamodule, split: str):
    """The split's loader in order: the in-memory base's, or the DataModule's own."""
    if hasattr(datamodule, "loader_for"):
        return datamodule.loader_for(split)
    if split == "train":
        raise UserError(
            f"{type(datamodule).__name__} has no ordered training loader: use split=valid."
        )
    return datamodule.val_dataloader() if split == "valid" else datamodule.test_dataloader()


def loader_targets(loader, model) -> torch.Tensor:
    """Every target of the loader, in its order and in the data's own units."""
    targets = torch.cat([batch[1].reshape(len(batch[1]), -1) for batch in loader]).float()
    return model.spec.unscale(targets) if model.task.name == "regression" else targets


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
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        writer.writerows(zip(*columns.values(), strict=True))


@overrides_checked_first
@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="evaluate")
def main(cfg: DictConfig) -> None:
    """Hydra entry point (also the `minibatch-evaluate` console script)."""
    stop_at_once_on_signals(NOT_FINISHED)
    with user_errors_exit(), run_outcome(cfg.paths.output_dir):
        evaluate(cfg)


if __name__ == "__main__":
    main()
