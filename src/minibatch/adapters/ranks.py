"""Which process of a distributed run this is, read from the launchers' environment variables.

Lightning's own reader of them (`_get_rank`) is private and needs Lightning imported, which
takes seconds: the run folder and the console lines are decided before that, by rank 0 alone.
"""

from __future__ import annotations

import os

RANK_VARIABLES = ("RANK", "SLURM_PROCID", "LOCAL_RANK", "NODE_RANK")


def is_rank_zero() -> bool:
    """True in the process that speaks for the run: every rank variable unset or 0."""
    return all(int(os.environ.get(name, "0") or 0) == 0 for name in RANK_VARIABLES)
