"""Settings from `.env` at the project root: tracker keys and paths kept out of the configs.

A `.env` (git-ignored; `.env.example` lists what it may set) is read into the environment
before Hydra composes the config, which reads the variables through `${oc.env:...}`. It
never wins: a variable already set in the shell stays, and the command line wins over both.
"""

from __future__ import annotations

from pathlib import Path

from dotenv import load_dotenv

from minibatch.runs.project_paths import project_root

ENV_FILE = ".env"


def read_env_file(root: Path | None = None) -> Path | None:
    """Load `<root>/.env` (the project root by default) without overriding any variable
    already set; the file read, or None when there is none."""
    path = (root or project_root()) / ENV_FILE
    if not path.is_file():
        return None
    load_dotenv(path, override=False)
    return path
