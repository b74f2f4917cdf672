"""Lightning's rich progress bar, counting mini-batches even when steps are grouped.

With `steps_per_call` > 1 one Lightning step trains several mini-batches; the stock bar
would count steps (16 for an MNIST epoch of 1,000 batches). This one counts what a learner
counts: mini-batches, the same number with or without grouping.
"""

from __future__ import annotations

from lightning.pytorch.callbacks import RichProgressBar

from minibatch.grouped_steps import GroupedLoader


class MiniBatchProgressBar(RichProgressBar):
    """A `RichProgressBar` whose training total and position are in mini-batches."""

    def _grouped_loader(self) -> GroupedLoader | None:
        loader = self.trainer.train_dataloader
        return loader if isinstance(loader, GroupedLoader) else None

    @property
    def total_train_batches(self) -> int | float:
        grouped = self._grouped_loader()
        return super().total_train_batches if grouped is None else grouped.num_batches

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        grouped = self._grouped_loader()
        if grouped is not None:  # mini-batches done so far, minus one (Lightning's indexing)
            batch_idx = min((batch_idx + 1) * grouped.group, grouped.num_batches) - 1
        super().on_train_batch_end(trainer, pl_module, outputs, batch, batch_idx)
