"""Every option of every config group composes, and the pieces it names can be built."""

from __future__ import annotations

from pathlib import Path

import hydra
import pytest
from omegaconf import OmegaConf

from minibatch.build import build_loggers, build_model, instantiate_named
from minibatch.train import CONFIG_DIR

GROUPS = [
    "data",
    "model",
    "trainer",
    "callbacks",
    "logger",
    "paths",
    "hydra",
    "experiment",
    "debug",
]


def options(group: str) -> list[str]:
    return sorted(path.stem for path in (CONFIG_DIR / group).glob("*.yaml"))


def all_group_options() -> list[tuple[str, str]]:
    return [(group, option) for group in GROUPS for option in options(group)]


def test_every_group_has_options():
    for group in GROUPS:
        assert options(group), f"configs/{group}/ has no options"
    assert {"default", "cpu", "gpu"} <= set(options("trainer"))
    assert {"fast_dev_run", "overfit", "limit", "profiler"} <= set(options("debug"))
    assert {"tensorboard", "csv", "none"} <= set(options("logger"))


@pytest.mark.parametrize(("group", "option"), all_group_options())
def test_option_composes_and_resolves(compose_config, group, option):
    required = ["data.path=x.csv", "data.target=y"] if (group, option) == ("data", "csv") else []
    cfg = compose_config(f"{group}={option}", *required)
    container = OmegaConf.to_container(cfg, resolve=True)
    assert container["batch_size"] == cfg.data.batch_size
    assert isinstance(container["seed"], int)
    if group == "logger":
        if option in {"mlflow", "wandb"}:  # optional extras; MLflow opens its store in log_dir
            pytest.importorskip(option)
            cfg.paths.log_dir = str(Path(cfg.paths.output_dir).parent)
        loggers = build_loggers(cfg.logger)
        expected = {"tensorboard": 1, "csv": 1, "all": 2, "none": 0}.get(option, 1)
        assert len(loggers) == expected
    if group == "callbacks":
        callbacks = instantiate_named(cfg.callbacks)
        assert len(callbacks) == {"default": 4, "none": 0}.get(option, 1), "one file, one callback"
    if group == "trainer" and option in {"default", "cpu"}:
        trainer = hydra.utils.instantiate(cfg.trainer, logger=False, enable_progress_bar=False)
        assert trainer.max_epochs == cfg.trainer.max_epochs


@pytest.mark.parametrize("option", options("data"))
def test_data_option_builds_its_default_model(compose_config, offline_data, option):
    cfg = compose_config(f"data={option}", *offline_data(option))
    datamodule = hydra.utils.instantiate(cfg.data)
    model = build_model(cfg.model, datamodule)
    assert model.task.name == datamodule.task


def test_top_level_batch_size_reaches_the_datamodule(compose_config):
    cfg = compose_config("batch_size=50")
    assert cfg.data.batch_size == 50
    assert hydra.utils.instantiate(cfg.data).batch_size == 50


def test_cooking_defaults_match_the_notebook(compose_config):
    cfg = compose_config()
    assert cfg.data.train_size == 500_000 and cfg.data.valid_size == 18_000
    assert cfg.data.noise_scale == 0.9 and cfg.batch_size == 10_000
    assert cfg.model.optimizer._target_ == "torch.optim.AdamW" and cfg.model.optimizer.lr == 0.005


def test_command_line_beats_the_data_configs_defaults(compose_config):
    cfg = compose_config("trainer.max_epochs=3", "batch_size=7")
    assert cfg.trainer.max_epochs == 3 and cfg.data.batch_size == 7


def test_run_directory_is_unique_and_under_logs(compose_config):
    with hydra.initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        first = hydra.compose("train", return_hydra_config=True)
        second = hydra.compose("train", return_hydra_config=True)
    first_dir, second_dir = first.hydra.run.dir, second.hydra.run.dir
    assert first_dir != second_dir, "two runs in the same second would share a folder"
    assert first_dir == first.hydra.run.dir, "the run folder must be stable within one run"
    assert "/logs/train/runs/" in first_dir
