"""Seed 002's MNIST: 50,000 train / 10,000 valid / 10,000 test images of 784 pixels in [0, 1).

From the notebook's pickle or the IDX files, each checked against a sha256 pinned here before
it is unpickled or parsed, then converted once into a memory-mapped tensor file.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
from functools import cached_property
from pathlib import Path

import numpy as np
import torch

from minibatch.checks.config_checks import POSITIVE_INT, check_value
from minibatch.data.in_memory.datamodule import InMemoryDataModule
from minibatch.data.in_memory.tensor_dataset import TensorPairDataset
from minibatch.errors import UserError
from minibatch.examples.data.download import check_https, download, save_file

MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]
# The sha256 of each IDX file's uncompressed content, derived from the sha256-checked pickle
# (its pixels are the IDX bytes / 256, its splits the IDX files in order). Their md5s are the
# published md5s of the uncompressed files (6bbc9ace..., a25bea73..., 2646ac64..., 27ae3e4e...),
# which ties the derivation to the originals; the published md5s of the .gz files say nothing
# about the content, and md5 is no defence against a crafted file.
IDX_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")  # fmt: skip
IDX_SHA256 = dict(zip(IDX_FILES, (
    "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
), strict=True))  # fmt: skip
PICKLE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
Splits = dict[str, tuple[torch.Tensor, torch.Tensor]]


def read_idx(path: Path, sha256: str) -> np.ndarray:
    """A gzipped IDX file, once its content has `sha256`: images as uint8 (N, rows * cols),
    labels as uint8 (N,)."""
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as error:
        raise UserError(f"{path} is not a gzipped IDX file ({error}): delete it.") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise UserError(
            f"{path} holds content of sha256 {actual}, not MNIST's ({sha256}): delete it and "
            "it is downloaded again."
        )
    magic = int.from_bytes(data[:4], "big")
    count = int.from_bytes(data[4:8], "big")
    if magic == LABELS_MAGIC:
        return np.frombuffer(data, dtype=np.uint8, count=count, offset=8).copy()
    if magic == IMAGES_MAGIC:
        rows, cols = int.from_bytes(data[8:12], "big"), int.from_bytes(data[12:16], "big")
        pixels = np.frombuffer(data, dtype=np.uint8, count=count * rows * cols, offset=16)
        return pixels.reshape(count, rows * cols).copy()
    raise UserError(f"{path} is not an MNIST IDX file (magic number {magic}): delete it.")


def verified_pickle_bytes(path: Path) -> bytes:
    """The file's bytes, once their sha256 is the known mnist.pkl.gz's (unpickling runs code)."""
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != PICKLE_SHA256:
        raise UserError(
            f"{path} has sha256 {actual}, not the known mnist.pkl.gz ({PICKLE_SHA256}); "
            "refusing to unpickle it: replace the file."
        )
    return data


def as_bytes_if_exact(pixels: np.ndarray) -> torch.Tensor:
    """Pixels as the uint8 bytes they were made from when `pixels` is bytes / 256, else as-is."""
    pixels = torch.as_tensor(np.asarray(pixels))
    if pixels.dtype == torch.uint8:
        return pixels
    scaled = pixels * 256
    exact = bool((scaled == scaled.round()).all()) and 0 <= float(scaled.min())
    return scaled.to(torch.uint8) if exact and float(scaled.max()) <= 255 else pixels.float()


def as_tensors(images: torch.Tensor, labels: torch.Tensor) -> TensorPairDataset:
    """uint8 or float pixels and integer labels -> float32 in [0, 1) and int64."""
    pixels = images.float() / 256.0 if images.dtype == torch.uint8 else images.float()
    return TensorPairDataset(pixels, torch.as_tensor(labels).long())


def save_splits(path: Path, splits: Splits) -> None:
    buffer = io.BytesIO()
    torch.save({name: {"images": x, "labels": y} for name, (x, y) in splits.items()}, buffer)
    save_file(path, buffer.getvalue())


def load_splits(path: Path) -> Splits:
    """The converted splits (tensors only: `weights_only`, memory-mapped)."""
    saved = torch.load(path, weights_only=True, mmap=True)
    return {name: (split["images"], split["labels"]) for name, split in saved.items()}


class MnistDataModule(InMemoryDataModule):
    """MNIST digits for the seed's 784-50-10 MLP: a 10-class classification."""

    task = "multiclass"
    num_classes = 10

    def __init__(
        self,
        data_dir: str = "data",
        path: str | None = None,
        mirrors: list[str] | None = None,
        valid_size: int = 10_000,
        **loader_options,
    ) -> None:
        super().__init__(**loader_options)
        check_value("data.valid_size", valid_size, POSITIVE_INT)
        self.data_dir, self.path = Path(data_dir), Path(path) if path else None
        self.mirrors = list(mirrors or MIRRORS)
        for mirror in self.mirrors:
            check_https(mirror)
        self.valid_size = valid_size

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
        """Verify the source (downloading missing IDX files) and convert it once to tensors."""
        if not self.converted_file.is_file():
            save_splits(self.converted_file, self.read_source())

    def build_splits(self) -> dict[str, TensorPairDataset]:
        if not self.converted_file.is_file():  # a node whose prepare_data did not run
            self.prepare_data()
        return {name: as_tensors(x, y) for name, (x, y) in load_splits(self.converted_file).items()}

    @cached_property
    def converted_file(self) -> Path:
        """Where the source's splits are kept as tensors, named by the source's own hash.

        Found once per DataModule: prepare_data and build_splits (run one after the other
        in one process) then read and hash the source once, not twice.
        """
        pickle_path = self.pickle_file()
        if pickle_path is not None:
            verified_pickle_bytes(pickle_path)
            return self.idx_dir / f"splits-{PICKLE_SHA256[:16]}.pt"
        self.download_missing_files()
        digest = hashlib.sha256(str(self.valid_size).encode())
        for name in IDX_FILES:
            digest.update((self.idx_dir / name).read_bytes())
        return self.idx_dir / f"splits-{digest.hexdigest()[:16]}.pt"

    def download_missing_files(self) -> None:
        for name in IDX_FILES:
            target = self.idx_dir / name
            if target.is_file():
                continue  # checked when it is read
            try:
                urls = [mirror + name for mirror in self.mirrors]
                download(urls, target, IDX_SHA256[name], content=gzip.decompress)
            except UserError as error:
                raise UserError(self.where_to_put_mnist(error)) from None

    def where_to_put_mnist(self, error: UserError) -> str:
        """What to do without internet: the one sentence a download failure becomes."""
        return (
            f"MNIST is not on this machine and could not be downloaded ({error}); put "
            f"mnist.pkl.gz (sha256 {PICKLE_SHA256}) in {self.data_dir}/ or give it with "
            f"data.path=, or put the four IDX files ({', '.join(IDX_FILES)}) in "
            f"{self.idx_dir}/."
        )

    def read_source(self) -> Splits:
        """The splits read from the verified pickle or IDX files, pixels as bytes."""
        pickle_path = self.pickle_file()
        if pickle_path is not None:
            # The bytes that are unpickled are the bytes whose sha256 was just checked.
            data = gzip.decompress(verified_pickle_bytes(pickle_path))
            splits = pickle.loads(data, encoding="latin-1")
            return {
                name: (as_bytes_if_exact(x), torch.as_tensor(y))
                for name, (x, y) in zip(("train", "valid", "test"), splits, strict=True)
            }
        images, labels = (self.read_idx(f"train-{kind}") for kind in
                          ("images-idx3-ubyte.gz", "labels-idx1-ubyte.gz"))  # fmt: skip
        if self.valid_size >= len(labels):
            raise UserError(f"data.valid_size={self.valid_size} leaves no training images.")
        cut = len(labels) - self.valid_size
        test = (self.read_idx(f"t10k-{kind}") for kind in
                ("images-idx3-ubyte.gz", "labels-idx1-ubyte.gz"))  # fmt: skip
        as_pair = lambda x, y: (torch.as_tensor(x), torch.as_tensor(y))  # noqa: E731
        return {
            "train": as_pair(images[:cut], labels[:cut]),
            "valid": as_pair(images[cut:], labels[cut:]),
            "test": as_pair(*test),
        }

    def read_idx(self, name: str) -> np.ndarray:
        return read_idx(self.idx_dir / name, IDX_SHA256[name])
