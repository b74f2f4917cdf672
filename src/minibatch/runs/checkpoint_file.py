"""Open a checkpoint as data, and say in one sentence why a file is not a usable one.

`torch.load(weights_only=True)` unpickles only tensors and plain containers, so a crafted file
cannot run code; torch's own message for a bad file advises the unsafe `weights_only=False`.
"""

from __future__ import annotations

from pathlib import Path

import torch

from minibatch.errors import UserError

REQUIRED_KEYS = ("state_dict", "run_config")


def read_checkpoint(path: Path, mmap: bool = False) -> object:
    """What `torch.load(weights_only=True)` reads of `path` (its tensors memory-mapped with
    `mmap`), or one `UserError` sentence when the file is not a readable checkpoint."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True, mmap=mmap)
    except Exception as error:  # random bytes fail in about any way in the unpickler
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if "Unsupported global" in str(error) or "GLOBAL" in str(error):
            reason = "it holds Python objects other than tensors and plain data"
        elif "weights_only" in str(error):
            reason = "its bytes are not a checkpoint's"
        raise UserError(
            f"{path} is not a readable checkpoint ({reason[:120]}): it is truncated, corrupt "
            "or not a checkpoint; use another .ckpt file of a finished or interrupted run."
        ) from None


def load_checkpoint(path: Path) -> dict:
    """The checkpoint's contents (tensors and plain data only), or one `UserError` sentence."""
    if path.is_dir():
        raise UserError(
            f"ckpt_path={path} is a folder: give a .ckpt file in it, for example "
            f"{path}/checkpoints/last.ckpt."
        )
    if not path.is_file():
        raise UserError(
            f"ckpt_path={path} is not a file: give the path of a .ckpt, for example "
            "logs/train/runs/<run>/checkpoints/last.ckpt (or ckpt_path=last to resume)."
        )
    checkpoint = read_checkpoint(path)
    if not isinstance(checkpoint, dict) or any(key not in checkpoint for key in REQUIRED_KEYS):
        raise UserError(
            f"{path} was not written by this template's train.py (no saved run config): use a "
            "checkpoint from logs/<task_name>/runs/<run>/checkpoints/."
        )
    return checkpoint
