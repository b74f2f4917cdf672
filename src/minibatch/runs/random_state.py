"""Checkpoints carry the random generators' state: a resumed run draws what the first one would.

Lightning's `_collect_rng_states` is private and keeps NumPy's state as an array, which
`weights_only=True` does not read: saved here as tensors and plain numbers.
"""

from __future__ import annotations

import random
from typing import Any

import lightning as L
import numpy as np
import torch


def random_state() -> dict[str, Any]:
    """The state of every global generator a training run draws from."""
    _, keys, position, has_gauss, gauss = np.random.get_state()
    numpy = dict(keys=torch.from_numpy(keys.astype(np.int64)), position=int(position),
                 has_gauss=int(has_gauss), gauss=float(gauss))  # fmt: skip
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": numpy,
        "python": random.getstate(),
    }


def set_random_state(state: dict[str, Any]) -> None:
    """Put back what `random_state` returned (CUDA only onto as many devices as it saved)."""
    torch.set_rng_state(state["torch"])
    cuda = state["cuda"]
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)
    numpy = state["numpy"]
    keys = numpy["keys"].numpy().astype(np.uint32)
    np.random.set_state(("MT19937", keys, numpy["position"], numpy["has_gauss"], numpy["gauss"]))
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))


class KeepRandomState(L.Callback):
    """Save the generators' state with every checkpoint; restore it when a fit resumes."""

    def __init__(self) -> None:
        self._restored: dict[str, Any] | None = None

    def state_dict(self) -> dict[str, Any]:
        return random_state()

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self._restored = state_dict  # applied in on_fit_start, once the net is built

    def on_fit_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._restored is not None:
            set_random_state(self._restored)
            self._restored = None
