"""Seed 002's MNIST: 50,000 train / 10,000 valid / 10,000 test images of 784 pixels in [0, 1).

Where the data comes from, in order:
1. `data.path=.../mnist.pkl.gz`, or `<data_dir>/mnist.pkl.gz` when it exists: the classic
   pickle the notebook loads. Its sha256 is checked before it is unpickled (unpickling
   runs code, so an unverified pickle is never opened).
2. Otherwise the four IDX files in `<data_dir>/mnist/`, downloaded when missing from the
   mirrors torchvision uses, each checked against its published md5 before it is parsed.
   The 60,000 training images are split in order: the first 50,000 train, the last 10,000
   validate (the same split as the pickle, deterministic).
Pixels are bytes / 256, as in the pickle.
"""

from __future__ import annotations

import gzip
import hashlib
import pickle
from pathlib import Path

import numpy as np
import torch

from minibatch.config_checks import check_positive_int
from minibatch.errors import UserError
from minibatch.examples.data.download import download, file_digest
from minibatch.in_memory.datamodule import InMemoryDataModule
from minibatch.in_memory.tensor_dataset import TensorPairDataset

MIRRORS = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
IDX_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
PICKLE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzipped): images as uint8 (N, rows * cols), labels as uint8 (N,)."""
    data = gzip.decompress(path.read_bytes())
    magic = int.from_bytes(data[:4], "big")
    count = int.from_bytes(data[4:8], "big")
    if magic == LABELS_MAGIC:
        return np.frombuffer(data, dtype=np.uint8, count=count, offset=8).copy()
    if magic == IMAGES_MAGIC:
        rows, cols = int.from_bytes(data[8:12], "big"), int.from_bytes(data[12:16], "big")
        pixels = np.frombuffer(data, dtype=np.uint8, count=count * rows * cols, offset=16)
        return pixels.reshape(count, rows * cols).copy()
    raise UserError(f"{path} is not an MNIST IDX file (magic number {magic}): delete it.")


def verified_pickle_bytes(path: Path, sha256: str = PICKLE_SHA256) -> bytes:
    """The file's bytes, once their sha256 is the known mnist.pkl.gz's (unpickling runs code)."""
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise UserError(
            f"{path} has sha256 {actual}, not the known mnist.pkl.gz ({sha256}); refusing to "
            "unpickle it: replace the file."
        )
    return data


def as_tensors(images: np.ndarray, labels: np.ndarray) -> TensorPairDataset:
    """uint8 or float pixels and integer labels -> float32 in [0, 1) and int64."""
    pixels = torch.as_tensor(np.asarray(images))
    if pixels.dtype == torch.uint8:
        pixels = pixels.float() / 256.0
    return TensorPairDataset(pixels.float(), torch.as_tensor(np.asarray(labels)).long())


class MnistDataModule(InMemoryDataModule):
    """MNIST digits for the seed's 784-50-10 MLP: a 10-class classification."""

    task = "multiclass"
    num_classes = 10

    def __init__(
        self,
        data_dir: str = "data",
        path: str | None = None,
        mirrors: list[str] | None = None,
        idx_md5: dict[str, str] | None = None,
        pickle_sha256: str = PICKLE_SHA256,
        valid_size: int = 10_000,
        **loader_options,
    ) -> None:
        super().__init__(**loader_options)
        check_positive_int("data.valid_size", valid_size)
        self.data_dir, self.path = Path(data_dir), Path(path) if path else None
        self.mirrors = list(mirrors or MIRRORS)
        self.idx_md5 = dict(idx_md5 or IDX_MD5)
        self.pickle_sha256, self.valid_size = pickle_sha256, valid_size

    @property
    def idx_dir(self) -> Path:
        return self.data_dir / "mnist"

    def pickle_file(self) -> Path | None:
        """The pickle to load, if one was given or sits in `data_dir`."""
        if self.path is not None:
            if not self.path.is_file():
                raise UserError(
                    f"data.path={self.path} does not exist: give the mnist.pkl.gz file."
                )
            return self.path
        default = self.data_dir / "mnist.pkl.gz"
        return default if default.is_file() else None

    def prepare_data(self) -> None:
        """Verify the pickle, or download and verify whichever IDX file is missing."""
        pickle_path = self.pickle_file()
        if pickle_path is not None:
            verified_pickle_bytes(pickle_path, self.pickle_sha256)
            return
        for name, md5 in self.idx_md5.items():
            target = self.idx_dir / name
            if not (target.is_file() and file_digest(target, "md5") == md5):
                try:
                    download([mirror + name for mirror in self.mirrors], target, md5, "md5")
                except UserError as error:
                    raise UserError(self.where_to_put_mnist(error)) from None

    def where_to_put_mnist(self, error: UserError) -> str:
        """What to do without internet: the one sentence a download failure becomes."""
        return (
            f"MNIST is not on this machine and could not be downloaded ({error}); put "
            f"mnist.pkl.gz (sha256 {self.pickle_sha256}) in {self.data_dir}/ or give it with "
            f"data.path=, or put the four IDX files ({', '.join(self.idx_md5)}) in "
            f"{self.idx_dir}/."
        )

    def build_splits(self) -> dict[str, TensorPairDataset]:
        pickle_path = self.pickle_file()
        if pickle_path is not None:
            # The bytes that are unpickled are the bytes whose sha256 was just checked.
            data = gzip.decompress(verified_pickle_bytes(pickle_path, self.pickle_sha256))
            train, valid, test = pickle.loads(data, encoding="latin-1")
            return {
                "train": as_tensors(*train),
                "valid": as_tensors(*valid),
                "test": as_tensors(*test),
            }
        images, labels = (read_idx(self.idx_dir / f"train-{kind}") for kind in
                          ("images-idx3-ubyte.gz", "labels-idx1-ubyte.gz"))  # fmt: skip
        if self.valid_size >= len(labels):
            raise UserError(f"data.valid_size={self.valid_size} leaves no training images.")
        cut = len(labels) - self.valid_size
        return {
            "train": as_tensors(images[:cut], labels[:cut]),
            "valid": as_tensors(images[cut:], labels[cut:]),
            "test": as_tensors(
                read_idx(self.idx_dir / "t10k-images-idx3-ubyte.gz"),
                read_idx(self.idx_dir / "t10k-labels-idx1-ubyte.gz"),
            ),
        }
