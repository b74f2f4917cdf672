"""A preempted or timed-out submitit job comes back by itself and continues where it stopped.

hydra-submitit-launcher's launcher is the callable each job runs; on preemption or at its
time limit submitit signals the job (USR2), calls the callable's `checkpoint()` and requeues
what that returns. Hydra's own `checkpoint()` resubmits the job as it was first submitted,
so the requeued job would train from the start again. These launchers resubmit it with
`ckpt_path=` the newest checkpoint of the job's folder (minibatch/runs/resume.py): the one the
run saved when the signal stopped it at a step boundary (minibatch/runs/interruption.py). The
requeued job writes into the same folder (its name comes from the same overrides,
`ckpt_path` left out, and the sweep folder's time and id are cached in the sweep's config),
so its checkpoints and its TensorBoard run continue.

`configs/hydra/launcher/{slurm,local}.yaml` point `_target_` here. Lightning's own SLURM
auto-requeue listens to USR1 and stays out of the way: a submitit job never receives USR1,
and were submitit told to use it (SUBMITIT_PREEMPT_SIGNAL=USR1), Lightning leaves a signal
that already has a handler alone.

Hydra imports every module of its plugin namespace at start-up, but cannot list the
modules of an editable install (`pip install -e .`): `train.py` registers these launchers
itself (`register_launchers`). Without hydra-submitit-launcher installed (the `scale`
extra) this module defines none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.core.plugins import Plugins

from minibatch.runs.resume import newest_checkpoint

try:
    from hydra_plugins.hydra_submitit_launcher.submitit_launcher import (
        LocalLauncher,
        SlurmLauncher,
    )
except ImportError:  # pip install -e ".[scale]"
    LocalLauncher = SlurmLauncher = None


def resumed_overrides(overrides: list[str], job_dir: Path | None) -> list[str]:
    """The job's overrides with `ckpt_path=` its folder's newest checkpoint, if it has one
    (else as they are: a job stopped before its first checkpoint starts again)."""
    checkpoint = newest_checkpoint(job_dir) if job_dir is not None else None
    if checkpoint is None:
        return list(overrides)
    return [*(o for o in overrides if not o.startswith("ckpt_path=")), f"ckpt_path={checkpoint}"]


def current_job_dir() -> Path | None:
    """The folder of the job running in this process (None before Hydra has set it up)."""
    if not HydraConfig.initialized():
        return None
    output_dir = HydraConfig.get().runtime.output_dir
    return Path(output_dir) if output_dir else None


class ResumingLauncherMixin:
    """`checkpoint()` resubmits the job resumed from its newest checkpoint (module docstring)."""

    def checkpoint(self, sweep_overrides: list[str], *args: Any, **kwargs: Any) -> Any:
        overrides = resumed_overrides(sweep_overrides, current_job_dir())
        return super().checkpoint(overrides, *args, **kwargs)


if SlurmLauncher is not None:

    class ResumingSlurmLauncher(ResumingLauncherMixin, SlurmLauncher):
        """hydra/launcher=slurm: SLURM jobs that resume after preemption or a timeout."""

    class ResumingLocalLauncher(ResumingLauncherMixin, LocalLauncher):
        """hydra/launcher=local: the same launcher code, with submitit's local executor."""


def register_launchers() -> None:
    """Make the launchers above known to Hydra, whether or not its plugin scan found them."""
    if SlurmLauncher is not None:
        for launcher in (ResumingSlurmLauncher, ResumingLocalLauncher):
            Plugins.instance().register(launcher)
