"""MNIST: the IDX download path (local server), the pickle path, and the real data."""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from minibatch.errors import UserError
from minibatch.examples.data.mnist import PICKLE_SHA256, MnistDataModule
from tests.conftest import REPO_ROOT
from tests.examples.fake_data import fake_mnist_files, md5s
from tests.examples.local_server import Route

REAL_PICKLE = REPO_ROOT / "data" / "mnist.pkl.gz"


def serve(local_server, files: dict[str, bytes], prefix: str = "/mnist/") -> list[str]:
    for name, data in files.items():
        local_server.routes[prefix + name] = Route(data)
    return [local_server.url + prefix]


def test_download_parse_and_split(local_server, tmp_path):
    files = fake_mnist_files(n_train=120, n_test=30)
    mirrors = serve(local_server, files)
    datamodule = MnistDataModule(
        data_dir=str(tmp_path), mirrors=mirrors, idx_md5=md5s(files), valid_size=20, batch_size=50
    )
    datamodule.prepare_data()
    assert sorted(p.name for p in (tmp_path / "mnist").iterdir()) == sorted(files)
    datamodule.setup("fit")
    train, valid, test = (datamodule.splits[k] for k in ("train", "valid", "test"))
    assert (len(train), len(valid), len(test)) == (100, 20, 30)
    assert train.features.shape == (100, 784) and train.features.dtype == torch.float32
    assert train.targets.dtype == torch.int64 and set(train.targets.tolist()) == set(range(10))
    assert 0 <= train.features.min() and train.features.max() < 1
    images = np.frombuffer(gzip.decompress(files["train-images-idx3-ubyte.gz"])[16:], np.uint8)
    assert torch.equal(
        valid.features[0], torch.tensor(images.reshape(120, 784)[100] / 256.0).float()
    )
    x, y = next(iter(datamodule.train_dataloader()))
    assert x.shape == (50, 784) and y.shape == (50,)


def test_files_already_there_are_not_downloaded_again(local_server, tmp_path):
    files = fake_mnist_files()
    mirrors = serve(local_server, files)
    options = dict(data_dir=str(tmp_path), mirrors=mirrors, idx_md5=md5s(files), valid_size=20)
    MnistDataModule(**options).prepare_data()
    count = len(local_server.requests)
    MnistDataModule(**options).prepare_data()
    assert len(local_server.requests) == count == 4


def test_a_corrupt_mirror_file_is_refused_and_the_next_mirror_used(local_server, tmp_path):
    files = fake_mnist_files()
    bad = {name: data[:-10] + b"0123456789" for name, data in files.items()}
    mirrors = serve(local_server, bad, "/bad/") + serve(local_server, files, "/good/")
    datamodule = MnistDataModule(
        data_dir=str(tmp_path), mirrors=mirrors, idx_md5=md5s(files), valid_size=20
    )
    datamodule.prepare_data()
    assert all((tmp_path / "mnist" / n).read_bytes() == d for n, d in files.items())


def test_offline_without_files_says_what_to_do(tmp_path):
    datamodule = MnistDataModule(data_dir=str(tmp_path), mirrors=["http://127.0.0.1:9/"])
    with pytest.raises(UserError, match="could not download train-images-idx3-ubyte.gz") as error:
        datamodule.prepare_data()
    message = str(error.value)
    assert f"put mnist.pkl.gz (sha256 {PICKLE_SHA256}) in {tmp_path}/" in message
    assert "four IDX files (train-images-idx3-ubyte.gz" in message
    assert f"{tmp_path}/mnist/" in message
    assert not (tmp_path / "mnist").exists() or not any((tmp_path / "mnist").iterdir())


def write_pickle(path: Path) -> None:
    rng = np.random.default_rng(0)
    split = lambda n: (rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n))  # noqa: E731
    with gzip.open(path, "wb") as file:
        pickle.dump((split(60), split(20), split(10)), file)


def test_pickle_is_loaded_only_with_the_expected_sha256(tmp_path):
    path = tmp_path / "mine.pkl.gz"
    write_pickle(path)
    with pytest.raises(UserError, match="refusing to unpickle"):
        MnistDataModule(path=str(path)).prepare_data()
    from minibatch.examples.data.download import file_digest

    datamodule = MnistDataModule(path=str(path), pickle_sha256=file_digest(path, "sha256"))
    datamodule.prepare_data()
    datamodule.setup()
    assert [len(datamodule.splits[k]) for k in ("train", "valid", "test")] == [60, 20, 10]


def test_missing_pickle_path_is_a_clear_error(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        MnistDataModule(path=str(tmp_path / "nope.pkl.gz")).prepare_data()


@pytest.mark.skipif(not REAL_PICKLE.is_file(), reason=f"real MNIST not in {REAL_PICKLE}")
def test_real_mnist_pickle_matches_the_notebook():
    datamodule = MnistDataModule(data_dir=str(REAL_PICKLE.parent), batch_size=50)
    datamodule.prepare_data()
    datamodule.setup()
    train, valid, test = (datamodule.splits[k] for k in ("train", "valid", "test"))
    assert (len(train), len(valid), len(test)) == (50_000, 10_000, 10_000)
    assert train.targets[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert train.features.shape == (50_000, 784) and float(train.features.max()) < 1
    sizes = [len(y) for _, y in datamodule.train_dataloader()]
    assert len(sizes) == 1000 and set(sizes) == {50}
