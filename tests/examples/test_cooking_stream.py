"""data=cooking_stream: seed 000's cakes written as shards on first use, trained through
run() with the same net and recipe as the in-memory data=cooking."""

from __future__ import annotations

import pytest

from tests import needs

needs.extra("litdata", "pip install --no-deps litdata==0.2.76")

from minibatch.cli.train import run_training  # noqa: E402
from minibatch.data.streaming.shards import read_spec  # noqa: E402
from minibatch.examples.nets.regression_network import RegressionNetwork  # noqa: E402
from tests.conftest import QUIET  # noqa: E402


@pytest.mark.slow
def test_cooking_stream_writes_its_shards_and_trains_the_cooking_net(compose_config, tmp_path):
    root = tmp_path / "cooking_stream"
    small = ("data.writer.train_size=40000", "data.writer.valid_size=2000",
             "data.writer.rows_per_item=100", "data.num_workers=0", "batch_size=1000",
             "trainer.max_epochs=8", "optimizer.lr=0.05")  # fmt: skip
    stream = compose_config("data=cooking_stream", f"data.root={root}", *small, *QUIET)
    assert stream.model == compose_config("data=cooking").model, "the same net as data=cooking"
    result = run_training(stream)
    spec, rows_per_item = read_spec(root)
    assert (spec.task, spec.input_shape, rows_per_item) == ("regression", (1,), 100)
    assert isinstance(result.model.net, RegressionNetwork)
    assert result.trainer.global_step == 8 * 40000 // 1000, "every row once an epoch"
    # No model beats the noise's variance (0.9 ** 2 = 0.81) on average; the mean rating's
    # loss is about 8. These 8 epochs of 40,000 rows end within 15% of the floor (the
    # in-memory experiment, 100 epochs of 500,000 rows, within 10%: test_experiments.py).
    noise_floor = stream.data.writer.noise_scale**2
    assert result.metrics["val/loss"] <= 1.15 * noise_floor, result.metrics
