"""DDP inside a Hydra sweep: a job's extra ranks join that job, they do not start a sweep.

Lightning starts ranks 1, 2, ... with the command line it was given, which in a sweep is the
whole sweep; here they run rank 0's one job, in that job's folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from minibatch.adapters.private_api import replace_ddp_rank_command
from minibatch.runs.resume import job_overrides

# What Lightning writes into rank 0's environment to start its ranks.
LAUNCH_VARIABLES = ("MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "NODE_RANK", "LOCAL_RANK")
# Command-line options of a Hydra app that take a value, kept for the extra ranks.
CONFIG_OPTIONS = ("--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd")


def config_options(argv: Sequence[str]) -> list[str]:
    """The `--config-name X`-style options of a command line (not `-m`, not overrides)."""
    kept, args = [], list(argv)
    for i, arg in enumerate(args):
        name = arg.split("=", 1)[0]
        if name in CONFIG_OPTIONS:
            kept += [arg] if "=" in arg else args[i : i + 2]
    return kept


def job_rank_command(local_rank: int) -> tuple[list[str], str]:
    """The command (and working directory) that starts DDP rank `local_rank` of this job."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.utils import get_original_cwd, to_absolute_path

    import __main__

    hydra_cfg = HydraConfig.get()
    if __main__.__spec__ is None:
        command = [sys.executable, to_absolute_path(sys.argv[0])]
    else:
        command = [sys.executable, "-m", __main__.__spec__.name]
    command += config_options(sys.argv[1:])
    command += job_overrides(hydra_cfg.overrides.hydra, hydra_cfg.overrides.task)
    command += [
        f'hydra.run.dir="{hydra_cfg.runtime.output_dir}"',
        f"hydra.job.name={hydra_cfg.job.name}_rank_{local_rank}",  # names its log file
        "hydra.output_subdir=null",  # rank 0 alone writes .hydra/
    ]
    return command, get_original_cwd()


def ranks_join_their_job() -> dict[str, str | None]:
    """Make Lightning start a job's extra DDP ranks with `job_rank_command`; idempotent.

    Returns the launch variables of the environment as they are before the job, for
    `leave_the_job`.
    """
    replace_ddp_rank_command(job_rank_command)
    return {name: os.environ.get(name) for name in LAUNCH_VARIABLES}


def leave_the_job(environment: dict[str, str | None]) -> None:
    """Close this job's process group and put the launch variables back as they were.

    A sweep runs its jobs one after another in rank 0's process: without this, the next
    job would find the last job's process group, whose other ranks have exited, and hang
    or fail on its first collective.
    """
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
    for name, value in environment.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
