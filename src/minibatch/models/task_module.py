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
from lightning.pytorch.plugins.precision import Precision
from torch import nn
from torchmetrics import MeanMetric, MinMetric

from minibatch.models.tasks import get_loss, get_task

OptimizerFactory = Callable[..., torch.optim.Optimizer]
SchedulerFactory = Callable[..., torch.optim.lr_scheduler.LRScheduler]


def loss_backward(loss: torch.Tensor) -> None:
    loss.backward()


class TaskModule(L.LightningModule):
    """Train `net` with the loss and metrics of `task`.

    Args:
        net: any nn.Module producing raw outputs (no final sigmoid/softmax).
        task: "regression", "binary" or "multiclass" (given by the DataModule).
        optimizer: a partial optimizer (Hydra `_partial_: true`) taking the parameters.
        scheduler: an optional partial LR scheduler taking the optimizer, stepped per epoch.
        num_classes: for multiclass metrics.
        loss: replaces the task's loss by name (for example "sigmoid_mse", seed 001).
        steps_per_call: mini-batches in each `training_step` (the DataModule groups them);
            above 1, the module steps the optimizer itself once per mini-batch (Lightning's
            manual optimization), so Lightning's fixed per-step cost is paid once per call.
            Global steps, logged losses, checkpoints and epoch schedulers stay the same.
    """

    def __init__(
        self,
        net: nn.Module,
        task: str,
        optimizer: OptimizerFactory,
        scheduler: SchedulerFactory | None = None,
        num_classes: int | None = None,
        loss: str | None = None,
        steps_per_call: int = 1,
    ) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["net", "optimizer", "scheduler"], logger=False)
        self.net = net
        self.task = get_task(task)
        self.loss_fn = get_loss(loss) if loss else self.task.loss
        self.optimizer_factory = optimizer
        self.scheduler_factory = scheduler
        self.steps_per_call = steps_per_call
        self.automatic_optimization = steps_per_call == 1
        self._plain_backward = False
        # The epoch's training loss as a running sum on the device: a MeanMetric update per
        # step costs ~26 µs, a tensor add ~3 µs. The sum feeds `train_loss` once per epoch.
        self.train_loss = MeanMetric()
        self._loss_sum: torch.Tensor | None = None
        self._loss_count = 0
        self.val_loss = MeanMetric()
        self.val_loss_best = MinMetric()
        self.val_loss_best.persistent(True)  # saved in checkpoints: a resumed run keeps its best
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
    def training_step(self, batch, batch_idx: int) -> torch.Tensor | None:
        if self.automatic_optimization:
            x, y = batch
            return self._training_loss(x, y)
        optimizer = self.optimizers()
        backward = loss_backward if self._plain_backward else self.manual_backward
        max_steps = self.trainer.max_steps
        for x, y in batch:  # one optimizer step per mini-batch of the group
            if 0 <= max_steps <= self.trainer.global_step:
                break  # max_steps counts optimizer steps, not calls
            loss = self._training_loss(x, y)
            optimizer.zero_grad()
            backward(loss)
            optimizer.step()  # Lightning's optimizer: counts the global step, runs its hooks
        return None

    def on_train_start(self) -> None:
        # Under plain 32-bit precision on one device, `manual_backward` only adds callback
        # hooks (~45 µs a step); grouped steps call autograd directly. Mixed precision needs
        # Lightning's loss scaling, so it keeps `manual_backward`.
        self._plain_backward = (
            type(self.trainer.precision_plugin) is Precision and self.trainer.world_size == 1
        )

    def _training_loss(self, x, y: torch.Tensor) -> torch.Tensor:
        loss = self.loss_fn(self.net(x), y)
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
            self.train_loss.reset()
        if not self.automatic_optimization:  # manual optimization: schedulers are ours to step
            scheduler = self.lr_schedulers()
            if scheduler is not None:
                scheduler.step()

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
