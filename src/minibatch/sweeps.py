"""Read a sweep folder back: each job's config and overrides, and its TensorBoard scalars.

`python train.py -m seed=0,1,2 batch_size=16,256` writes one folder per job under one sweep
folder, each with `.hydra/config.yaml`, `.hydra/overrides.yaml` and TensorBoard event
files. `summarize` groups the jobs by the values that were swept (all but the seed) and
gives each final metric as mean ± standard deviation over the seeds: what
`scripts/summarize_sweep.py` prints and saves.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from omegaconf import DictConfig, OmegaConf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from minibatch.errors import UserError

EVENT_FILES = "events.out.tfevents.*"
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
    """Every scalar in the TensorBoard event files under `run_dir`, read by TensorBoard.

    Event files may sit in any subfolder (`tensorboard/`, a logger's version folder); a
    resumed run's several files in one folder are read in order, as TensorBoard does.
    """
    folders = sorted({path.parent for path in Path(run_dir).rglob(EVENT_FILES)})
    scalars: dict[str, Series] = {}
    for folder in folders:
        events = EventAccumulator(str(folder), size_guidance={"scalars": 0})
        events.Reload()
        for tag in events.Tags()["scalars"]:
            points = events.Scalars(tag)
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
    return Job(folder, config, overrides, read_scalars(folder))


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
    """The scalars every job logged, losses first (learning rates left out)."""
    common = set.intersection(*(set(job.scalars) for job in jobs))
    names = [n for n in common if n not in NOT_METRICS and not n.startswith("lr-")]
    return sorted(names, key=lambda name: (not name.endswith("loss"), name))


@dataclass(frozen=True)
class Row:
    """The jobs that share the swept values: each metric's final values over the seeds."""

    values: dict[str, object]
    finals: dict[str, list[float]]
    seeds: list[object]

    def mean(self, metric: str) -> float:
        return statistics.fmean(self.finals[metric])

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
    groups: dict[tuple, list[Job]] = {}
    for job in jobs:
        groups.setdefault(tuple(str(job.value(key)) for key in keys), []).append(job)
    rows = []
    for members in groups.values():
        missing = [m for m in metrics if any(m not in job.scalars for job in members)]
        if missing:
            raise UserError(f"{members[0].folder} logged no {missing[0]}: pick metrics it has.")
        rows.append(Row(
            values={key: members[0].value(key) for key in keys},
            finals={m: [job.scalars[m].final for job in members] for m in metrics},
            seeds=[job.value(over) for job in members],
        ))  # fmt: skip
    return sorted(rows, key=lambda row: [sort_key(v) for v in row.values.values()])
