"""Run directories that never collide: `logs/<task>/runs/<timestamp>_<name>_<unique id>/`.

Hydra's timestamp alone gives two runs started in the same second (a parallel sweep's jobs)
one folder; `${run_id:}` adds a random id, cached so every lookup in one run sees the same.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from omegaconf import OmegaConf


def new_run_id() -> str:
    """Six hex digits: 16.7 million values, enough for runs started in the same second."""
    return secrets.token_hex(3)


def register_resolvers(project_root: Path) -> None:
    """Make `${run_id:}`, `${resume_dir:...}`, `${config_subdir:...}`, `${project_root:}`
    available; idempotent."""
    if not OmegaConf.has_resolver("run_id"):
        OmegaConf.register_new_resolver("run_id", new_run_id, use_cache=True)
    if not OmegaConf.has_resolver("resume_dir"):
        from minibatch.runs.resume import config_subdir, resume_dir

        OmegaConf.register_new_resolver("resume_dir", resume_dir)
        OmegaConf.register_new_resolver("config_subdir", config_subdir)
    if not OmegaConf.has_resolver("project_root"):
        OmegaConf.register_new_resolver("project_root", lambda: str(project_root))
