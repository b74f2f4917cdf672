"""MNIST: the IDX download path (local HTTPS server), the pickle path, and the real data.

The sha256s are constants of mnist.py, never options: a test of small generated files pins
their sums with `monkeypatch` (in this process only), as a new MNIST release would in code.
"""

from __future__ import annotations

import gzip
import hashlib
import inspect
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from minibatch.errors import UserError
from minibatch.examples.data import mnist
from minibatch.examples.data.fetch_mnist import main as fetch_mnist
from minibatch.examples.data.mnist import IDX_SHA256, MIRRORS, PICKLE_SHA256, MnistDataModule
from tests import needs
from tests.conftest import REPO_ROOT
from tests.examples.fake_data import content_sha256s, fake_mnist_files, idx_bytes, write_files
from tests.examples.local_server import Route
from tests.examples.real_mnist import PICKLE, need_real_mnist


def serve(local_server, files: dict[str, bytes], prefix: str = "/mnist/") -> list[str]:
    for name, data in files.items():
        local_server.routes[prefix + name] = Route(data)
    return [local_server.url + prefix]


def pin(monkeypatch, files: dict[str, bytes]) -> None:
    """These generated files' sums as the pinned ones, for this test only."""
    monkeypatch.setattr(mnist, "IDX_SHA256", content_sha256s(files))


def test_download_parse_and_split(local_server, monkeypatch, tmp_path):
    files = fake_mnist_files(n_train=120, n_test=30)
    mirrors = serve(local_server, files)
    pin(monkeypatch, files)
    datamodule = MnistDataModule(data_dir=str(tmp_path), mirrors=mirrors, valid_size=20,
                                 batch_size=50)  # fmt: skip
    datamodule.prepare_data()
    saved = sorted(p.name for p in (tmp_path / "mnist").iterdir() if p.name in files)
    assert saved == sorted(files)
    assert len(list((tmp_path / "mnist").glob("splits-*.pt"))) == 1, "and one conversion"
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


def test_files_already_there_are_not_downloaded_again(local_server, monkeypatch, tmp_path):
    files = fake_mnist_files()
    mirrors = serve(local_server, files)
    pin(monkeypatch, files)
    options = dict(data_dir=str(tmp_path), mirrors=mirrors, valid_size=20)
    MnistDataModule(**options).prepare_data()
    count = len(local_server.requests)
    MnistDataModule(**options).prepare_data()
    assert len(local_server.requests) == count == 4


def test_a_corrupt_mirror_file_is_refused_and_the_next_mirror_used(
    local_server, monkeypatch, tmp_path
):
    files = fake_mnist_files()
    bad = {name: data[:-10] + b"0123456789" for name, data in files.items()}
    mirrors = serve(local_server, bad, "/bad/") + serve(local_server, files, "/good/")
    pin(monkeypatch, files)
    datamodule = MnistDataModule(data_dir=str(tmp_path), mirrors=mirrors, valid_size=20)
    datamodule.prepare_data()
    assert all((tmp_path / "mnist" / n).read_bytes() == d for n, d in files.items())


def test_a_local_file_with_other_content_is_refused_before_it_is_parsed(monkeypatch, tmp_path):
    files = fake_mnist_files()
    write_files(tmp_path / "mnist", {**files, "t10k-labels-idx1-ubyte.gz": idx_bytes(np.ones(30))})
    pin(monkeypatch, files)
    datamodule = MnistDataModule(data_dir=str(tmp_path), valid_size=20)
    with pytest.raises(UserError, match=r"t10k-labels-idx1-ubyte.gz holds content of sha256 .*"
                       r"delete it and it is downloaded again"):  # fmt: skip
        datamodule.prepare_data()
    assert not list((tmp_path / "mnist").glob("splits-*")), "nothing converted"


def test_the_conversion_is_reused_and_follows_the_source(local_server, monkeypatch, tmp_path):
    files = fake_mnist_files()
    pin(monkeypatch, files)
    options = dict(data_dir=str(tmp_path), mirrors=serve(local_server, files), batch_size=50)
    first = MnistDataModule(valid_size=20, **options)
    first.prepare_data()
    first.setup()
    (converted,) = (tmp_path / "mnist").glob("splits-*.pt")
    stamp = converted.stat().st_mtime_ns
    again = MnistDataModule(valid_size=20, **options)
    again.prepare_data()
    again.setup()
    assert converted.stat().st_mtime_ns == stamp, "converted once"
    for name in ("train", "valid", "test"):
        assert torch.equal(first.splits[name].features, again.splits[name].features)
    other = MnistDataModule(valid_size=40, **options)  # another split: another conversion
    other.prepare_data()
    other.setup()
    assert len(list((tmp_path / "mnist").glob("splits-*.pt"))) == 2
    assert (len(other.splits["train"]), len(other.splits["valid"])) == (80, 40)


def test_the_default_sources_are_https_and_pinned_by_sha256():
    assert all(url.startswith("https://") for url in MIRRORS) and len(MIRRORS) >= 2
    assert len(IDX_SHA256) == 4 and all(len(v) == 64 for v in IDX_SHA256.values())


def test_no_sha256_and_no_file_name_is_an_option():
    """Sums and file names are code: neither a config nor a checkpoint can choose them."""
    options = set(inspect.signature(MnistDataModule).parameters)
    assert {"data_dir", "path", "mirrors", "valid_size"} <= options
    assert not {name for name in options if "sha" in name or "hash" in name}
    from omegaconf import OmegaConf

    shipped = OmegaConf.load(REPO_ROOT / "configs" / "data" / "mnist.yaml")
    assert not {key for key in shipped if "sha" in str(key)}


def test_fetch_mnist_downloads_checks_and_converts_once_what_ci_caches(
    local_server, monkeypatch, tmp_path, capsys
):
    """`python -m minibatch.examples.data.fetch_mnist <folder>` (.ci/run): the mirrors and
    converted file of `data=mnist`'s defaults; a second fetch downloads nothing."""
    files = fake_mnist_files(n_train=10_010, n_test=10)  # the default 10,000 to validate
    monkeypatch.setattr(mnist, "MIRRORS", serve(local_server, files))
    pin(monkeypatch, files)
    fetch_mnist([str(tmp_path)])
    (converted,) = (tmp_path / "mnist").glob("splits-*.pt")
    assert sorted(p.name for p in (tmp_path / "mnist").iterdir()) == sorted(
        [*files, converted.name]
    )
    assert sorted(local_server.requests) == sorted(f"/mnist/{name}" for name in files)
    assert capsys.readouterr().out == f"MNIST is in {tmp_path} (converted: {converted.name})\n"
    fetch_mnist([str(tmp_path)])
    assert len(local_server.requests) == 4, "nothing downloaded again"
    datamodule = MnistDataModule(data_dir=str(tmp_path))  # what data=mnist reads
    assert datamodule.converted_file == converted


def test_fetch_mnist_offline_is_one_sentence_and_exit_2(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(mnist, "MIRRORS", ["https://127.0.0.1:9/"])
    with pytest.raises(SystemExit) as stop:
        fetch_mnist([str(tmp_path)])
    assert stop.value.code == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: MNIST is not on this machine and could not be downloaded")


def test_the_mirrors_of_data_mnist_are_the_ones_fetch_mnist_uses():
    shipped = OmegaConf.load(REPO_ROOT / "configs" / "data" / "mnist.yaml")
    assert list(shipped.mirrors) == MIRRORS


def test_a_plain_http_mirror_is_refused_before_any_connection(plain_http_server, tmp_path):
    files = fake_mnist_files()
    serve(plain_http_server, files)
    with pytest.raises(UserError, match="is not an https:// URL"):
        MnistDataModule(data_dir=str(tmp_path), mirrors=[plain_http_server.url + "/mnist/"])
    assert plain_http_server.requests == [] and not (tmp_path / "mnist").exists()


def test_the_pinned_idx_contents_are_the_real_pickles_data(tmp_path):
    """The IDX files rebuilt from the real pickle have the pinned sha256s and load the same:
    the images CI downloads are the ones the notebook's pickle holds."""
    if not PICKLE.is_file():
        needs.not_here(f"the notebook's pickle is not in {PICKLE.parent}/ (no https mirror of it)")
    data = gzip.decompress(PICKLE.read_bytes())
    (x, y), (xv, yv), (xt, yt) = pickle.loads(data, encoding="latin-1")
    as_bytes = lambda a: np.round(a * 256).astype(np.uint8).reshape(len(a), 28, 28)  # noqa: E731
    rebuilt = {
        "train-images-idx3-ubyte.gz": idx_bytes(as_bytes(np.concatenate([x, xv]))),
        "train-labels-idx1-ubyte.gz": idx_bytes(np.concatenate([y, yv])),
        "t10k-images-idx3-ubyte.gz": idx_bytes(as_bytes(xt)),
        "t10k-labels-idx1-ubyte.gz": idx_bytes(yt),
    }
    assert content_sha256s(rebuilt) == IDX_SHA256
    write_files(tmp_path / "mnist", rebuilt)
    from_idx = MnistDataModule(data_dir=str(tmp_path))  # the pinned sums, no pickle there
    from_idx.prepare_data()
    from_idx.setup()
    assert torch.equal(from_idx.splits["valid"].features, torch.as_tensor(xv))
    assert torch.equal(from_idx.splits["test"].targets, torch.as_tensor(yt))


def test_offline_without_files_says_what_to_do(tmp_path):
    datamodule = MnistDataModule(data_dir=str(tmp_path), mirrors=["https://127.0.0.1:9/"])
    with pytest.raises(UserError, match="could not download train-images-idx3-ubyte.gz") as error:
        datamodule.prepare_data()
    message = str(error.value)
    assert f"put mnist.pkl.gz (sha256 {PICKLE_SHA256}) in {tmp_path}/" in message
    assert "four IDX files (train-images-idx3-ubyte.gz" in message
    assert f"{tmp_path}/mnist/" in message
    assert list(tmp_path.iterdir()) == [], "nothing written: no folder, no partial file"


def write_pickle(path: Path) -> None:
    rng = np.random.default_rng(0)
    split = lambda n: (rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n))  # noqa: E731
    with gzip.open(path, "wb") as file:
        pickle.dump((split(60), split(20), split(10)), file)


def test_pickle_is_loaded_only_with_the_expected_sha256(monkeypatch, tmp_path):
    path = tmp_path / "mine.pkl.gz"
    write_pickle(path)
    with pytest.raises(UserError, match="refusing to unpickle"):
        MnistDataModule(path=str(path)).prepare_data()
    monkeypatch.setattr(mnist, "PICKLE_SHA256", hashlib.sha256(path.read_bytes()).hexdigest())
    datamodule = MnistDataModule(path=str(path), data_dir=str(tmp_path))
    datamodule.prepare_data()
    datamodule.setup()
    assert [len(datamodule.splits[k]) for k in ("train", "valid", "test")] == [60, 20, 10]


def test_missing_pickle_path_is_a_clear_error(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        MnistDataModule(path=str(tmp_path / "nope.pkl.gz")).prepare_data()


def test_real_mnist_matches_the_notebook():
    need_real_mnist()
    datamodule = MnistDataModule(data_dir=str(PICKLE.parent), batch_size=50)
    datamodule.prepare_data()
    datamodule.setup()
    train, valid, test = (datamodule.splits[k] for k in ("train", "valid", "test"))
    assert (len(train), len(valid), len(test)) == (50_000, 10_000, 10_000)
    assert train.targets[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert train.features.shape == (50_000, 784) and float(train.features.max()) < 1
    sizes = [len(y) for _, y in datamodule.train_dataloader()]
    assert len(sizes) == 1000 and set(sizes) == {50}
