"""The private attributes of Lightning and Hydra the template uses, each behind one function.

Each function says why no public API fits; tests/core/test_private_api.py pins what each
does and that no other module reaches a library object's `._name`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported by the checks that answer before Lightning is loaded
    import lightning as L


def count_optimizer_step(optimizer: Any, step: Any) -> None:
    """Run `step()` (the torch optimizer's own step) counted as Lightning counts a manual step.

    `LightningOptimizer.step` counts too, but runs precision and strategy hooks per call;
    grouped steps on one plain device skip them while nobody listens, and still advance
    `global_step` through the counting hooks Lightning's manual loop installs.
    """
    optimizer._on_before_step()
    step()
    optimizer._on_after_step()


def request_stop(trainer: L.Trainer, stop: bool) -> None:
    """Set (or clear) the flag Lightning's SIGTERM handler sets: the fit stops at its next check.

    `trainer.received_sigterm` is read-only; Ctrl-C and a cluster's preemption signal must stop
    the same way SIGTERM does, and a signal during a validation must wait for its end.
    """
    trainer._signal_connector.received_sigterm = stop


def learning_rates(monitor: Any, trainer: L.Trainer) -> dict[str, float]:
    """The learning rates a `LearningRateMonitor` would log for an epoch, named as it names them.

    Lightning logs them against its step; the template logs them against the epoch, and the
    monitor's naming of several optimizers and parameter groups has no public entry.
    """
    return monitor._extract_stats(trainer, "epoch")


def refresh_bar_metrics(bar: Any, trainer: L.Trainer, module: L.LightningModule) -> None:
    """Redraw a `RichProgressBar`'s metrics column from the latest logged values.

    The bar reads metrics at batch ends only, so an epoch's `train/loss`, logged at its end,
    would show one epoch late on the last line.
    """
    bar._update_metrics(trainer, module)


def hydra_args_parser() -> Any:
    """The argument parser `hydra.main` reads the command line with (flags apart from
    overrides), so that exactly the overrides Hydra would refuse are refused first."""
    from hydra._internal.utils import get_args_parser

    return get_args_parser()


def replace_ddp_rank_command(command: Any) -> None:
    """Make Lightning start DDP ranks 1, 2... with `command(local_rank) -> (argv, cwd)`.

    Lightning builds the command of a Hydra app's extra ranks in one module-level function and
    offers no hook: inside a sweep its command would relaunch the whole sweep per rank.
    """
    from lightning.fabric.strategies.launchers import subprocess_script as fabric_launcher
    from lightning.pytorch.strategies.launchers import subprocess_script as trainer_launcher

    fabric_launcher._hydra_subprocess_cmd = command
    trainer_launcher._hydra_subprocess_cmd = command


def is_compiled(module: Any) -> bool:
    """Whether `nn.Module.compile` was called on the module (torch keeps no public flag)."""
    return getattr(module, "_compiled_call_impl", None) is not None
