"""Crafted checkpoints: a real one edited as an attacker would, and what proves nothing ran.

`crafted` saves a real checkpoint with other `run_config`, `run_choices` and `run_overrides`
(torch.save of its dict); `files_opened` records every file this process opens (an audit
hook); a `Ransom` creates a sentinel file if the pickle holding it is ever unpickled.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from omegaconf import open_dict

from minibatch.cli.train import run_training
from minibatch.runs.project_paths import CONFIG_DIR
from tests.conftest import SEARCH_PATH, compose_train, tiny

OPENED: list[str] | None = None  # while not None, every file opened in this process


def record_opens(event: str, args: tuple) -> None:
    if event == "open" and OPENED is not None and isinstance(args[0], (str, bytes, Path)):
        OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(record_opens)  # an audit hook cannot be removed: it records only when asked


@contextmanager
def files_opened() -> Iterator[list[str]]:
    global OPENED
    OPENED = []
    try:
        yield OPENED
    finally:
        OPENED = None


class Ransom:
    """Unpickled, it creates a file: proof that the attacker's pickle ran."""

    def __init__(self, sentinel: Path) -> None:
        self.sentinel = str(sentinel)

    def __reduce__(self):
        return (os.system, (f"touch {self.sentinel}",))


def trained_checkpoint(folder: Path) -> Path:
    """A real checkpoint of a tiny regression run, in a run folder (with .hydra/)."""
    run = folder / "run"
    cfg = compose_train(*tiny("trainer.max_epochs=1", "batch_size=500",
                              "callbacks=[model_checkpoint,last_checkpoint]"))  # fmt: skip
    with open_dict(cfg):
        cfg.paths.output_dir = str(run)
    (run / ".hydra").mkdir(parents=True)
    (run / ".hydra" / "config.yaml").write_text("what Hydra wrote\n")
    run_training(cfg)
    return run / "checkpoints" / "last.ckpt"


def evaluation(*overrides: str, name: str = "evaluate"):
    """The evaluate (or export) config as its command line composes it, the test data configs
    on its search path."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(name, overrides=[SEARCH_PATH, *overrides], return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg


def crafted(good: Path, folder: Path, name: str, **changes) -> Path:
    """`good` with some of its description changed, as an attacker would save it."""
    checkpoint = torch.load(good, weights_only=True)
    config = dict(checkpoint["run_config"])
    for key in ("data", "model", "loss", "paths", "hydra"):
        if key in changes:
            config[key] = changes.pop(key)
    checkpoint["run_config"] = config
    checkpoint["run_choices"] = {**checkpoint.get("run_choices", {}), **changes.pop("choices", {})}
    checkpoint["run_overrides"] = [*checkpoint.get("run_overrides", []),
                                   *changes.pop("overrides", [])]  # fmt: skip
    assert not changes, changes
    path = folder / f"{name}.ckpt"
    torch.save(checkpoint, path)
    return path
