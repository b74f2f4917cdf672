"""`python train.py ...`: the command line around `minibatch.train.train`.

Checks before the run (before Lightning is imported), the guards of runs/guards.py and the
displays as callbacks during it, and run_outcome.py's report of how it ended.
"""

from __future__ import annotations

from pathlib import Path

import hydra
from omegaconf import DictConfig, OmegaConf, open_dict
from rich.markup import escape

from minibatch.adapters.ranks import is_rank_zero
from minibatch.checks.config_checks import check_config, check_entries
from minibatch.checks.one_sentence import say, user_errors_exit
from minibatch.checks.override_syntax import overrides_checked_first
from minibatch.cli.entry import end_quickly, project_on_path, quiet_known_noise, register_configs
from minibatch.cli.env_file import read_env_file
from minibatch.display.config_tree import print_config_tree
from minibatch.display.help_text import help_without_composing
from minibatch.runs.project_paths import CONFIG_DIR
from minibatch.runs.resume import after_the_newest_event_file, checkpoint_to_resume
from minibatch.runs.run_outcome import run_outcome, tell
from minibatch.runs.stop_signals import TRAINING_DONE, stop_at_once_on_signals, stopping_now_loses
from minibatch.speed.group_size import check_steps_per_call
from minibatch.tooling.finder_options import check_tune
from minibatch.tooling.sweep_summary import in_a_sweep, summary_at_the_end

read_env_file()  # .env: tracker keys and paths, never over what is set
register_configs()
project_on_path()  # your own modules import from the project folder
end_quickly()


def run_training(cfg: DictConfig):
    """What `python train.py` runs, in-process: check, resolve `ckpt_path`, train with guards."""
    check_config(cfg)  # before Lightning is imported: a bad value answers at once
    check_steps_per_call(cfg)
    check_tune(cfg)
    print_config_tree(cfg)  # print_config=false: off
    checkpoint = checkpoint_to_resume(cfg)  # ckpt_path=last: the newest run's checkpoint
    with open_dict(cfg):
        cfg.ckpt_path = None if checkpoint is None else str(checkpoint)
    if checkpoint is not None:  # its TensorBoard part must sort after the one it continues
        after_the_newest_event_file(Path(cfg.paths.output_dir))
    quiet_known_noise()
    check_entries(cfg)  # each entry's options against what it builds
    from minibatch.display.hparams import HparamsRow
    from minibatch.runs.guards import RunGuards
    from minibatch.runs.run_verdict import RunVerdict
    from minibatch.speed.compile_net import CompileNet
    from minibatch.tooling.hydra_ddp import leave_the_job, ranks_join_their_job
    from minibatch.tooling.trackers import TrackerParams, TrackerRuns, continue_tracker_runs
    from minibatch.train import train

    if cfg.tune.finder != "none":  # tune=lr, tune=batch_size: Lightning's finder first
        from minibatch.tooling.finders import apply, find

        found = find(cfg)
        if not cfg.tune.apply:
            return found.result
        apply(cfg, found)
    continue_tracker_runs(cfg, checkpoint)  # the same MLflow and W&B runs, resumed
    config = OmegaConf.to_container(cfg, resolve=True)
    guards = RunGuards(cfg, config)
    callbacks = [*guards.callbacks, HparamsRow(cfg), TrackerParams(config), TrackerRuns(),
                 RunVerdict()]  # fmt: skip
    if cfg.get("compile", False):
        callbacks.append(
            CompileNet(cfg.get("compile_backend", "inductor"), cfg.get("compile_mode", "default"))
        )
    launch_environment = ranks_join_their_job()
    with guards.fitting():
        result = train(cfg, callbacks)
    stopping_now_loses(TRAINING_DONE)  # a signal from here on: see stop_signals.py
    guards.check_trained(result.trainer)
    leave_the_job(launch_environment)  # a sweep's next job starts its own ranks
    return result


@help_without_composing(CONFIG_DIR)
@overrides_checked_first
@summary_at_the_end  # of a sweep: what became of each job
@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="train")
def main(cfg: DictConfig) -> float | None:
    """Hydra entry point (also `minibatch-train`); returns the metric a sweeper optimises."""
    stop_at_once_on_signals()  # again for each job of a sweep, in a launcher's process too
    if is_rank_zero():  # DDP: the other ranks run the same job, silently
        say(f"[bold]run directory:[/] {cfg.paths.output_dir}")
    with user_errors_exit(in_a_sweep()), run_outcome(cfg.paths.output_dir):
        result = run_training(cfg)
    if is_rank_zero():
        say(f"[bold]run directory:[/] {cfg.paths.output_dir}")
        tell_how_it_ended(result.trainer)
    return result.metrics.get(cfg.optimized_metric)


def tell_how_it_ended(trainer) -> None:
    """The run's verdict (runs/run_verdict.py), last on the console and in the run's log."""
    from minibatch.runs.run_verdict import RunVerdict

    for callback in trainer.callbacks:
        if isinstance(callback, RunVerdict) and callback.verdict:
            tell(f"[bold]how it ended:[/] {escape(callback.verdict)}")


if __name__ == "__main__":
    main()
