"""Reading a sweep back (minibatch.tooling.sweeps) and summarize_sweep.py's table and CSV."""

from __future__ import annotations

import csv
import math
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch.utils.tensorboard import SummaryWriter

from minibatch.tooling.sweeps import read_sweep, summarize, swept_keys
from tests.conftest import REPO_ROOT, SEARCH_PATH

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import summarize_sweep  # noqa: E402


def fake_job(folder: Path, overrides: list[str], losses: list[float], tag: str = "val/loss",
             failed: str | None = None) -> None:  # fmt: skip
    """A job folder as Hydra and the TensorBoard logger leave it (and `FAILED`, if it failed)."""
    (folder / ".hydra").mkdir(parents=True)
    values = dict(line.split("=", 1) for line in overrides)
    config = {"batch_size": int(values["batch_size"]), "seed": int(values["seed"]), "data": {}}
    OmegaConf.save(config, folder / ".hydra" / "config.yaml")
    OmegaConf.save(overrides, folder / ".hydra" / "overrides.yaml")
    with SummaryWriter(str(folder / "tensorboard")) as writer:
        for step, loss in enumerate(losses):
            writer.add_scalar(tag, loss, step)
            writer.add_scalar("epoch", step, step)
            writer.add_scalar("lr-SGD", 0.1, step)
    if failed is not None:
        (folder / "FAILED").write_text(failed + "\n")


def test_summary_groups_by_swept_value_and_averages_over_seeds(tmp_path):
    finals = {(16, 0): 0.5, (16, 1): 0.7, (16, 2): 0.9, (256, 0): 2.0, (256, 1): 3.0}
    for number, ((batch, seed), final) in enumerate(finals.items()):
        fake_job(tmp_path / str(number), ["data=tiny", f"batch_size={batch}", f"seed={seed}"],
                 [final + 1.0, final])  # fmt: skip
    jobs = read_sweep(tmp_path)
    assert swept_keys(jobs) == ["batch_size"]
    rows = summarize(jobs)
    assert [row.values for row in rows] == [{"batch_size": 16}, {"batch_size": 256}]
    assert list(rows[0].finals) == ["val/loss"], "bookkeeping scalars are not metrics"
    assert rows[0].seeds == [0, 1, 2]
    assert math.isclose(rows[0].mean("val/loss"), 0.7, rel_tol=1e-6)
    assert math.isclose(rows[0].std("val/loss"), statistics.stdev([0.5, 0.7, 0.9]), rel_tol=1e-6)
    assert math.isclose(rows[1].std("val/loss"), statistics.stdev([2.0, 3.0]), rel_tol=1e-6)


def test_a_failed_job_is_marked_and_a_metric_one_job_lacks_is_kept(tmp_path, capsys):
    """Job 1 diverged before its first validation: it logged train/loss only."""
    fake_job(tmp_path / "0", ["batch_size=16", "seed=0"], [0.6, 0.5], "train/loss")
    fake_job(tmp_path / "1", ["batch_size=16", "seed=1"], [0.9], "train/loss", failed="diverged")
    fake_job(tmp_path / "2", ["batch_size=256", "seed=0"], [2.0], "val/loss")
    rows = summarize(read_sweep(tmp_path))
    assert list(rows[0].finals) == ["train/loss", "val/loss"], "every metric a job logged"
    assert rows[0].finals == {"train/loss": pytest.approx([0.5, 0.9]), "val/loss": []}
    assert rows[0].failed == [1] and rows[1].failed == []
    assert math.isclose(rows[1].mean("val/loss"), 2.0) and math.isnan(rows[1].mean("train/loss"))

    assert summarize_sweep.main([str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "2 (0,1; failed: 1)" in printed
    assert "failed: job 1: diverged" in printed
    rows = list(csv.DictReader((tmp_path / "summary.csv").open()))
    assert [(r["batch_size"], r["failed"], r["val/loss runs"]) for r in rows] == [
        ("16", "1", "0"), ("256", "0", "1")]  # fmt: skip


def test_summary_of_a_folder_without_runs_is_one_sentence(tmp_path, capsys):
    assert summarize_sweep.main([str(tmp_path)]) == 2
    assert "no run with TensorBoard scalars" in capsys.readouterr().err


def final_values(run: Path, tag: str) -> float:
    (folder,) = {path.parent for path in run.rglob("events.out.tfevents.*")}
    events = EventAccumulator(str(folder))
    events.Reload()
    return events.Scalars(tag)[-1].value


@pytest.mark.slow
def test_summary_of_a_real_seeds_by_batch_size_sweep_matches_the_event_files(tmp_path, capsys):
    sweep = tmp_path / "sweep"
    command = [sys.executable, str(REPO_ROOT / "train.py"), "-m", SEARCH_PATH, "data=tiny",
               "data.train_size=200", "data.valid_size=100", "seed=0,1,2", "batch_size=50,200",
               "trainer.max_epochs=2", "trainer.enable_progress_bar=false",
               f"hydra.sweep.dir={sweep}"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = sorted(path for path in sweep.iterdir() if path.is_dir())
    assert len(jobs) == 6, "one folder per job in one sweep folder"

    out = tmp_path / "summary.csv"
    assert summarize_sweep.main([str(sweep), "--csv", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "batch_size" in printed and "±" in printed and "3 (0,1,2)" in printed

    rows = {row["batch_size"]: row for row in csv.DictReader(out.open())}
    assert set(rows) == {"50", "200"}
    for batch_size, row in rows.items():
        members = [
            job
            for job in jobs
            if OmegaConf.load(job / ".hydra" / "config.yaml").batch_size == int(batch_size)
        ]
        assert len(members) == 3 and row["runs"] == "3"
        for metric in ("val/loss", "train/loss", "val/r2"):
            finals = [final_values(job, metric) for job in members]
            assert math.isclose(float(row[f"{metric} mean"]), statistics.fmean(finals),
                                rel_tol=1e-5), metric  # fmt: skip
            assert math.isclose(float(row[f"{metric} std"]), statistics.stdev(finals),
                                rel_tol=1e-4), metric  # fmt: skip


@pytest.mark.slow
def test_a_sweep_runs_every_job_and_ends_saying_what_became_of_each(tmp_path, capsys):
    """Two of five learning rates are bad: 1e12 diverges, -1 is refused before training."""
    sweep = tmp_path / "sweep"
    command = [sys.executable, str(REPO_ROOT / "train.py"), "-m", SEARCH_PATH, "data=tiny",
               "data.train_size=500", "trainer.max_epochs=1", "trainer.enable_progress_bar=false",
               "optimizer=sgd", "optimizer.lr=0.001,1e12,0.002,-1,0.003",
               f"hydra.sweep.dir={sweep}"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert "sweep: 3 finished, 2 failed, 0 not run" in result.stderr
    summary = OmegaConf.load(sweep / "sweep_summary.yaml")
    assert (summary.finished, summary.failed, summary.not_run) == (3, 2, 0)
    ends = {job.job: job for job in summary.jobs}
    assert [ends[n].status for n in range(5)] == ["finished", "failed", "finished", "failed",
                                                  "finished"]  # fmt: skip
    assert "learning rate (1e+12) is most likely too large" in ends[1].error
    assert ends[3].error.startswith("optimizer.lr must be a positive number, got -1")
    assert "folder" not in ends[3], "refused before training: no folder left"
    for n in (0, 1, 2, 4):
        assert (sweep / ends[n].folder / ".hydra").is_dir()
    assert (sweep / ends[1].folder / "FAILED").is_file(), "the diverged job is kept, marked"

    assert summarize_sweep.main([str(sweep)]) == 0
    printed = capsys.readouterr().out
    assert "failed: job 1 (optimizer.lr=1000000000000.0): the training loss became" in printed
    assert "failed: job 3 (optimizer.lr=-1): optimizer.lr must be" in printed
