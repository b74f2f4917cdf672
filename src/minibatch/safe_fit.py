"""`trainer.fit` with the run's safety nets: checkpoints read as data, divergence caught,
interruption saved (random state included: a resumed run continues exactly), and a run
that cannot train refused instead of exiting 0.

`train.py` calls `fit` instead of `trainer.fit`; everything else about the run is Lightning's.
"""

from __future__ import annotations

from pathlib import Path

import lightning as L
from lightning.pytorch.utilities.exceptions import SIGTERMException
from omegaconf import DictConfig

from minibatch.before_training import BeforeTraining
from minibatch.divergence import StopOnDivergence
from minibatch.errors import UserError
from minibatch.finished_run import RecordEarlyStop
from minibatch.interruption import SaveOnInterrupt
from minibatch.random_state import KeepRandomState
from minibatch.resume import checkpoint_to_resume
from minibatch.saved_config import current_choices


class RecordChoices(L.Callback):
    """Keep the run's config group options (data=csv, model=mlp...) in every checkpoint, as
    plain data: evaluation rebuilds the model from them (see saved_config.py)."""

    def __init__(self, choices: dict[str, str | None] | None) -> None:
        self.choices = choices

    def on_save_checkpoint(self, trainer, module, checkpoint: dict) -> None:
        if self.choices is not None:
            checkpoint["run_choices"] = dict(self.choices)


def fit(trainer: L.Trainer, model: L.LightningModule, datamodule, cfg: DictConfig) -> None:
    """Fit like `trainer.fit`, raising `UserError`/`Interrupted` for the run's known failures."""
    checkpoint = checkpoint_to_resume(cfg)
    interrupt = SaveOnInterrupt(Path(cfg.paths.output_dir) / "checkpoints")
    before = BeforeTraining(cfg.get("optimized_metric"), cfg.get("test", False))
    trainer.callbacks.extend([before, StopOnDivergence(), interrupt, KeepRandomState(),
                              RecordChoices(current_choices()), RecordEarlyStop()])  # fmt: skip
    try:
        with interrupt.handling_signals(trainer):
            trainer.fit(model, datamodule=datamodule, ckpt_path=checkpoint, weights_only=True)
    except (SIGTERMException, SystemExit, KeyboardInterrupt):
        if interrupt.interrupted is None:
            raise
        raise interrupt.interrupted from None
    except ValueError as error:  # Lightning checks some settings only against the data
        refused = [key for key in cfg.trainer if f"`{key}`" in str(error)]
        if trainer.global_step or not refused:
            raise
        reason = str(error).strip().split(". ")[0]  # Lightning's first sentence says why
        raise UserError(
            f"Lightning refused trainer.{refused[0]} for this data ({reason}): fix that setting."
        ) from error
    except RuntimeError as error:
        if "state_dict" not in str(error) and "size mismatch" not in str(error):
            raise
        raise UserError(
            f"{checkpoint} does not fit this data and model ({str(error).splitlines()[0][:100]}"
            "): resume with the same data=, model= and options as the run that wrote it."
        ) from None
    if interrupt.interrupted is not None:  # a signal during validation or teardown
        raise interrupt.interrupted
    if trainer.num_training_batches == 0:
        raise UserError(
            "the training split gives no batch, so nothing was trained: check the data's size, "
            "trainer.limit_train_batches and data.drop_last with a batch_size larger than "
            "the training set."
        )
