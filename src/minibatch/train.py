"""Train a model: `python train.py data=cooking batch_size=10000 trainer.max_epochs=5`.

Reads top to bottom: check the config, seed, build the data, the model, the trainer, fit,
then (optionally) test. Everything is chosen in configs/; nothing here is dataset-specific.
"""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path

import hydra
from omegaconf import DictConfig, OmegaConf

from minibatch.errors import UserError
from minibatch.run_dir import register_resolvers

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"
register_resolvers(project_root=CONFIG_DIR.parent)


# Warnings that say nothing to a user of this template: a deprecation inside Lightning itself,
# and the step-logging interval (the template logs per epoch, on purpose).
IGNORED_WARNINGS = (
    r".*isinstance\(treespec, LeafSpec\).*",
    r".*smaller than the logging interval.*",
)


def drop_advertisements(record: logging.LogRecord) -> bool:
    """Lightning logs tips for its cloud products at every start; a learner needs none."""
    return not str(record.msg).startswith("💡 Tip")


logging.getLogger("lightning.pytorch.utilities.rank_zero").addFilter(drop_advertisements)


def train(cfg: DictConfig) -> dict[str, float]:
    """Fit (and optionally test) the configured model; return the final metrics."""
    import lightning as L  # imported here so `--help` and config errors answer at once

    from minibatch.build import build_loggers, build_model, build_trainer
    from minibatch.config_checks import check_config
    from minibatch.hparams import log_hparams

    for message in IGNORED_WARNINGS:
        warnings.filterwarnings("ignore", message=message)
    check_config(cfg)
    if cfg.seed is not None:
        L.seed_everything(cfg.seed, workers=True)
    datamodule = hydra.utils.instantiate(cfg.data)
    model = build_model(cfg.model, datamodule)
    trainer = build_trainer(cfg, build_loggers(cfg.logger))
    log_hparams(trainer.loggers, OmegaConf.to_container(cfg, resolve=True), model.metric_names())
    trainer.fit(model, datamodule=datamodule, ckpt_path=cfg.ckpt_path)
    if cfg.test and "test" in datamodule.splits:
        trainer.test(model, datamodule=datamodule, ckpt_path="best")
    return {name: float(value) for name, value in trainer.callback_metrics.items()}


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="train")
def main(cfg: DictConfig) -> float | None:
    """Hydra entry point: run `train`, turning user mistakes into one line and exit code 2."""
    from rich.console import Console

    console = Console(stderr=True)
    output_dir = cfg.paths.output_dir
    console.print(f"[bold]run directory:[/] {output_dir}", soft_wrap=True)
    try:
        metrics = train(cfg)
    except UserError as error:
        console.print(f"[bold red]error:[/] {error}", soft_wrap=True)
        sys.exit(2)
    except hydra.errors.InstantiationException as error:
        if isinstance(error.__cause__, UserError):
            console.print(f"[bold red]error:[/] {error.__cause__}", soft_wrap=True)
            sys.exit(2)
        raise
    console.print(f"[bold]run directory:[/] {output_dir}", soft_wrap=True)
    return metrics.get(cfg.optimized_metric)


if __name__ == "__main__":
    main()
