"""Settings from `.env` at the project root: tracker keys and paths kept out of the configs.

`.env` (git-ignored; see `.env.example`) is read before Hydra composes the config (which
reads `${oc.env:...}`); the shell's variables and the command line win over it.
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
