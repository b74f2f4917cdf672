"""The real MNIST on this machine, if any: the notebook's pickle in data/, or the four IDX
files the template downloads into data/mnist/ (the same images: test_mnist.py)."""

from __future__ import annotations

import pytest

from minibatch.examples.data.mnist import IDX_FILES
from tests.conftest import REPO_ROOT

DATA = REPO_ROOT / "data"
PICKLE = DATA / "mnist.pkl.gz"
FETCH = ("python -m minibatch.examples.data.fetch_mnist (https, each file sha256-checked), "
         "or put the notebook's mnist.pkl.gz in data/")  # fmt: skip


def real_mnist_here() -> bool:
    return PICKLE.is_file() or all((DATA / "mnist" / name).is_file() for name in IDX_FILES)


def need_real_mnist() -> None:
    """A skip (a failure under CI) that says how to fetch it, when it is not here."""
    if not real_mnist_here():
        pytest.skip(f"needs the real MNIST in {DATA}/: {FETCH}")
