"""Read a sweep folder back: each job's config and overrides, and its TensorBoard scalars.

`summarize` groups the jobs by the swept values and gives each final metric as mean and
standard deviation over the seeds (`scripts/summarize_sweep.py`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from omegaconf import DictConfig, OmegaConf
from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer

from minibatch.errors import UserError

# Scalars that are bookkeeping, not results.
NOT_METRICS = ("epoch", "hp_metric")


@dataclass(frozen=True)
class Series:
    """One scalar as logged: the steps and the values, in logging order."""

    steps: tuple[int, ...]
    values: tuple[float, ...]

    @property
    def final(self) -> float:
        return self.values[-1]


def read_scalars(run_dir: str | Path) -> dict[str, Series]:
    """Every scalar in the TensorBoard event files under `run_dir`, in any subfolder
    (`tensorboard/`, a logger's version folder), read by TensorBoard's own multiplexer."""
    events = EventMultiplexer(size_guidance={"scalars": 0})
    events.AddRunsFromDirectory(str(run_dir)).Reload()
    scalars: dict[str, Series] = {}
    for run, tags in sorted(events.Runs().items()):
        for tag in tags["scalars"]:
            points = events.Scalars(run, tag)
            scalars[tag] = Series(tuple(p.step for p in points), tuple(p.value for p in points))
    return scalars


def parse_overrides(lines: Iterable[str]) -> dict[str, str]:
    """["batch_size=16", "+x.y=1"] -> {"batch_size": "16", "x.y": "1"}."""
    overrides = {}
    for line in lines:
        key, _, value = str(line).partition("=")
        overrides[key.lstrip("+~")] = value
    return overrides


@dataclass
class Job:
    """One run of a sweep: its folder, config, command-line overrides and scalars."""

    folder: Path
    config: DictConfig
    overrides: dict[str, str]
    scalars: dict[str, Series] = field(repr=False)
    failed: str | None = None  # why, from the folder's FAILED file

    def value(self, key: str) -> object:
        """The job's value of `key`: the config's number or text, else the override's text."""
        value = OmegaConf.select(self.config, key, default=None)
        if isinstance(value, bool | int | float | str):
            return value
        return self.overrides.get(key)


def find_jobs(sweep_dir: str | Path) -> list[Path]:
    """The job folders under `sweep_dir` (those holding `.hydra/config.yaml`), in job order."""
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise UserError(
            f"{sweep_dir} is not a folder: give a sweep folder (logs/<task>/multiruns/<run>)."
        )
    folders = [path.parent.parent for path in sweep_dir.rglob(".hydra/config.yaml")]

    def order(folder: Path) -> tuple:
        name = folder.relative_to(sweep_dir).parts
        return tuple((0, int(part)) if part.isdigit() else (1, part) for part in name)

    return sorted(folders, key=order)


def read_job(folder: str | Path) -> Job:
    folder = Path(folder)
    config = OmegaConf.load(folder / ".hydra" / "config.yaml")
    overrides_file = folder / ".hydra" / "overrides.yaml"
    overrides = parse_overrides(OmegaConf.load(overrides_file)) if overrides_file.is_file() else {}
    failed = folder / "FAILED"
    reason = failed.read_text().strip() or "failed" if failed.is_file() else None
    return Job(folder, config, overrides, read_scalars(folder), reason)


def failed_jobs(sweep_dir: str | Path) -> dict[str, str]:
    """{job: why} for every failed job of a sweep: from its `sweep_summary.yaml` (the jobs a
    mistake stopped before they left a folder too), else from the folders' FAILED files."""
    summary = Path(sweep_dir) / "sweep_summary.yaml"
    if summary.is_file():
        ends = (yaml.safe_load(summary.read_text()) or {}).get("jobs", [])
        return {
            f"{end['job']} ({' '.join(end.get('overrides', []))})": end.get("error", "")
            for end in ends
            if end.get("status") == "failed"
        }
    marks = [folder / "FAILED" for folder in find_jobs(sweep_dir)]
    return {mark.parent.name: mark.read_text().strip() for mark in marks if mark.is_file()}


def read_sweep(sweep_dir: str | Path) -> list[Job]:
    """Every job of a sweep that logged scalars, in job order."""
    jobs = [read_job(folder) for folder in find_jobs(sweep_dir)]
    jobs = [job for job in jobs if job.scalars]
    if not jobs:
        raise UserError(
            f"no run with TensorBoard scalars under {sweep_dir}: give the folder of a sweep "
            "(python train.py -m ...) that ran with logger=tensorboard."
        )
    return jobs


def swept_keys(jobs: list[Job], over: str = "seed") -> list[str]:
    """The override keys whose value differs between jobs, except `over` (the seed)."""
    keys: list[str] = []
    for job in jobs:
        keys += [key for key in job.overrides if key not in keys]
    return [
        key for key in keys
        if key != over and len({job.overrides.get(key) for job in jobs}) > 1
    ]  # fmt: skip


def metric_names(jobs: list[Job]) -> list[str]:
    """The scalars any job logged, losses first (learning rates left out)."""
    logged = set().union(*(set(job.scalars) for job in jobs))
    names = [n for n in logged if n not in NOT_METRICS and not n.startswith("lr-")]
    return sorted(names, key=lambda name: (not name.endswith("loss"), name))


@dataclass(frozen=True)
class Row:
    """The jobs that share the swept values: each metric's final values over the seeds (of
    the jobs that logged it), and the seeds of the jobs that failed."""

    values: dict[str, object]
    finals: dict[str, list[float]]
    seeds: list[object]
    failed: list[object] = field(default_factory=list)

    def mean(self, metric: str) -> float:
        """The mean over the runs that logged `metric`; NaN if none did."""
        finals = self.finals[metric]
        return statistics.fmean(finals) if finals else math.nan

    def std(self, metric: str) -> float:
        """Sample standard deviation over the runs (n - 1); NaN for a single run."""
        finals = self.finals[metric]
        return statistics.stdev(finals) if len(finals) > 1 else math.nan


def sort_key(value: object) -> tuple:
    """Numbers in numeric order, then text."""
    try:
        return (0, float(value), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(value))


def summarize(jobs: list[Job], metrics: list[str] | None = None, over: str = "seed") -> list[Row]:
    """One row per combination of swept values: each metric's final value in every run."""
    keys = swept_keys(jobs, over)
    metrics = metrics or metric_names(jobs)
    unknown = [m for m in metrics if not any(m in job.scalars for job in jobs)]
    if unknown:
        raise UserError(
            f"no job of this sweep logged {unknown[0]}: pick metrics it has (for example "
            f"{', '.join(metric_names(jobs)[:3])})."
        )
    groups: dict[tuple, list[Job]] = {}
    for job in jobs:
        groups.setdefault(tuple(str(job.value(key)) for key in keys), []).append(job)
    rows = []
    for members in groups.values():
        rows.append(Row(
            values={key: members[0].value(key) for key in keys},
            finals={m: [job.scalars[m].final for job in members if m in job.scalars]
                    for m in metrics},
            seeds=[job.value(over) for job in members],
            failed=[job.value(over) for job in members if job.failed is not None],
        ))  # fmt: skip
    return sorted(rows, key=lambda row: [sort_key(v) for v in row.values.values()])
