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
from minibatch.checkpoint_file import load_checkpoint
from minibatch.divergence import StopOnDivergence
from minibatch.errors import UserError
from minibatch.finished_run import RecordEarlyStop, refuse_finished
from minibatch.interruption import SaveOnInterrupt
from minibatch.random_state import KeepRandomState
from minibatch.resume import resolve_checkpoint
from minibatch.saved_config import current_overrides


class RecordOverrides(L.Callback):
    """Keep the run's command-line overrides in every checkpoint (see saved_config.py)."""

    def __init__(self, overrides: list[str] | None) -> None:
        self.overrides = overrides

    def on_save_checkpoint(self, trainer, module, checkpoint: dict) -> None:
        if self.overrides is not None:
            checkpoint["run_overrides"] = list(self.overrides)


def checkpoint_to_resume(cfg: DictConfig) -> Path | None:
    """`cfg.ckpt_path` as a file checked to be a readable checkpoint of this template, one
    that continues exactly (see resume.py), with training left to do."""
    runs_dir = Path(cfg.paths.log_dir) / cfg.task_name / "runs"
    checkpoint = resolve_checkpoint(cfg.get("ckpt_path"), runs_dir)
    if checkpoint is None:
        return None
    saved = load_checkpoint(checkpoint)
    if saved.get("resumes_exactly") is False:
        boundary = checkpoint.parent / "last.ckpt"
        raise UserError(
            f"{checkpoint} was saved in the middle of an epoch, and this data's training "
            "loader cannot resume there (it has no state_dict): resume from the end of the "
            f"last finished epoch, ckpt_path={boundary}, or evaluate this one."
        )
    refuse_finished(checkpoint, saved, cfg)
    return checkpoint


def fit(trainer: L.Trainer, model: L.LightningModule, datamodule, cfg: DictConfig) -> None:
    """Fit like `trainer.fit`, raising `UserError`/`Interrupted` for the run's known failures."""
    checkpoint = checkpoint_to_resume(cfg)
    interrupt = SaveOnInterrupt(Path(cfg.paths.output_dir) / "checkpoints")
    before = BeforeTraining(cfg.get("optimized_metric"), cfg.get("test", False))
    trainer.callbacks.extend([before, StopOnDivergence(), interrupt, KeepRandomState(),
                              RecordOverrides(current_overrides()), RecordEarlyStop()])  # fmt: skip
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
