"""Evaluate a checkpoint: `python src/minibatch/evaluate.py ckpt_path=.../last.ckpt split=test`.

The data and the net are rebuilt from the training config that `train.py` saves inside every
checkpoint, then Lightning loads the weights (`load_from_checkpoint`). Prints a metrics
table; with `predict_path=` also writes the predictions, one row per example.
"""

from __future__ import annotations

import csv
from pathlib import Path

import hydra
import torch
from omegaconf import DictConfig, OmegaConf
from rich.table import Table

from minibatch.entry import console, quiet_known_noise, say, user_errors_exit
from minibatch.errors import UserError
from minibatch.train import CONFIG_DIR

SPLITS = ("train", "valid", "test")


def read_run_config(ckpt_path: Path) -> DictConfig:
    """The training config saved in a checkpoint of this template."""
    if not ckpt_path.is_file():
        raise UserError(f"ckpt_path={ckpt_path} is not a file: give the path of a .ckpt file.")
    checkpoint = torch.load(ckpt_path, map_location="cpu", weights_only=True)
    if "run_config" not in checkpoint:
        raise UserError(f"{ckpt_path} was not written by this template's train.py (no run config).")
    return OmegaConf.create(checkpoint["run_config"])


def load_model(ckpt_path: Path, run_cfg: DictConfig, datamodule):
    """The trained LightningModule, its net rebuilt for `datamodule` and its weights loaded."""
    from minibatch.build import build_net
    from minibatch.models.task_module import TaskModule

    net = build_net(run_cfg.model.net, datamodule)
    try:
        return TaskModule.load_from_checkpoint(
            ckpt_path, map_location="cpu", net=net, optimizer=None, task=datamodule.task,
            num_classes=datamodule.num_classes,
        )  # fmt: skip
    except RuntimeError as error:
        raise UserError(
            f"{ckpt_path} does not fit this data and model (net {type(net).__name__} for "
            f"{datamodule.input_size} inputs and {datamodule.output_size} outputs): evaluate it "
            f"on the data it was trained on ({str(error).splitlines()[0]})."
        ) from None


def evaluate(cfg: DictConfig) -> dict[str, float]:
    """Metrics of the checkpoint on `cfg.split` (empty for `input_path`); writes predictions."""
    import lightning as L

    quiet_known_noise()
    if cfg.split not in SPLITS:
        raise UserError(f"split={cfg.split} is not one of: {', '.join(SPLITS)}.")
    ckpt_path = Path(cfg.ckpt_path)
    run_cfg = read_run_config(ckpt_path)
    datamodule = hydra.utils.instantiate(OmegaConf.merge(run_cfg.data, cfg.data))
    model = load_model(ckpt_path, run_cfg, datamodule)
    trainer = L.Trainer(accelerator=cfg.accelerator, devices=1, logger=False,
                        enable_checkpointing=False, enable_model_summary=False)  # fmt: skip
    if cfg.input_path:
        loader = datamodule.loader_for_table(cfg.input_path)
        metrics = {}
    else:
        loader = datamodule.loader_for(cfg.split)
        results = trainer.validate(model, dataloaders=loader, verbose=False)[0]
        metrics = {
            name.replace("val/", f"{cfg.split}/"): value
            for name, value in results.items() if not name.endswith("_best")
        }  # fmt: skip
        print_metrics(ckpt_path, cfg.split, metrics)
    if cfg.predict_path:
        predictions = torch.cat(trainer.predict(model, dataloaders=loader)).float().cpu()
        targets = None if cfg.input_path else loader.dataset.targets.cpu()
        if model.task.name == "regression":  # in the data's own units, not standardised ones
            predictions = datamodule.unscale_targets(predictions)
            targets = None if targets is None else datamodule.unscale_targets(targets)
        write_predictions(Path(cfg.predict_path), predictions, targets, model.task.name)
        say(f"[bold]predictions:[/] {cfg.predict_path}")
    return metrics


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


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="evaluate")
def main(cfg: DictConfig) -> None:
    """Hydra entry point (also the `minibatch-evaluate` console script)."""
    with user_errors_exit():
        evaluate(cfg)


if __name__ == "__main__":
    main()
