"""Train a model: `python train.py data=cooking batch_size=10000 trainer.max_epochs=5`.

Reads top to bottom: check the config, seed, build the data, the model, the trainer, fit,
then (optionally) test. Everything is chosen in configs/; nothing here is dataset-specific.
"""

from __future__ import annotations

from dataclasses import dataclass

import hydra
from omegaconf import DictConfig, OmegaConf

from hydra_plugins.minibatch_submitit.resuming_launcher import register_launchers
from minibatch.config_checks import check_config
from minibatch.config_tree import print_config_tree
from minibatch.entry import end_quickly, quiet_known_noise, say, user_errors_exit
from minibatch.help_text import register_help_resolver
from minibatch.override_syntax import overrides_checked_first
from minibatch.project_paths import config_dir, project_root
from minibatch.ranks import is_rank_zero
from minibatch.run_dir import register_resolvers
from minibatch.run_name import register_run_name_resolver
from minibatch.run_outcome import run_outcome
from minibatch.stop_signals import TRAINING_DONE, stop_at_once_on_signals, stopping_now_loses
from minibatch.sweep_summary import in_a_sweep, summary_at_the_end

CONFIG_DIR = config_dir()
register_resolvers(project_root=project_root())
register_run_name_resolver()
register_help_resolver(CONFIG_DIR)
register_launchers()  # hydra/launcher=slurm|local: jobs that resume after a requeue
end_quickly()  # also for evaluate.py and export.py, which import this module


@dataclass
class RunResult:
    """What a training run leaves behind, for code that trains in-process (tests, notebooks)."""

    metrics: dict[str, float]
    model: object
    datamodule: object
    trainer: object


def train(cfg: DictConfig) -> RunResult:
    """Fit (and optionally test) the configured model."""
    check_config(cfg)  # before Lightning is imported: a bad value answers at once
    print_config_tree(cfg)  # print_config=false: off
    import lightning as L

    from minibatch.build import build_datamodule, build_loggers, build_module, build_trainer
    from minibatch.hooks import before_fit
    from minibatch.hparams import log_hparams, run_hparams
    from minibatch.hydra_ddp import leave_the_job, ranks_join_their_job
    from minibatch.safe_fit import fit

    quiet_known_noise()
    launch_environment = ranks_join_their_job()
    if cfg.seed is not None:
        L.seed_everything(cfg.seed, workers=True)
    datamodule = build_datamodule(cfg)
    model = build_module(cfg)
    trainer = build_trainer(cfg, build_loggers(cfg.logger))
    config = OmegaConf.to_container(cfg, resolve=True)
    log_hparams(trainer.loggers, run_hparams(cfg))
    model.run_config = config  # saved in every checkpoint, for evaluate.py
    before_fit(cfg, model, trainer, config)  # tooling options: see minibatch/hooks.py
    fit(trainer, model, datamodule, cfg)  # checkpoints as data, divergence, signals
    stopping_now_loses(TRAINING_DONE)  # a signal from here on: see stop_signals.py
    if cfg.test:  # a test split exists: checked before training (before_training.py)
        best = trainer.checkpoint_callback and trainer.checkpoint_callback.best_model_path
        trainer.test(model, datamodule=datamodule, ckpt_path="best" if best else None)
    metrics = {name: float(value) for name, value in trainer.callback_metrics.items()}
    leave_the_job(launch_environment)  # a sweep's next job starts its own ranks
    return RunResult(metrics, model, datamodule, trainer)


@overrides_checked_first
@summary_at_the_end  # of a sweep: what became of each job
@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="train")
def main(cfg: DictConfig) -> float | None:
    """Hydra entry point; returns the metric a sweeper optimises."""
    stop_at_once_on_signals()  # again for each job of a sweep, in a launcher's process too
    if is_rank_zero():  # DDP: the other ranks run the same job, silently
        say(f"[bold]run directory:[/] {cfg.paths.output_dir}")
    with user_errors_exit(in_a_sweep()), run_outcome(cfg.paths.output_dir):
        result = train(cfg)
    if is_rank_zero():
        say(f"[bold]run directory:[/] {cfg.paths.output_dir}")
    return result.metrics.get(cfg.optimized_metric)


if __name__ == "__main__":
    main()
