"""A preempted or timed-out submitit job comes back by itself and continues where it stopped.

Hydra's own `checkpoint()` requeues a job as first submitted, so it would train from the
start again; these launchers requeue it with `ckpt_path=` its folder's newest checkpoint.
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
    """submitit calls `checkpoint()` at a preemption or the time limit and requeues what it
    returns: here the job resumed from its folder's newest checkpoint (the one the signal
    saved), into the same folder, so its checkpoints and TensorBoard run continue."""

    def checkpoint(self, sweep_overrides: list[str], *args: Any, **kwargs: Any) -> Any:
        overrides = resumed_overrides(sweep_overrides, current_job_dir())
        return super().checkpoint(overrides, *args, **kwargs)


if SlurmLauncher is not None:

    class ResumingSlurmLauncher(ResumingLauncherMixin, SlurmLauncher):
        """hydra/launcher=slurm: SLURM jobs that resume after preemption or a timeout
        (Lightning's own SLURM requeue listens to USR1, which submitit does not send)."""

    class ResumingLocalLauncher(ResumingLauncherMixin, LocalLauncher):
        """hydra/launcher=local: the same launcher code, with submitit's local executor."""


def register_launchers() -> None:
    """Make the launchers above known to Hydra, whose plugin scan cannot list the modules of
    an editable install (`pip install -e .`)."""
    if SlurmLauncher is not None:
        for launcher in (ResumingSlurmLauncher, ResumingLocalLauncher):
            Plugins.instance().register(launcher)
