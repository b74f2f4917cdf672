"""The scratch pieces drop into a Lightning Trainer and train exactly as the library ones.

Seed 002's last cells train its MLP with F.cross_entropy, torch.optim.SGD and torch's
DataLoader. Here the same Trainer run is repeated with the scratch loss, optimizer and
loader (with two worker processes): the trained weights must be the same.
"""

from __future__ import annotations

import multiprocessing as mp

import lightning as L
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils import data as torch_data

from minibatch.examples import scratch

pytestmark = pytest.mark.usefixtures("one_thread")


class Classifier(L.LightningModule):
    def __init__(self, loss_fn, optimizer_cls) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
        self.loss_fn = loss_fn
        self.optimizer_cls = optimizer_cls

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        x, y = batch
        return self.loss_fn(self.net(x), y)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return self.optimizer_cls(self.parameters(), lr=0.2, momentum=0.9, weight_decay=1e-3)


def _dataset() -> list[tuple[torch.Tensor, int]]:
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(60, 4, generator=generator)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0.5).long()  # three classes, learnable
    return list(zip(x, y.tolist(), strict=True))


def _fit(model: Classifier, loader) -> torch.Tensor:
    trainer = L.Trainer(
        max_epochs=3,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(model, train_dataloaders=loader)
    assert trainer.global_step == 3 * 7  # 60 examples in batches of 8, drop_last
    return torch.cat([p.detach().flatten() for p in model.parameters()])


@pytest.mark.filterwarnings("ignore:.*does not have many workers")
@pytest.mark.parametrize("num_workers", [0, 2])
def test_scratch_loss_optimizer_and_loader_train_like_the_library_ones(num_workers: int) -> None:
    """Compared at the same num_workers: Lightning stops after len(loader) batches, so only
    the workers' read-ahead reaches the end of the sampler and its last (discarded) draw, in
    torch's loader as in this one, and epoch 2's order depends on it."""
    data = _dataset()
    options = {"batch_size": 8, "shuffle": True, "drop_last": True, "num_workers": num_workers}
    library = _fit(
        Classifier(F.cross_entropy, torch.optim.SGD),
        torch_data.DataLoader(
            data,
            generator=torch.Generator().manual_seed(2),
            multiprocessing_context="fork" if num_workers else None,
            **options,
        ),
    )
    ours = _fit(
        Classifier(scratch.cross_entropy, scratch.SGD),
        scratch.DataLoader(
            data, generator=torch.Generator().manual_seed(2), context="fork", **options
        ),
    )
    torch.testing.assert_close(ours, library, atol=1e-6, rtol=0)
    untrained = torch.cat([p.detach().flatten() for p in Classifier(None, None).parameters()])
    assert (ours - untrained).abs().max() > 0.1
    assert mp.active_children() == []


def test_package_exports_every_piece() -> None:
    assert set(scratch.__all__) == {
        "SGD", "BatchSampler", "DataLoader", "RandomSampler", "SequentialSampler",
        "WeightedSampler", "WorkerError", "accuracy", "collate", "cross_entropy",
        "inverse_frequency_weights", "log_softmax", "logsumexp", "naive_log_softmax", "nll",
        "pad_collate",
    }  # fmt: skip
    assert all(callable(getattr(scratch, name)) for name in scratch.__all__)
