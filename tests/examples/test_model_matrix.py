"""Every (data, model) pair either trains a step or refuses in one clear sentence."""

from __future__ import annotations

import pytest

from minibatch.cli.train import run_training
from minibatch.errors import UserError
from minibatch.runs.project_paths import CONFIG_DIR

# Streamed shards (data=cooking_stream) are written first: test_cooking_stream.py.
DATASETS = sorted(
    p.stem for p in (CONFIG_DIR / "data").glob("*.yaml") if p.stem != "cooking_stream"
)
MODELS = sorted(path.stem for path in (CONFIG_DIR / "model").glob("*.yaml"))
FEATURE_NETS = {"affine", "linear", "perceptron", "regression", "sine"}
# Pairs that cannot work, and must say so: a one-input sine on many inputs, a one-output
# perceptron on ten classes, nets of feature vectors on token sequences or images, the
# image net on anything but images.
INCOMPATIBLE = {
    ("boston", "sine"), ("csv", "sine"), ("mnist", "sine"), ("weather", "sine"),
    ("mnist", "perceptron"),
    *(("sequences", net) for net in FEATURE_NETS),
    *(("image_folder", net) for net in FEATURE_NETS),
    *((data, "conv_net") for data in DATASETS if data != "image_folder"),
}  # fmt: skip
FAST = ["trainer.fast_dev_run=true", "logger=none", "callbacks=none",
        "trainer.enable_progress_bar=false", "trainer.enable_model_summary=false"]  # fmt: skip


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("data", DATASETS)
def test_pair_trains_one_step_or_refuses_clearly(compose_config, offline_data, data, model):
    cfg = compose_config(f"data={data}", f"model={model}", *offline_data(data), *FAST)
    assert cfg.model._target_.rsplit(".", 1)[0].endswith(
        {"regression": "regression_network", "mlp": "mlp", "linear": "linear", "affine": "linear",
         "sine": "sine", "perceptron": "perceptron", "conv_net": "conv_net"}[model])  # fmt: skip
    if (data, model) in INCOMPATIBLE:
        with pytest.raises(UserError) as error:
            run_training(cfg)
        assert "use model=" in str(error.value)
        return
    result = run_training(cfg)
    assert result.trainer.global_step == 1
    assert result.metrics["train/loss"] > 0 and "val/loss" in result.metrics


@pytest.mark.parametrize("data", DATASETS)
def test_data_alone_picks_its_default_model(compose_config, offline_data, data):
    cfg = compose_config(f"data={data}", *offline_data(data))
    expected = {"cooking": "regression_network", "linear": "linear", "sine": "sine",
                "logistic": "perceptron", "mnist": "mlp", "boston": "mlp", "weather": "linear",
                "csv": "mlp", "sequences": "mlp", "image_folder": "mlp"}  # fmt: skip
    assert cfg.model._target_.split(".")[-2] == expected[data]
    result = run_training(compose_config(f"data={data}", *offline_data(data), *FAST))
    assert result.model.spec.task in {"regression", "binary", "multiclass"}
    assert result.trainer.global_step == 1
