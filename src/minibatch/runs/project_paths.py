"""Where the configs are read from and where runs and data go.

In a checkout, the repository's `configs/` and `logs/` whatever the current folder; once
installed, the packaged configs and `logs/` under the current folder, like any tool's output.
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
