"""Settings from `.env` at the project root: tracker keys and paths kept out of the configs.

Read before Hydra composes (the configs use `${oc.env:...}`); it never wins over the shell,
and the command line wins over both. `.env.example` lists what it may set.
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
