"""Where the configs are read from and where runs and data go.

In a checkout (`pip install -e .`, or `python train.py`), the configs are the repository's
`configs/` and runs land in its `logs/`, whatever folder you start from. After
`pip install .` the configs ship inside the package (see pyproject.toml) and runs land in
`logs/` under the current folder, like any command-line tool's output.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # src/minibatch
CHECKOUT_DIR = PACKAGE_DIR.parents[1]


def is_checkout() -> bool:
    """True when the package is imported from a clone of the template (src/ layout)."""
    return (CHECKOUT_DIR / "configs" / "train.yaml").is_file() and (
        CHECKOUT_DIR / "pyproject.toml"
    ).is_file()


def config_dir() -> Path:
    """The folder holding train.yaml and the config groups."""
    return CHECKOUT_DIR / "configs" if is_checkout() else PACKAGE_DIR / "configs"


def project_root() -> Path:
    """The folder that holds `logs/` and `data/`."""
    return CHECKOUT_DIR if is_checkout() else Path.cwd()


CONFIG_DIR = config_dir()
