"""Put the whole run config in TensorBoard's HPARAMS tab, next to the metrics it produced.

Lightning's `log_hyperparams(params, metrics)` writes the given metric values as scalars at
step 0, which would put a fake point at the start of every `val/loss` curve. Here only the
hparams summary is written, naming the metrics; TensorBoard then shows, for each run, the
last value of those scalars as the training logged them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lightning.pytorch.loggers import Logger, TensorBoardLogger
from lightning.pytorch.utilities import rank_zero_only
from torch.utils.tensorboard.summary import hparams


def flatten(config: Mapping, prefix: str = "") -> dict[str, object]:
    """{"a": {"b": 1}} -> {"a/b": 1}, with values TensorBoard can show (numbers, text, bools)."""
    flat: dict[str, object] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, prefix=f"{name}/"))
        elif isinstance(value, bool | int | float | str):
            flat[name] = value
        else:
            flat[name] = str(value)
    return flat


@rank_zero_only
def log_hparams(loggers: Iterable[Logger], config: Mapping, metric_names: Iterable[str]) -> None:
    """Write the hparams summary (config + metric names) to every TensorBoard logger."""
    params = flatten(config)
    metrics = {name: 0.0 for name in metric_names}
    for logger in loggers:
        if isinstance(logger, TensorBoardLogger):
            writer = logger.experiment._get_file_writer()
            for summary in hparams(params, metrics):
                writer.add_summary(summary)
