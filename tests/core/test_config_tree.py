"""The config tree printed at the start of a run, and per-machine overrides in configs/local/."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys

import pytest
from hydra import compose, initialize_config_dir
from rich.console import Console

from minibatch.display.config_tree import config_branches, print_config_tree
from tests.conftest import REPO_ROOT


# The config tree -----------------------------------------------------------------------------
def printed(cfg, width: int = 200) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    print_config_tree(cfg, console)
    return console.file.getvalue()


def test_config_tree_shows_every_group_resolved(compose_config):
    cfg = compose_config("batch_size=123", "optimizer.lr=0.25", "print_config=true")
    labels = list(config_branches(cfg))
    assert labels[:4] == ["run", "data", "model", "trainer"]
    assert {"callbacks", "logger", "paths"} <= set(labels)
    text = printed(cfg)
    assert "batch_size: 123" in text and "lr: 0.25" in text
    # data.batch_size is ${batch_size} in the config: shown resolved, as the run uses it.
    assert "${batch_size}" not in text and text.count("batch_size: 123") >= 2
    assert f"output_dir: {cfg.paths.output_dir}" in text


def test_the_tree_is_off_by_default_and_on_with_one_option(compose_config):
    assert compose_config().print_config is False, "off by default"
    assert printed(compose_config()) == ""
    assert printed(compose_config("print_config=false")) == ""
    assert printed(compose_config("print_config=true")).startswith("config\n")


def test_paths_are_never_cut_on_a_narrow_terminal(compose_config, tmp_path):
    deep = tmp_path / ("a_long_folder_name_" * 6) / "logs"
    cfg = compose_config("print_config=true", f"paths.log_dir={deep}")
    text = printed(cfg, width=80)
    assert f"log_dir: {deep}" in text, "a path longer than the terminal is printed whole"
    assert "hparams" not in text, "TensorBoard's column spec is not the run's config"


def test_only_the_first_process_of_a_ddp_run_prints(compose_config, monkeypatch):
    cfg = compose_config("batch_size=123", "print_config=true")
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert printed(cfg) == ""
    monkeypatch.setenv("LOCAL_RANK", "0")
    assert "batch_size: 123" in printed(cfg)


@pytest.mark.slow
def test_train_py_prints_the_tree_when_asked(tmp_path):
    command = [
        sys.executable,
        str(REPO_ROOT / "train.py"),
        f"paths.log_dir={tmp_path}",
        "data.train_size=2000",
        "data.valid_size=500",
        "batch_size=500",
        "trainer.max_epochs=1",
        "logger=none",
        "callbacks=none",
    ]
    hidden = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    shown = subprocess.run(
        [*command, "print_config=true"], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert shown.returncode == hidden.returncode == 0, shown.stderr + hidden.stderr
    assert "max_epochs: 1" in shown.stdout and "train_size: 2000" in shown.stdout
    assert "max_epochs: 1" not in hidden.stdout and "train_size" not in hidden.stdout


# configs/local ---------------------------------------------------------------------------------
def compose_from(config_dir, *overrides):
    """The train config of a copy of configs/, on the core's own data=csv (no recipe)."""
    table = ["data=csv", "data.path=table.csv", "data.target=y"]
    with initialize_config_dir(config_dir=str(config_dir), version_base="1.3"):
        return compose(config_name="train", overrides=[*table, *overrides])


def test_local_default_is_loaded_when_present_and_loses_to_the_command_line(tmp_path):
    configs = tmp_path / "configs"
    shutil.copytree(REPO_ROOT / "configs", configs)
    (configs / "local" / "default.yaml").unlink(missing_ok=True)  # a developer's own file
    assert not (configs / "local" / "default.yaml").exists()
    assert compose_from(configs).trainer.max_epochs is None, "no local file: nothing changes"

    (configs / "local" / "default.yaml").write_text(
        "# @package _global_\ntrainer:\n  max_epochs: 7\n  accelerator: cpu\n"
        "paths:\n  data_dir: /mnt/datasets\n"
    )
    local = compose_from(configs)
    assert local.trainer.max_epochs == 7, "wins over the trainer config's max_epochs"
    assert local.trainer.accelerator == "cpu" and local.paths.data_dir == "/mnt/datasets"
    assert compose_from(configs, "trainer.max_epochs=3").trainer.max_epochs == 3
    assert compose_from(configs, "batch_size=7").paths.data_dir == "/mnt/datasets"


def test_local_example_composes_and_only_it_is_tracked(compose_config):
    cfg = compose_config("local=example")
    assert cfg.paths.data_dir == f"{cfg.paths.root_dir}/data"
    assert cfg.trainer.accelerator == "auto"
    ignored = subprocess.run(
        [
            "git",
            "check-ignore",
            "configs/local/default.yaml",
            "configs/local/laptop.yaml",
            "configs/local/example.yaml",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert ignored.stdout.split() == ["configs/local/default.yaml", "configs/local/laptop.yaml"]
