"""The paths a checkpoint records for its ModelCheckpoint callbacks, kept to their own folder.

Lightning restores best, last and top-k paths, then removes and loads them: one that leaves the
folder (`..`, a link) would choose what is read or deleted, so it is dropped (a checkpoint is data).
"""

from __future__ import annotations

import logging
import os
from typing import Any

PATH_KEYS = ("best_model_path", "kth_best_model_path", "last_model_path")
log = logging.getLogger(__name__)


def inside(path: Any, folder: Any) -> bool:
    """Whether `path` names a `.ckpt` file directly in `folder`, once links and `..` resolve."""
    if not isinstance(path, str) or not isinstance(folder, str) or not path or not folder:
        return False
    if not path.endswith(".ckpt"):
        return False
    if "://" in path or "://" in folder:  # remote storage: compare the names as written
        parts = path.split("/")
        return path.rsplit("/", 1)[0] == folder.rstrip("/") and ".." not in parts
    return os.path.dirname(os.path.realpath(path)) == os.path.realpath(folder)


def confine_checkpoint_paths(checkpoint: dict[str, Any]) -> None:
    """Drop, in place, each recorded path of a ModelCheckpoint state that leaves its folder."""
    for name, state in (checkpoint.get("callbacks") or {}).items():
        if not isinstance(state, dict) or "dirpath" not in state:
            continue
        folder = state.get("dirpath")
        for key in PATH_KEYS:
            if key in state and state[key] and not inside(state[key], folder):
                log.warning("ignored %s of %s in the checkpoint: %r", key, name, state[key])
                state[key] = ""
        best = state.get("best_k_models")
        if isinstance(best, dict):
            state["best_k_models"] = {p: v for p, v in best.items() if inside(p, folder)}
