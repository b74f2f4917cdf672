"""Streaming data (LitData shards): every example once an epoch, across workers and DDP
ranks; a new order every epoch; a resumed run finishes the epoch where it stopped, also
through train.py's grouped steps."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from collections import Counter

import pytest
import torch

from tests import needs

needs.extra("litdata", "pip install --no-deps litdata==0.2.76")

from minibatch.data.streaming.datamodule import StreamingDataModule  # noqa: E402
from minibatch.errors import UserError  # noqa: E402
from minibatch.runs.resume import newest_checkpoint  # noqa: E402
from tests.conftest import REPO_ROOT  # noqa: E402
from tests.core.interrupted_runs import interrupted, run, weights  # noqa: E402
from tests.core.probe_shards import write_probe_shards  # noqa: E402
from tests.core.stream_probe import Recorder, SaveAtStep, trainer  # noqa: E402

SIZE = 1000


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    root = tmp_path_factory.mktemp("shards")
    write_probe_shards(root, SIZE)
    return root


def epoch_of(root, batch_size=20, workers=2, seed=3) -> list[int]:
    data = StreamingDataModule(str(root), batch_size=batch_size, num_workers=workers, seed=seed)
    data.setup()
    return [int(i) for x, _ in data.train_dataloader() for i in x[:, 0]]


@pytest.mark.slow
def test_two_workers_see_every_example_once_in_a_new_order_each_epoch(shards):
    data = StreamingDataModule(str(shards), batch_size=20, num_workers=2, seed=3)
    data.setup()
    loader = data.train_dataloader()
    first = [int(i) for x, _ in loader for i in x[:, 0]]
    second = [int(i) for x, _ in loader for i in x[:, 0]]
    assert sorted(first) == sorted(second) == list(range(SIZE))
    assert first != second, "reshuffled between epochs"
    assert first != sorted(first), "shuffled at all"
    assert first == epoch_of(shards), "the same seed replays the same order"


@pytest.mark.slow
def test_batch_size_must_hold_whole_items(tmp_path):
    write_probe_shards(tmp_path, 100, rows_per_item=8)
    with pytest.raises(UserError, match="multiple of the 8 rows"):
        StreamingDataModule(str(tmp_path), batch_size=20).setup()
    assert sorted(epoch_of(tmp_path, batch_size=16, workers=0)) == list(range(100))


@pytest.mark.slow
def test_writing_shards_leaves_the_process_start_method_as_it_was(tmp_path):
    """LitData's optimize sets "spawn" for the whole process; a run that writes its shards
    and then trains would spawn its loader workers (re-importing torch) every epoch."""
    before = multiprocessing.get_start_method(allow_none=True)
    write_probe_shards(tmp_path, 10)
    assert multiprocessing.get_start_method(allow_none=True) == before


def test_missing_shards_say_how_to_write_them(tmp_path):
    with pytest.raises(UserError, match="holds no shards"):
        StreamingDataModule(str(tmp_path / "nothing")).prepare_data()


@pytest.mark.slow
def test_two_ranks_times_two_workers_see_every_example_once(shards, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tests.core.stream_probe", str(shards), str(tmp_path), "2",
         "2", "2"], capture_output=True, text=True, timeout=300, cwd=REPO_ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    for epoch in ("0", "1"):
        seen = ranks[0][epoch] + ranks[1][epoch]
        assert len(ranks[0][epoch]) == len(ranks[1][epoch]), "ranks take the same steps"
        # LitData drops items under DDP only to even out the ranks; 1000 rows split evenly.
        assert Counter(seen) == Counter(range(SIZE)), "no duplicates, no gaps"
    assert ranks[0]["0"] != ranks[0]["1"], "a new order in the second epoch"


def test_resume_mid_epoch_continues_where_it_stopped(shards, tmp_path):
    data = StreamingDataModule(str(shards), batch_size=20, num_workers=2, seed=3)
    model = Recorder()
    # Saved after 15 of the epoch's 50 batches, then the run goes on (and is lost).
    trainer(max_steps=20, callbacks=[SaveAtStep(15, tmp_path / "mid.ckpt")]).fit(model, data)
    before = model.seen[0][: 15 * 20]

    resumed_model = Recorder()
    trainer(max_epochs=1).fit(
        resumed_model,
        StreamingDataModule(str(shards), batch_size=20, num_workers=2, seed=3),
        ckpt_path=tmp_path / "mid.ckpt",
    )
    after = resumed_model.seen[0]
    assert Counter(before + after) == Counter(range(SIZE)), "the rest of the epoch, once"
    assert before + after == epoch_of(shards), "in the order the whole epoch would have had"


def test_a_run_stopped_mid_epoch_resumes_there_through_grouped_steps(shards, tmp_path, one_thread):
    """train.py's default path: LitData's loader inside a grouped one keeps its position."""
    stream = ("data=stream_probe", f"data.root={shards}")  # 1,000 rows: 100 batches an epoch
    stop = interrupted(tmp_path / "cut", 120, *stream)
    assert 100 < stop.step < 200 and newest_checkpoint(tmp_path / "cut") == stop.checkpoint
    resumed = run(tmp_path / "cut", f"ckpt_path={stop.checkpoint}", *stream)
    reference = run(tmp_path / "straight", *stream)
    assert resumed.trainer.global_step == reference.trainer.global_step == 200
    assert torch.allclose(weights(resumed), weights(reference), rtol=0, atol=1e-6)
    assert resumed.metrics["train/loss"] == pytest.approx(reference.metrics["train/loss"], abs=1e-6)
