"""The one module that touches private Lightning and Hydra attributes: what each use does.

A new release that renames one of them fails here by name, not somewhere in a run; and no
other module of the package reaches into a library object's `_private` names.
"""

from __future__ import annotations

import ast
import os
import signal

import lightning as L
import pytest
import torch
from lightning.pytorch.callbacks import LearningRateMonitor, RichProgressBar
from lightning.pytorch.utilities.exceptions import SIGTERMException

from minibatch.adapters import private_api
from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "src" / "minibatch"
ADAPTER = PACKAGE / "adapters" / "private_api.py"


def private_attributes(path) -> list[str]:
    """`obj._name` uses in a file, where `obj` is not `self` or `cls` (our own objects)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            if node.attr.startswith("__") and node.attr.endswith("__"):
                continue  # dunders are public protocol (__name__, __spec__...)
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            found.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno} .{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module and "._" in node.module:
            found.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno} import {node.module}")
    return found


def test_no_module_but_the_adapter_uses_a_private_library_attribute():
    uses = [
        u for path in PACKAGE.rglob("*.py") if path != ADAPTER for u in private_attributes(path)
    ]
    assert not uses, uses


def test_the_adapter_is_where_they_are():
    assert private_attributes(ADAPTER), "the adapter holds the private uses"


class Module(L.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(1, 1)
        self.automatic_optimization = False

    def training_step(self, batch, batch_idx):
        optimizer = self.optimizers()
        loss = self.layer(batch[0]).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        private_api.count_optimizer_step(optimizer, optimizer.optimizer.step)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def loader(batches: int = 4):
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.ones(batches, 1)))


def quiet_trainer(**kwargs) -> L.Trainer:
    return L.Trainer(logger=False, enable_checkpointing=False, enable_progress_bar=False,
                     enable_model_summary=False, max_epochs=1, **kwargs)  # fmt: skip


def test_a_step_counted_by_the_adapter_is_a_global_step():
    trainer = quiet_trainer()
    trainer.fit(Module(), train_dataloaders=loader(4))
    assert trainer.global_step == 4


class StopAtStep(L.Callback):
    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        if trainer.global_step == self.step:
            private_api.request_stop(trainer, True)


def test_requesting_a_stop_stops_like_sigterm_at_the_next_check():
    trainer = quiet_trainer(callbacks=[StopAtStep(2)])
    with pytest.raises(SIGTERMException):
        trainer.fit(Module(), train_dataloaders=loader(6))
    assert trainer.global_step == 2 and trainer.received_sigterm
    private_api.request_stop(trainer, False)
    assert not trainer.received_sigterm


def test_the_learning_rates_a_monitor_names():
    trainer = quiet_trainer()
    trainer.fit(Module(), train_dataloaders=loader(1))
    assert private_api.learning_rates(LearningRateMonitor(), trainer) == {"lr-SGD": 0.1}


def test_the_bar_metrics_refresh_reads_the_logged_values():
    bar = RichProgressBar()
    trainer = quiet_trainer()
    trainer.fit(Module(), train_dataloaders=loader(1))
    private_api.refresh_bar_metrics(bar, trainer, trainer.lightning_module)  # no bar drawn: no-op


def test_hydra_parser_sets_flags_apart_from_overrides():
    args = private_api.hydra_args_parser().parse_args(["-m", "batch_size=1,2", "seed=0"])
    assert args.multirun and args.overrides == ["batch_size=1,2", "seed=0"]


def test_the_ddp_rank_command_is_replaced_in_both_launchers():
    from lightning.fabric.strategies.launchers import subprocess_script as fabric
    from lightning.pytorch.strategies.launchers import subprocess_script as trainer

    before = (fabric._hydra_subprocess_cmd, trainer._hydra_subprocess_cmd)
    marker = lambda local_rank: ([str(local_rank)], os.getcwd())  # noqa: E731
    try:
        private_api.replace_ddp_rank_command(marker)
        assert fabric._hydra_subprocess_cmd is marker and trainer._hydra_subprocess_cmd is marker
    finally:
        fabric._hydra_subprocess_cmd, trainer._hydra_subprocess_cmd = before


def test_a_compiled_module_is_seen_as_compiled():
    net = torch.nn.Linear(1, 1)
    assert not private_api.is_compiled(net)
    net.compile(backend="eager")
    assert private_api.is_compiled(net)


def test_sigterm_is_still_what_request_stop_stands_for():
    """Lightning's own SIGTERM handler sets the flag the adapter sets."""
    trainer = quiet_trainer()

    class Kill(L.Callback):
        def on_train_batch_end(self, trainer, *args) -> None:
            if trainer.global_step == 1:
                os.kill(os.getpid(), signal.SIGTERM)

    trainer.callbacks.append(Kill())
    with pytest.raises(SIGTERMException):
        trainer.fit(Module(), train_dataloaders=loader(4))
    assert trainer.received_sigterm and trainer.global_step == 1
