"""Any file that is not a checkpoint is one sentence, whatever torch.load fails with.

Random bytes reach torch's restricted unpickler, which fails on them with many kinds of
exception (an IndexError once turned a mistakes-table row into a traceback); truncated
checkpoints, in the zip and the legacy format, fail elsewhere. Fuzzed here, seeded, so that a
failure names the bytes that caused it.
"""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import pytest
import torch

from minibatch.errors import UserError
from minibatch.runs.checkpoint_file import load_checkpoint

UNREADABLE = "is not a readable checkpoint"


def saved(path: Path, legacy: bool) -> bytes:
    contents = {"state_dict": {"w": torch.arange(64.0)}, "data_spec": {"task": "regression"},
                "run_config": {"seed": 0}}  # fmt: skip
    torch.save(contents, path, _use_new_zipfile_serialization=not legacy)
    return path.read_bytes()


def assert_unreadable(path: Path, data: bytes, what: str) -> None:
    path.write_bytes(data)
    with pytest.raises(UserError, match=UNREADABLE):
        load_checkpoint(path)
    assert path.read_bytes() == data, what


@pytest.mark.parametrize("prefix", [b"", b"\x80\x02", pickle.dumps(1)[:2], b"PK\x03\x04"],
                         ids=["plain", "pickle-2", "pickle-default", "zip-header"])  # fmt: skip
def test_random_bytes_are_one_sentence(tmp_path, prefix):
    rng = random.Random(0)
    for trial in range(150):
        data = prefix + rng.randbytes(rng.randint(1, 2048))
        assert_unreadable(tmp_path / "random.ckpt", data, f"trial {trial}")


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_every_truncation_of_a_checkpoint_is_one_sentence(tmp_path, legacy):
    data = saved(tmp_path / "good.ckpt", legacy)
    assert load_checkpoint(tmp_path / "good.ckpt")["run_config"] == {"seed": 0}
    for cut in sorted({*range(0, len(data), max(1, len(data) // 60)), len(data) - 1}):
        assert_unreadable(tmp_path / "cut.ckpt", data[:cut], f"cut at {cut} of {len(data)}")
