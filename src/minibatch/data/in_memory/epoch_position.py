"""How far into its epoch an in-memory loader got, kept in checkpoints: runs resume mid-epoch.

Lightning saves the `state_dict()` of every training loader that also has `load_state_dict`
(its `_Stateful` protocol) in each checkpoint, and hands it back to the resumed run's loader
before the first batch is drawn. The order of an in-memory epoch depends only on the seed and
the epoch (batch_sampler.py), so two numbers say where a loader is: the epoch and the
mini-batches it has served. The resumed loader starts its sampler at that mini-batch: the
rest of the epoch comes in the order it would have had, nothing is fetched twice, and the
weights end as those of a run that never stopped.

The count is taken where batches leave the loader, not in the sampler: with worker processes
the sampler runs ahead of training by the batches the workers prefetch.
"""

from __future__ import annotations

from collections.abc import Iterator

from torch.utils.data import DataLoader


class ResumableEpoch:
    """Mixin for a loader whose `sampler` has `epoch`, `set_epoch` and `start_at`."""

    _served = 0  # mini-batches served in the current pass over the epoch
    _resume_at = 0  # where the next pass starts (a restored position)

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.sampler.epoch, "served": self._served}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.sampler.set_epoch(state["epoch"])
        self._resume_at = state["served"]

    def _begin_pass(self) -> None:
        """Start the pass over the epoch at the restored position (if any); count from it."""
        self.sampler.start_at(self._resume_at)
        self._served, self._resume_at = self._resume_at, 0


class ResumableDataLoader(ResumableEpoch, DataLoader):
    """A `DataLoader` (workers, pinned memory, per-item batches) that resumes mid-epoch.

    Give it a `generator`: the seed of each epoch's workers is then drawn from it, not from
    torch's global generator, which would shift the dropout masks of a resumed run.
    """

    def __iter__(self) -> Iterator:
        self._begin_pass()
        for batch in super().__iter__():
            self._served += 1
            yield batch
