"""Checkpoints carry the random generators' state (random_state.py)."""

from __future__ import annotations

import random

import numpy as np
import torch

from minibatch.runs.random_state import random_state, set_random_state


def draws() -> tuple[list[float], list[float], list[float]]:
    return torch.rand(3).tolist(), np.random.rand(3).tolist(), [random.random() for _ in "abc"]


def test_the_saved_state_survives_a_weights_only_checkpoint_and_replays_the_draws(tmp_path):
    torch.manual_seed(0), np.random.seed(0), random.seed(0)
    draws()
    torch.save({"state": random_state()}, tmp_path / "x.ckpt")
    expected = draws()
    draws()  # the generators move on
    set_random_state(torch.load(tmp_path / "x.ckpt", weights_only=True)["state"])
    assert draws() == expected
