"""The batch size a training loader really serves, read from the loader itself.

A DataModule may ignore the configured `batch_size` (a user's config without
`batch_size: ${batch_size}`); names, HPARAMS and the console read this instead of the config.
"""

from __future__ import annotations


def loader_batch_size(loader: object) -> int | None:
    """Examples per training batch of `loader` (None when it does not say)."""
    loader = getattr(loader, "loader", loader)  # grouped steps wrap the DataModule's loader
    size = getattr(loader, "examples_per_batch", None)  # a stream of blocks of rows
    if isinstance(size, int):
        return size
    samplers = (getattr(loader, "batch_sampler", None), getattr(loader, "sampler", None))
    for source in (loader, *samplers):
        size = getattr(source, "batch_size", None)
        if isinstance(size, int) and not isinstance(size, bool):
            return size
    return None
