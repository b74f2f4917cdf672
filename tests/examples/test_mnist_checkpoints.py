"""A checkpoint that names MNIST options as an attacker would: a pickle of its own with that
pickle's hash, or plain-http mirrors with a hash keyed by an absolute path. Evaluation applies
none of them: nothing is unpickled, downloaded or written (see tests/core/crafted_checkpoints.py).
"""

from __future__ import annotations

import gzip
import hashlib
import pickle
from pathlib import Path

import pytest

from minibatch.cli.evaluate import evaluate
from minibatch.errors import UserError
from tests.core.crafted_checkpoints import (
    Ransom,
    crafted,
    evaluation,
    files_opened,
    trained_checkpoint,
)
from tests.examples.local_server import Route

MNIST = "minibatch.examples.data.mnist.MnistDataModule"


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return trained_checkpoint(tmp_path_factory.mktemp("trained"))


@pytest.mark.parametrize("via", ["data.path", "paths.data_dir"])
def test_a_pickle_and_its_hash_named_by_a_checkpoint_are_never_opened(good, tmp_path, via):
    sentinel = tmp_path / "PICKLE-RAN"
    evil = tmp_path / "attacker" / "mnist.pkl.gz"
    evil.parent.mkdir()
    evil.write_bytes(gzip.compress(pickle.dumps(Ransom(sentinel))))
    digest = hashlib.sha256(evil.read_bytes()).hexdigest()
    named = {"path": str(evil)} if via == "data.path" else {"data_dir": str(evil.parent)}
    override = f"data.path={evil}" if via == "data.path" else f"paths.data_dir={evil.parent}"
    ckpt = crafted(
        good, tmp_path, "pickle", choices={"data": "mnist"},
        data={"_target_": MNIST, "pickle_sha256": digest, **named},
        paths={"data_dir": str(evil.parent)},
        overrides=["data=mnist", override, f"+data.pickle_sha256={digest}"],
    )  # fmt: skip
    with files_opened() as opened, pytest.raises(UserError) as error:
        evaluate(evaluation(f"ckpt_path={ckpt}"))
    message = str(error.value)
    assert "data options are never applied" in message
    assert f"data.{next(iter(named))}={next(iter(named.values()))}" in message
    assert not sentinel.exists(), "the attacker's pickle ran"
    assert not [p for p in opened if p.startswith(str(evil.parent))]


def test_http_mirrors_and_a_hash_keyed_by_an_absolute_path_download_nothing(
    good, tmp_path, plain_http_server
):
    outside = tmp_path / "outside" / "written-by-download.gz"
    payload = gzip.compress(b"the attacker's bytes")
    for path in (str(outside), f"/{outside}"):  # http.server may fold the leading //
        plain_http_server.routes[path] = Route(payload)
    empty = tmp_path / "empty"
    empty.mkdir()
    mirror = f"{plain_http_server.url}/"
    sums = {str(outside): hashlib.sha256(b"the attacker's bytes").hexdigest()}
    ckpt = crafted(
        good, tmp_path, "http", choices={"data": "mnist"},
        data={"_target_": MNIST, "data_dir": str(empty), "mirrors": [mirror], "idx_sha256": sums},
        overrides=["data=mnist", f"data.data_dir={empty}", f"data.mirrors=[{mirror}]",
                   f"data.idx_sha256={{{outside}:{sums[str(outside)]}}}"],
    )  # fmt: skip
    with pytest.raises(UserError, match="never applied") as error:
        evaluate(evaluation(f"ckpt_path={ckpt}"))
    assert f"data.mirrors=[{mirror}]" in str(error.value)
    assert plain_http_server.requests == [], "no connection"
    assert not outside.parent.exists() and list(empty.iterdir()) == []
