"""Every option of every config group composes, and the pieces it names can be built."""

from __future__ import annotations

from pathlib import Path

import hydra
import pytest
from omegaconf import OmegaConf

from minibatch.build import build_loggers, instantiate_named
from minibatch.runs.project_paths import CONFIG_DIR
from tests import needs
from tests.conftest import SEARCH_PATH

GROUPS = [
    "data",
    "model",
    "optimizer",
    "scheduler",
    "trainer",
    "callbacks",
    "logger",
    "paths",
    "hydra",
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
    required = {"csv": ["data.path=x.csv", "data.target=y"], "image_folder": ["data.root=x"]}.get(
        option if group == "data" else "", []
    )
    data = [] if group == "data" else ["data=tiny"]
    cfg = compose_config(*data, f"{group}={option}", *required)
    container = OmegaConf.to_container(cfg, resolve=True)
    assert container["batch_size"] == cfg.data.get("batch_size", cfg.batch_size)
    assert isinstance(container["seed"], int)
    if group == "logger":
        if option in {"mlflow", "wandb"}:  # optional extras; MLflow opens its store in log_dir
            needs.extra(option, f'pip install -e ".[{option}]"')
            cfg.paths.log_dir = str(Path(cfg.paths.output_dir).parent)
        loggers = build_loggers(cfg.logger)
        expected = {"tensorboard": 1, "csv": 1, "all": 2, "none": 0}.get(option, 1)
        assert len(loggers) == expected
    if group == "callbacks":
        callbacks = instantiate_named(cfg.callbacks, "callbacks")
        assert len(callbacks) == {"default": 8, "none": 0}.get(option, 1), "one file, one callback"
    if group == "trainer" and option in {"default", "cpu"}:
        trainer = hydra.utils.instantiate(cfg.trainer, logger=False, enable_progress_bar=False)
        assert trainer.max_epochs == cfg.trainer.max_epochs


def test_command_line_beats_the_configs_defaults(compose_config):
    cfg = compose_config("data=tiny", "trainer.max_epochs=3", "batch_size=7")
    assert cfg.trainer.max_epochs == 3 and cfg.data.batch_size == 7


def test_data_without_a_recipe_trains_the_mlp_with_adam(compose_config):
    cfg = compose_config("data=tiny")
    assert cfg.model._target_ == "minibatch.nets.mlp.MLP"
    assert cfg.optimizer._target_ == "torch.optim.Adam"


def test_batch_size_is_set_in_one_place(compose_config):
    """Data configs take it from the top-level key; no data or model config sets it."""
    for path in [*(CONFIG_DIR / "data").glob("*.yaml"), *(CONFIG_DIR / "model").glob("*.yaml")]:
        lines = [line for line in path.read_text().splitlines() if line.startswith("batch_size:")]
        assert lines in ([], ["batch_size: ${batch_size}"]), path


def test_run_directory_is_unique_and_under_logs(compose_config):
    with hydra.initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        first = hydra.compose("train", [SEARCH_PATH, "data=tiny"], return_hydra_config=True)
        second = hydra.compose("train", [SEARCH_PATH, "data=tiny"], return_hydra_config=True)
    first_dir, second_dir = first.hydra.run.dir, second.hydra.run.dir
    assert first_dir != second_dir, "two runs in the same second would share a folder"
    assert first_dir == first.hydra.run.dir, "the run folder must be stable within one run"
    assert "/logs/train/runs/" in first_dir
