"""The LightningModule: a plain net trained for the task its dataset poses.

Logging is done once per epoch, not once per step: losses are accumulated on the device in
torchmetrics `MeanMetric`s (no host sync inside the step) and logged in the epoch-end hooks.
For the small models and batches of the notebooks, a `self.log` per step would cost about
as much as the step itself.
"""

from __future__ import annotations

from collections.abc import Callable

import lightning as L
import torch
from torch import nn
from torchmetrics import MeanMetric, MinMetric

from minibatch.models.tasks import get_loss, get_task

OptimizerFactory = Callable[..., torch.optim.Optimizer]
SchedulerFactory = Callable[..., torch.optim.lr_scheduler.LRScheduler]


class TaskModule(L.LightningModule):
    """Train `net` with the loss and metrics of `task`.

    Args:
        net: any nn.Module producing raw outputs (no final sigmoid/softmax).
        task: "regression", "binary" or "multiclass" (given by the DataModule).
        optimizer: a partial optimizer (Hydra `_partial_: true`) taking the parameters.
        scheduler: an optional partial LR scheduler taking the optimizer, stepped per epoch.
        num_classes: for multiclass metrics.
        loss: replaces the task's loss by name (for example "sigmoid_mse", seed 001).
    """

    def __init__(
        self,
        net: nn.Module,
        task: str,
        optimizer: OptimizerFactory,
        scheduler: SchedulerFactory | None = None,
        num_classes: int | None = None,
        loss: str | None = None,
    ) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["net", "optimizer", "scheduler"], logger=False)
        self.net = net
        self.task = get_task(task)
        self.loss_fn = get_loss(loss) if loss else self.task.loss
        self.optimizer_factory = optimizer
        self.scheduler_factory = scheduler
        self.train_loss = MeanMetric()
        self.val_loss = MeanMetric()
        self.val_loss_best = MinMetric()
        self.test_loss = MeanMetric()
        metrics = self.task.metrics(num_classes or 1)
        self.val_metrics = metrics.clone(prefix="val/")
        self.test_metrics = metrics.clone(prefix="test/")
        # Lets the model summary show input/output shapes, like the seed's torchsummary.
        if hasattr(net, "example_input"):
            self.example_input_array = (net.example_input(),)
        elif hasattr(net, "in_features"):
            self.example_input_array = torch.zeros(2, net.in_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    # The composed config of the run that trained this module, kept in its checkpoints so that
    # evaluation rebuilds the same data and net (see evaluate.py).
    run_config: dict | None = None

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        if self.run_config is not None:
            checkpoint["run_config"] = self.run_config

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.run_config = checkpoint.get("run_config")

    # Training -------------------------------------------------------------------------------
    def training_step(
        self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int
    ) -> torch.Tensor:
        x, y = batch
        loss = self.loss_fn(self.net(x), y)
        self.train_loss.update(loss.detach(), weight=len(y))
        return loss

    def on_train_epoch_end(self) -> None:
        self.log("train/loss", self.train_loss.compute(), prog_bar=True)
        self.train_loss.reset()

    # Validation and test --------------------------------------------------------------------
    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        self._evaluate(batch, self.val_loss, self.val_metrics)

    def on_validation_epoch_end(self) -> None:
        results = self._compute_and_reset("val", self.val_loss, self.val_metrics)
        if self.trainer.sanity_checking:
            return  # the sanity check only proves validation runs; it is not a result
        self.val_loss_best.update(results["val/loss"])
        results["val/loss_best"] = self.val_loss_best.compute()
        self.log_dict(results, prog_bar=True)

    def predict_step(
        self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int
    ) -> torch.Tensor:
        """Predictions for a batch: values (regression) or class probabilities."""
        return self.task.predict(self.net(batch[0]))

    def test_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        self._evaluate(batch, self.test_loss, self.test_metrics)

    def on_test_epoch_end(self) -> None:
        self.log_dict(self._compute_and_reset("test", self.test_loss, self.test_metrics))

    def _evaluate(self, batch, loss_metric: MeanMetric, metrics) -> None:
        x, y = batch
        out = self.net(x)
        loss_metric.update(self.loss_fn(out, y), weight=len(y))
        metrics.update(self.task.predict(out), self.task.metric_target(y))

    @staticmethod
    def _compute_and_reset(stage: str, loss_metric: MeanMetric, metrics) -> dict[str, torch.Tensor]:
        results = {f"{stage}/loss": loss_metric.compute(), **metrics.compute()}
        loss_metric.reset()
        metrics.reset()
        return results

    # Optimisation ---------------------------------------------------------------------------
    def configure_optimizers(self):
        optimizer = self.optimizer_factory(params=self.parameters())
        if self.scheduler_factory is None:
            return optimizer
        scheduler = self.scheduler_factory(optimizer=optimizer)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "epoch"},
        }

    def metric_names(self) -> list[str]:
        """Every scalar this module logs, for TensorBoard's HPARAMS tab."""
        names = ["train/loss", "val/loss", "val/loss_best"]
        return names + [f"val/{name}" for name in self.val_metrics.keys(keep_base=True)]
