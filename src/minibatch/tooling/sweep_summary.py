"""A sweep runs all its jobs and ends saying what became of each: finished, failed (why), not run.

Each job's end is recorded in its own process (any launcher); the table and
`sweep_summary.yaml` come at the end, stopped or not, and a failed job makes the sweep exit 1.
"""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import json
import sys
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from rich.markup import escape
from rich.table import Table

from minibatch.adapters.ranks import is_rank_zero
from minibatch.checks.one_sentence import JobFailed, console, say
from minibatch.runs.run_outcome import mark_failed

SUMMARY = "sweep_summary.yaml"
BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"
KILLED = "its process ended without reporting (killed?)"
# Each status and the colour it is printed in.
STATUSES = {"finished": "green", "failed": "bold red", "interrupted": "yellow", "not run": "dim"}
Main = TypeVar("Main", bound=Callable[..., object])


@dataclass
class JobEnd:
    """What became of one job of a sweep."""

    job: int
    status: str  # one of STATUSES
    overrides: list[str] = field(default_factory=list)
    folder: str | None = None
    error: str | None = None


def in_a_sweep() -> bool:
    """Whether this process runs a job of a sweep (`-m`), not a single run."""
    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def planned_jobs(config: DictConfig) -> list[list[str]] | None:
    """Each job's overrides, in job order, as Hydra's basic sweeper expands the command line
    (the last value given for a key wins); None for another sweeper (Optuna)."""
    if OmegaConf.select(config, "hydra.sweeper._target_") != BASIC_SWEEPER:
        return None
    params = OmegaConf.select(config, "hydra.sweeper.params") or {}
    arguments = [f"{key}={value}" for key, value in params.items()]
    arguments += OmegaConf.to_container(config.hydra.overrides.task, resolve=False)
    choices: dict[str, list[str]] = {}
    for override in OverridesParser.create().parse_overrides(arguments):
        key = override.get_key_element()
        if override.is_sweep_override():
            choices[key] = [f"{key}={value}" for value in override.sweep_string_iterator()]
        else:
            choices[key] = [f"{key}={override.get_value_element_as_str()}"]
    return [list(job) for job in itertools.product(*choices.values())]


def job_error(job_return: JobReturn) -> str:
    """The one sentence a failed job said, or its exception's first line (a bug, whose
    traceback is printed here, in the job's process, as Hydra does not)."""
    with contextlib.redirect_stderr(io.StringIO()):  # "Error executing job ...": Hydra's
        try:
            return str(job_return.return_value)  # not failed after all
        except JobFailed as failed:
            return failed.reason
        except Exception as error:
            traceback.print_exception(error)
            lines = str(error).strip().splitlines()
            return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def kept_folder(folder: Path, sweep: Path) -> str | None:
    """The job's folder, in the sweep folder if it is there; None if it was removed (a job
    refused before it trained leaves none)."""
    if not folder.is_dir():
        return None
    return str(folder.relative_to(sweep)) if folder.is_relative_to(sweep) else str(folder)


class SweepSummary(Callback):
    """Hydra callback: record each job's end, and summarize the sweep at its end."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        global sweep_in_progress
        try:
            planned = planned_jobs(config)
        except Exception:  # a sweep Hydra cannot expand: Hydra says why
            planned = None
        sweep_in_progress = Sweep(Path(str(config.hydra.sweep.dir)).absolute(), planned)

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        """In the job's process: append its end to the sweep folder's summary."""
        if config.hydra.mode != RunMode.MULTIRUN or not is_rank_zero():
            return
        sweep = Path(str(config.hydra.sweep.dir)).absolute()
        folder = Path(config.hydra.runtime.output_dir)
        failed = job_return.status == JobStatus.FAILED
        end = JobEnd(
            job=int(config.hydra.job.num),
            status="failed" if failed else "finished",
            overrides=list(job_return.overrides or []),
            folder=kept_folder(folder, sweep),
            error=job_error(job_return) if failed else None,
        )
        line = "- " + json.dumps(asdict(end)) + "\n"
        with open(sweep / SUMMARY, "a") as records:  # one write: jobs in parallel interleave
            records.write(line)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        if finish_sweep():
            sys.exit(1)


@dataclass
class Sweep:
    """The sweep this process started: its folder and planned jobs (None: not known)."""

    folder: Path
    planned: list[list[str]] | None


sweep_in_progress: Sweep | None = None


def read_ends(sweep: Path) -> dict[int, JobEnd]:
    """The ends the jobs appended to the summary (a line cut short by a kill is skipped)."""
    ends = {}
    path = sweep / SUMMARY
    for line in path.read_text().splitlines() if path.is_file() else []:
        with contextlib.suppress(ValueError, TypeError):
            end = JobEnd(**json.loads(line.removeprefix("- ")))
            ends[end.job] = end
    return ends


def job_folders(sweep: Path) -> dict[int, Path]:
    """The jobs' folders in the sweep folder, by job number (`<num>_<name>`)."""
    folders = {}
    for path in sweep.iterdir() if sweep.is_dir() else []:
        number = path.name.split("_", 1)[0]
        if path.is_dir() and number.isdigit() and (path / ".hydra").is_dir():
            folders[int(number)] = path
    return folders


def job_ends(sweep: Sweep) -> list[JobEnd]:
    """Every job of the sweep, in order: as it reported, else (it started: its folder is
    there) interrupted or failed, else not run."""
    ends, folders = read_ends(sweep.folder), job_folders(sweep.folder)
    planned = sweep.planned or []
    count = max([len(planned), *(n + 1 for n in [*ends, *folders])], default=0)
    jobs = []
    for number in range(count):
        overrides = planned[number] if number < len(planned) else []
        folder = folders.get(number)
        if number in ends:
            jobs.append(ends[number])
        elif folder is None:
            jobs.append(JobEnd(number, "not run", overrides))
        elif (folder / "checkpoints" / "interrupted.ckpt").is_file():
            stopped = f"stopped by a signal, saved: resume from {folder / 'checkpoints'}"
            jobs.append(JobEnd(number, "interrupted", overrides, folder.name, stopped))
        else:
            mark_failed(folder, KILLED)
            jobs.append(JobEnd(number, "failed", overrides, folder.name, KILLED))
    return jobs


def swept(jobs: list[JobEnd]) -> list[JobEnd]:
    """The jobs with only the overrides that differ between jobs (what was swept)."""
    values: dict[str, set[str]] = {}
    for job in jobs:
        for override in job.overrides:
            key, _, value = override.partition("=")
            values.setdefault(key, set()).add(value)
    keys = {key for key, seen in values.items() if len(seen) > 1}
    shown = [[o for o in job.overrides if o.partition("=")[0] in keys] for job in jobs]
    return [JobEnd(**{**asdict(job), "overrides": o}) for job, o in zip(jobs, shown, strict=True)]


def finish_sweep() -> int:
    """Print and save what became of each job of the sweep this process ran (if it ran one);
    the number of failed jobs."""
    global sweep_in_progress
    sweep, sweep_in_progress = sweep_in_progress, None
    if sweep is None:
        return 0
    jobs = swept(job_ends(sweep))
    counts = {status: sum(job.status == status for job in jobs) for status in STATUSES}
    path = sweep.folder / SUMMARY
    if job_folders(sweep.folder):  # else every job was refused: the sweep leaves no folder
        path.write_text(yaml.safe_dump(summary(sweep.folder, counts, jobs), sort_keys=False))
        where = f": {escape(str(path))}"
    else:
        path.unlink(missing_ok=True)
        where = ""
    print_jobs(jobs)
    told = ", ".join(
        f"{n} {status}" for status, n in counts.items() if n or status != "interrupted"
    )
    say(f"[bold]sweep:[/] {told}{where}")
    return counts["failed"]


def summary(folder: Path, counts: dict[str, int], jobs: list[JobEnd]) -> dict:
    """The contents of `sweep_summary.yaml`."""
    ends = [{key: value for key, value in asdict(job).items() if value is not None} for job in jobs]
    return {
        "sweep": str(folder),
        **{s.replace(" ", "_"): n for s, n in counts.items()},
        "jobs": ends,
    }


def print_jobs(jobs: list[JobEnd]) -> None:
    table = Table(title="the sweep's jobs", title_justify="left")
    for column in ("job", "overrides", "status", "folder, or why it stopped"):
        table.add_column(column, overflow="fold")
    for job in jobs:
        status = f"[{STATUSES[job.status]}]{job.status}[/]"
        said = escape(job.error or job.folder or "")
        table.add_row(str(job.job), escape(" ".join(job.overrides)), status, said)
    console.print(table)


def summary_at_the_end(hydra_main: Main) -> Main:
    """An entry point that summarizes its sweep however it ends: after its last job, after
    the failed job Hydra re-raises at the end, or stopped by a signal."""

    @functools.wraps(hydra_main)
    def main(*args, **kwargs):
        try:
            return hydra_main(*args, **kwargs)
        finally:
            finish_sweep()

    return main  # type: ignore[return-value]
