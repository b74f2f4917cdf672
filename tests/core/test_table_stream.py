"""data=csv data.stream=true: the table read in blocks into LitData shards once, then streamed;
it trains as the in-memory table does (same split, same scaling)."""

from __future__ import annotations

import pytest

pytest.importorskip("litdata", reason="streaming needs: pip install --no-deps litdata==0.2.76")

from minibatch.cli.train import run_training  # noqa: E402
from minibatch.data.tables.csv_datamodule import CsvDataModule  # noqa: E402
from minibatch.errors import UserError  # noqa: E402
from tests.conftest import QUIET  # noqa: E402
from tests.core.fake_tables import write_regression_csv  # noqa: E402


def train_table(compose_config, path, *overrides):
    cfg = compose_config("data=csv", f"data.path={path}", "data.target=target", *QUIET,
                         "trainer.max_epochs=15", "batch_size=50", "data.num_workers=0",
                         *overrides)  # fmt: skip
    return run_training(cfg)


@pytest.mark.slow
def test_a_streamed_table_trains_like_the_same_table_in_memory(compose_config, tmp_path):
    path = write_regression_csv(tmp_path / "houses.csv", rows=500)
    shards = tmp_path / "shards"
    in_memory = train_table(compose_config, path)
    streamed = train_table(compose_config, path, "data.stream=true", f"data.shards_root={shards}")
    assert streamed.trainer.global_step == in_memory.trainer.global_step == 15 * 400 // 50
    assert streamed.model.spec == pytest.approx(in_memory.model.spec), "same split and scaling"
    for name in ("train/loss", "val/loss", "val/r2"):
        assert streamed.metrics[name] == pytest.approx(in_memory.metrics[name], rel=0.25), (
            name,
            streamed.metrics,
            in_memory.metrics,
        )
    assert in_memory.metrics["val/r2"] > 0.6, in_memory.metrics
    (folder,) = shards.iterdir()
    written = {f: f.stat().st_mtime_ns for f in folder.rglob("*") if f.is_file()}
    again = train_table(compose_config, path, "data.stream=true", f"data.shards_root={shards}")
    assert {f: f.stat().st_mtime_ns for f in folder.rglob("*") if f.is_file()} == written
    assert again.metrics["val/loss"] == pytest.approx(in_memory.metrics["val/loss"], rel=0.25)


def test_a_streamed_table_refuses_a_text_feature_in_one_sentence(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{i * 0.5}\n" for i in range(30)) + "x,1,2\n")
    data = CsvDataModule(path=str(path), target="y", stream=True, shards_root=str(tmp_path))
    with pytest.raises(UserError, match="column 'a' of .* is not numeric \\((line 32|a cell)"):
        data.prepare_data()
