"""The template's LightningModule: a net trained for the task its data poses (`model=` a net).

The net is built from the DataModule's `DataSpec`, so the model never reads the data; metrics
are logged once an epoch, since a `self.log` per step costs as much as a notebook's step.
"""

from __future__ import annotations

from collections.abc import Callable

import lightning as L
import torch
from torch import nn
from torchmetrics import MeanMetric, MinMetric

from minibatch.data_spec import DataSpec, describe
from minibatch.errors import building
from minibatch.tasks import METRIC_NAMES, get_loss, get_task

NetFactory = Callable[[DataSpec], nn.Module]
OptimizerFactory = Callable[..., torch.optim.Optimizer]
SchedulerFactory = Callable[..., torch.optim.lr_scheduler.LRScheduler]


def step_loss(outputs: object) -> torch.Tensor | None:
    """The loss a `training_step` returned (a tensor, or a dict holding "loss"), if any."""
    if isinstance(outputs, dict):
        outputs = outputs.get("loss")
    return outputs if isinstance(outputs, torch.Tensor) else None


def epoch_step(module: L.LightningModule) -> float:
    """TensorBoard's x for epoch metrics: epochs completed (logging `step` makes Lightning use
    it), so runs of any batch size line up."""
    return float(module.current_epoch + 1)


class TaskModule(L.LightningModule):
    """Train the net that `net(spec)` builds with the loss and metrics of `spec.task`.

    Args:
        net: called with the data's `DataSpec`, returns an nn.Module producing raw outputs
            (no final sigmoid or softmax) of shape (batch, spec.output_size).
        optimizer: a partial optimizer (Hydra `_partial_: true`) taking the parameters.
        scheduler: an optional partial LR scheduler taking the optimizer, stepped per epoch.
        loss: replaces the task's loss: a name (for example "sigmoid_mse", seed 001) or a
            callable (outputs, targets) -> loss (for example the scratch cross entropy).
        spec: build the net now for this data instead of in `configure_model`.
    """

    def __init__(
        self,
        net: NetFactory,
        optimizer: OptimizerFactory | None = None,
        scheduler: SchedulerFactory | None = None,
        loss: str | Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
        spec: DataSpec | None = None,
    ) -> None:
        super().__init__()
        self.net_factory = net
        self.optimizer_factory = optimizer
        self.scheduler_factory = scheduler
        # An unknown name fails now, before any data is read.
        self.loss_override = get_loss(loss) if isinstance(loss, str) else loss
        self.net: nn.Module | None = None
        self.spec: DataSpec | None = None
        # The epoch's training loss as a running sum on the device: a MeanMetric update per
        # step costs several times a tensor add. The sum is logged once per epoch.
        self._loss_sum: torch.Tensor | None = None
        self._loss_count = 0
        self.train_loss = MeanMetric()
        self.val_loss = MeanMetric()
        self.val_loss_best = MinMetric()
        self.val_loss_best.persistent(True)  # saved in checkpoints: a resumed run keeps its best
        self.test_loss = MeanMetric()
        if spec is not None:
            self.build(spec)

    def build(self, spec: DataSpec) -> None:
        """Net, loss and metrics for the data that `spec` describes."""
        self.spec = spec
        self.task = get_task(spec.task)
        self.loss_fn = self.loss_override or self.task.loss
        self.net = self.net_factory(spec)
        metrics = self.task.metrics(spec.num_classes or 1)
        self.val_metrics = metrics.clone(prefix="val/")
        self.test_metrics = metrics.clone(prefix="test/")
        self.example_input_array = (spec.example_input(),)  # the summary's in/out shapes

    def configure_model(self) -> None:
        if self.net is None:
            self.build(describe(self.trainer.datamodule))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["data_spec"] = self.spec.to_dict()  # plain data, for evaluate and export
        # The epoch's running loss: a run resumed mid-epoch logs the whole epoch's train/loss.
        loss_sum = None if self._loss_sum is None else self._loss_sum.detach().cpu()
        checkpoint["epoch_loss"] = {"sum": loss_sum, "count": self._loss_count}

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        epoch_loss = checkpoint.get("epoch_loss") or {"sum": None, "count": 0}
        self._loss_sum, self._loss_count = epoch_loss["sum"], epoch_loss["count"]

    # Training -------------------------------------------------------------------------------
    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        x, y = batch
        return self.training_loss(x, y)

    def on_train_start(self) -> None:
        if self._loss_sum is not None:  # restored from a checkpoint, on the host
            self._loss_sum = self._loss_sum.to(self.device)
        self._minibatch_callbacks = [
            callback for callback in self.trainer.callbacks
            if hasattr(callback, "on_train_minibatch_end")
        ]  # fmt: skip

    def on_train_batch_end(self, outputs, batch, batch_idx: int) -> None:
        if self.automatic_optimization:
            self.minibatch_end(outputs["loss"], batch)

    def minibatch_end(self, loss: torch.Tensor, batch) -> None:
        """After every optimizer step, grouped or not: `on_train_minibatch_end` callbacks.

        A callback that must see every mini-batch (a trajectory recorder, a per-step
        logger) implements `on_train_minibatch_end(trainer, module, loss, batch)`; Lightning's
        own `on_train_batch_end` sees one call, which may hold several mini-batches.
        """
        for callback in self._minibatch_callbacks:
            callback.on_train_minibatch_end(self.trainer, self, loss, batch)

    def batch_loss(self, batch) -> torch.Tensor:
        """The loss of a mini-batch (x, y), and nothing else: for a callback that measures
        gradients (src/minibatch/scaling/noise_scale.py) without training on the batch."""
        x, y = batch
        return self.loss_fn(self.net(x), y)

    def training_loss(self, x, y: torch.Tensor) -> torch.Tensor:
        """The batch's loss, also added to the epoch's running sum."""
        loss = self.batch_loss((x, y))
        if self._loss_sum is None:
            self._loss_sum = torch.zeros((), device=loss.device)
        self._loss_sum.add_(loss.detach(), alpha=len(y))
        self._loss_count += len(y)
        return loss

    def on_train_epoch_end(self) -> None:
        if self._loss_count:
            self.train_loss.update(self._loss_sum / self._loss_count, weight=self._loss_count)
            self._loss_sum, self._loss_count = None, 0
            self.log("train/loss", self.train_loss.compute(), prog_bar=True)
            self.log("step", epoch_step(self))  # TensorBoard's x: the epoch
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
        self.log("step", epoch_step(self))

    def predict_step(self, batch, batch_idx: int) -> torch.Tensor:
        """Predictions for a batch: values in the target's units, or class probabilities."""
        return self.predictions(self.net(batch[0]))

    def test_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        self._evaluate(batch, self.test_loss, self.test_metrics)

    def on_test_epoch_end(self) -> None:
        self.log_dict(self._compute_and_reset("test", self.test_loss, self.test_metrics))

    def predictions(self, outputs: torch.Tensor) -> torch.Tensor:
        """Raw outputs as predictions: probabilities, or regression values in own units."""
        return self.spec.unscale(self.task.predict(outputs))

    def _evaluate(self, batch, loss_metric: MeanMetric, metrics) -> None:
        x, y = batch
        out = self.net(x)
        loss_metric.update(self.loss_fn(out, y), weight=len(y))
        target = self.task.metric_target(y)
        if self.task.name == "regression":
            target = self.spec.unscale(target)
        metrics.update(self.predictions(out), target)

    @staticmethod
    def _compute_and_reset(stage: str, loss_metric: MeanMetric, metrics) -> dict[str, torch.Tensor]:
        results = {f"{stage}/loss": loss_metric.compute(), **metrics.compute()}
        loss_metric.reset()
        metrics.reset()
        return results

    # Optimisation ---------------------------------------------------------------------------
    def configure_optimizers(self):
        with building("optimizer"):  # torch checks its options here: a negative weight_decay
            optimizer = self.optimizer_factory(params=self.parameters())
        if self.scheduler_factory is None:
            return optimizer
        with building("scheduler"):
            scheduler = self.scheduler_factory(optimizer=optimizer)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "epoch"},
        }

    def logged_metric_names(self) -> list[str]:
        """What this module logs for its task, once its net is built (what may be monitored)."""
        return ["train/loss", "val/loss", "val/loss_best", *self.val_metrics.keys()]

    @staticmethod
    def metric_names() -> list[str]:
        """Every scalar a module of any task logs, for TensorBoard's HPARAMS tab."""
        return ["train/loss", "val/loss", "val/loss_best", *(f"val/{n}" for n in METRIC_NAMES)]
