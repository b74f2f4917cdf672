"""What a run waits for (a monitored metric, a test split) must exist before its first step.

Lightning would find out at the first validation, after training, or never; once it has set up
the module and the DataModule (`on_fit_start`) both can say, so the check is made there.
"""

from __future__ import annotations

import lightning as L

from minibatch.errors import UserError

NAMESPACES = ("train/", "val/", "test/")


def has_test_split(datamodule: object) -> bool:
    """Whether the (set-up) DataModule has a test split to evaluate on."""
    splits = getattr(datamodule, "splits", None)
    if splits is not None:
        return "test" in splits
    from lightning.pytorch.utilities.model_helpers import is_overridden

    return is_overridden("test_dataloader", datamodule)


class BeforeTraining(L.Callback):
    """Refuse, before training, a watched metric the module never logs or a missing test split."""

    def __init__(self, optimized_metric: str | None = None, test: bool = False) -> None:
        self.optimized_metric, self.test = optimized_metric, test

    def on_fit_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        datamodule = trainer.datamodule
        if self.test and datamodule is not None and not has_test_split(datamodule):
            raise UserError(
                f"test=true, but {type(datamodule).__name__} has no test split: leave test=true "
                "out (the validation metrics are printed anyway)."
            )
        names = getattr(pl_module, "logged_metric_names", None)
        if names is not None:
            check_watched(trainer, set(names()), self.optimized_metric)


def check_watched(trainer: L.Trainer, logged: set[str], optimized_metric: str | None) -> None:
    """Every callback's `monitor`, and the metric a sweeper optimises, is logged."""
    watched = [
        (type(callback).__name__, callback.monitor)
        for callback in trainer.callbacks
        if isinstance(getattr(callback, "monitor", None), str)
    ]
    if optimized_metric:
        watched.append(("optimized_metric", optimized_metric))
    for who, name in watched:
        if name.startswith(NAMESPACES) and name not in logged:
            raise UserError(
                f"{who} waits for {name!r}, which this run never logs: use one of "
                f"{', '.join(sorted(logged))}."
            )
