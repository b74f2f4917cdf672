"""How far into its epoch an in-memory loader got, kept in checkpoints: runs resume mid-epoch.

The epoch's order depends only on the seed and the epoch, so the epoch and the mini-batches
served say where it was; they are counted where batches leave the loader, past the workers.
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
