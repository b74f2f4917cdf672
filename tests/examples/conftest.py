"""Fixtures of the notebook examples' tests: small offline stand-ins for their datasets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import QUIET


def small_cooking(*overrides: str) -> tuple[str, ...]:
    """Overrides for a cooking set small enough to train in seconds."""
    return ("data=cooking", "data.train_size=20000", "data.valid_size=4000", "batch_size=200",
            *QUIET, *overrides)  # fmt: skip


@pytest.fixture
def offline_data(tmp_path: Path, monkeypatch) -> Callable[[str], list[str]]:
    """offline_data("mnist") -> overrides that make a dataset small and need no network.

    MNIST gets small generated IDX files (their contents' sha256s pinned in mnist.py for this
    test only, in-process), weather a cached API answer, csv a generated table; the generated
    datasets just get smaller sizes.
    """
    from minibatch.examples.data import mnist
    from tests.core.fake_tables import write_csv
    from tests.examples.fake_data import (
        content_sha256s,
        fake_mnist_files,
        write_files,
        write_weather_cache,
    )

    data_dir = tmp_path / "data"

    def _overrides(name: str) -> list[str]:
        if name == "mnist":
            files = fake_mnist_files()
            write_files(data_dir / "mnist", files)
            monkeypatch.setattr(mnist, "IDX_SHA256", content_sha256s(files))
            return [f"paths.data_dir={data_dir}", "data.valid_size=20"]
        if name == "weather":
            write_weather_cache(data_dir)
            return [f"paths.data_dir={data_dir}"]
        if name == "csv":
            return [f"data.path={write_csv(tmp_path / 'table.csv')}", "data.target=label"]
        if name == "image_folder":
            from tests.core.test_image_folder import write_image_folder

            root = tmp_path / "images"
            return [f"data.root={root if root.is_dir() else write_image_folder(root)}"]
        if name in {"boston"}:
            return []
        return ["data.train_size=200", "data.valid_size=50"]

    return _overrides


@pytest.fixture(scope="session")
def certificates(tmp_path_factory):
    """A test CA and the local server's certificate for 127.0.0.1 (certificates.py)."""
    from tests.examples.certificates import make_certificates

    return make_certificates(tmp_path_factory.mktemp("certificates"))


@pytest.fixture
def local_server(certificates, monkeypatch):
    """A started HTTPS `LocalServer` (127.0.0.1, a free port) that this test's downloads
    trust (`SSL_CERT_FILE`: Python's default SSL context reads it), stopped after the test."""
    from tests.examples.local_server import LocalServer

    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca))
    server = LocalServer(certificates)
    server.url = server.start()
    yield server
    server.stop()


@pytest.fixture
def plain_http_server():
    """A plain-http `LocalServer`: what the download code must never connect to."""
    from tests.examples.local_server import LocalServer

    server = LocalServer()
    server.url = server.start()
    yield server
    server.stop()
