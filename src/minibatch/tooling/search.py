"""The best trial of a hyperparameter search (`python train.py -m hparams_search=<name>`).

The Optuna sweeper saves the best values but not which trial (folder, checkpoints) gave them;
each trial writes its `trial.yaml`, so this works under any launcher.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml
from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

TRIAL_FILE = "trial.yaml"
BEST_FILE = "best_trial.yaml"


def searched_params(overrides: list[str], searched: list[str]) -> dict[str, str]:
    """The `key=value` overrides of a trial whose key the sweeper searches."""
    params = {}
    for override in overrides:
        key, _, value = override.partition("=")
        if key in searched:
            params[key] = yaml.safe_load(value)
    return params


def read_trials(sweep_dir: Path) -> list[dict[str, Any]]:
    """Every finished trial of a sweep folder, in job order."""
    trials = [yaml.safe_load(path.read_text()) for path in sweep_dir.glob(f"*/{TRIAL_FILE}")]
    return sorted(trials, key=lambda trial: trial["number"])


def best_trial(trials: list[dict[str, Any]], direction: str) -> dict[str, Any] | None:
    """The trial with the lowest (minimize) or highest (maximize) finite value."""
    scored = [t for t in trials if isinstance(t["value"], float) and math.isfinite(t["value"])]
    if not scored:
        return None
    pick = max if direction == "maximize" else min
    return pick(scored, key=lambda trial: trial["value"])


class BestTrial(Callback):
    """Hydra callback: one `trial.yaml` per trial, then the best trial printed and saved."""

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        value = None
        if job_return.status == JobStatus.COMPLETED and job_return.return_value is not None:
            value = float(job_return.return_value)
        searched = list(config.hydra.sweeper.get("params") or {})
        trial = {
            "number": int(config.hydra.job.num),
            "params": searched_params(list(job_return.overrides or []), searched),
            "metric": str(config.get("optimized_metric")),
            "value": value,
            "dir": str(config.hydra.runtime.output_dir),
        }
        Path(trial["dir"], TRIAL_FILE).write_text(yaml.safe_dump(trial, sort_keys=False))

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        direction = str(config.hydra.sweeper.get("direction", "minimize"))
        trials = read_trials(sweep_dir)
        best = best_trial(trials, direction)
        if best is None:
            print(f"No trial of {sweep_dir} returned a value.")
            return
        summary = {"direction": direction, "trials": len(trials), "best": best}
        (sweep_dir / BEST_FILE).write_text(yaml.safe_dump(summary, sort_keys=False))
        params = " ".join(f"{key}={value}" for key, value in best["params"].items())
        print(
            f"Best trial: #{best['number']} of {len(trials)}, {best['metric']}={best['value']:.6g}"
            f" ({direction}) with {params}\n  run folder: {best['dir']}\n"
            f"  saved in: {sweep_dir / BEST_FILE}"
        )
