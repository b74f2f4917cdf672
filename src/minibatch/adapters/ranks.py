"""Which process of a distributed run this is, known before Lightning is imported.

DDP runs one copy of `train.py` per rank; lines meant for the user (the run directory)
are printed by rank 0 alone. The launchers say the rank in the environment: Lightning's
own (`LOCAL_RANK`, `NODE_RANK`), torchrun (`RANK`) and SLURM (`SLURM_PROCID`).
"""

from __future__ import annotations

import os

RANK_VARIABLES = ("RANK", "SLURM_PROCID", "LOCAL_RANK", "NODE_RANK")


def is_rank_zero() -> bool:
    """True in the process that speaks for the run: every rank variable unset or 0."""
    return all(int(os.environ.get(name, "0") or 0) == 0 for name in RANK_VARIABLES)
