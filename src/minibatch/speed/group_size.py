"""How many mini-batches one Lightning training step takes, decided from the config alone.

`auto` groups `AUTO_GROUP` unless a trainer setting counts or acts per Lightning step; an
explicit K with such a setting is refused. Pure config, so it answers before Lightning loads.
"""

from __future__ import annotations

from omegaconf import DictConfig, OmegaConf

from minibatch.errors import UserError

# Groups of 64: Lightning's per-call cost then weighs under 1% of a call even for the
# notebooks' smallest steps, and an epoch of 50,000 / 50 batches still makes 16 calls.
AUTO_GROUP = 64


def grouping_blockers(trainer: DictConfig) -> list[str]:
    """The trainer settings that count or act per Lightning step, which grouping would change."""
    blockers = []
    if "ddp" in str(trainer.get("strategy", "")) or str(trainer.get("devices", 1)) != "1":
        blockers.append("DDP (several devices)")
    if trainer.get("num_nodes", 1) != 1:
        blockers.append("several nodes")
    if trainer.get("gradient_clip_val") or trainer.get("accumulate_grad_batches", 1) != 1:
        blockers.append("trainer.gradient_clip_val or trainer.accumulate_grad_batches")
    if trainer.get("limit_train_batches") not in (None, 1.0) or trainer.get("overfit_batches"):
        blockers.append("trainer.limit_train_batches or trainer.overfit_batches")
    if trainer.get("fast_dev_run") or trainer.get("val_check_interval") not in (None, 1.0):
        blockers.append("trainer.fast_dev_run or trainer.val_check_interval")
    return blockers


def group_size(cfg: DictConfig) -> int:
    """Mini-batches per Lightning step: the configured K, or for "auto" the fastest safe one."""
    steps = cfg.get("steps_per_call", 1)
    if steps == "auto":
        return 1 if grouping_blockers(cfg.trainer) else AUTO_GROUP
    return steps


def check_steps_per_call(cfg: DictConfig) -> None:
    """An explicit K > 1 that a trainer setting would change is refused in one sentence."""
    steps = cfg.get("steps_per_call", "auto")
    blockers = grouping_blockers(cfg.trainer) if steps != "auto" and steps > 1 else []
    if blockers:
        raise UserError(
            f"steps_per_call={steps} takes several optimizer steps in one Lightning step, "
            f"which {blockers[0]} counts or acts on: use steps_per_call=auto or 1."
        )


def register_group_size_resolver() -> None:
    """`${group_size:}`: the configured module's mini-batches per call; idempotent."""
    if not OmegaConf.has_resolver("group_size"):
        OmegaConf.register_new_resolver("group_size", lambda _root_: group_size(_root_))
