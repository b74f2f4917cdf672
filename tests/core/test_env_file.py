"""`.env` at the project root: tracker settings and paths, never over what is already set."""

from __future__ import annotations

import os

import pytest

from minibatch.cli.env_file import read_env_file
from tests.conftest import REPO_ROOT

NAMES = ("MINIBATCH_LOG_DIR", "MINIBATCH_DATA_DIR", "MLFLOW_TRACKING_URI", "WANDB_PROJECT",
         "WANDB_ENTITY", "MINIBATCH_WANDB_OFFLINE")  # fmt: skip


@pytest.fixture
def clean_environment():
    """None of the variables set; whatever a test loads is gone after it."""
    saved = {name: os.environ.pop(name) for name in NAMES if name in os.environ}
    yield
    for name in NAMES:
        os.environ.pop(name, None)
    os.environ.update(saved)


def test_no_env_file_changes_nothing(tmp_path, clean_environment, compose_config):
    assert read_env_file(tmp_path) is None
    cfg = compose_config("logger=[mlflow,wandb]")
    assert cfg.paths.log_dir == f"{REPO_ROOT}/logs" and cfg.paths.data_dir == f"{REPO_ROOT}/data"
    assert cfg.logger.mlflow.tracking_uri == f"sqlite:///{REPO_ROOT}/logs/mlflow.db"
    assert cfg.logger.wandb.offline is True and cfg.logger.wandb.project == "minibatch"


def test_env_file_sets_paths_and_trackers_and_loses_to_the_shell_and_the_command_line(
    tmp_path, clean_environment, compose_config
):
    (tmp_path / ".env").write_text(
        f"MINIBATCH_LOG_DIR={tmp_path}/runs\nMINIBATCH_DATA_DIR={tmp_path}/datasets\n"
        "MLFLOW_TRACKING_URI=http://127.0.0.1:5000\nWANDB_PROJECT=cakes\n"
        "WANDB_ENTITY=lab\nMINIBATCH_WANDB_OFFLINE=false\n"
    )
    os.environ["MINIBATCH_DATA_DIR"] = "/from/the/shell"
    assert read_env_file(tmp_path) == tmp_path / ".env"
    cfg = compose_config("logger=[mlflow,wandb]")
    assert cfg.paths.log_dir == f"{tmp_path}/runs"
    assert cfg.paths.data_dir == "/from/the/shell", "a variable already set stays"
    assert cfg.logger.mlflow.tracking_uri == "http://127.0.0.1:5000"
    assert cfg.logger.wandb.offline is False
    assert (cfg.logger.wandb.project, cfg.logger.wandb.entity) == ("cakes", "lab")
    given = compose_config(f"paths.log_dir={tmp_path}/mine", "logger=mlflow",
                           "logger.mlflow.tracking_uri=sqlite:///x.db")  # fmt: skip
    assert given.paths.log_dir == f"{tmp_path}/mine", "the command line wins"
    assert given.logger.mlflow.tracking_uri == "sqlite:///x.db"


def test_the_example_lists_what_the_configs_read_and_env_is_ignored_by_git():
    example = (REPO_ROOT / ".env.example").read_text()
    configs = "".join(p.read_text() for p in (REPO_ROOT / "configs").rglob("*.yaml"))
    for name in NAMES:
        assert f"# {name}=" in example and f"oc.env:{name}" in configs, name
    assert "/.env\n" in (REPO_ROOT / ".gitignore").read_text().splitlines(keepends=True)
