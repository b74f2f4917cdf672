"""The real download code, against a local HTTPS server: success and every way it can fail,
and a plain-http URL refused before any connection."""

from __future__ import annotations

import gzip
import hashlib

import pytest

from minibatch.errors import UserError
from minibatch.examples.data.download import download, fetch
from tests.examples.local_server import Route

BODY = b"0123456789" * 1000
SHA256 = hashlib.sha256(BODY).hexdigest()


def leftovers(directory):
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_download_verifies_and_writes_the_file(local_server, tmp_path):
    local_server.routes["/a/file.gz"] = Route(BODY)
    target = download([f"{local_server.url}/a/file.gz"], tmp_path / "out" / "file.gz", SHA256)
    assert target.read_bytes() == BODY
    assert leftovers(tmp_path / "out") == ["file.gz"], "no temporary file left behind"


def test_checksum_mismatch_writes_nothing(local_server, tmp_path):
    local_server.routes["/file.gz"] = Route(b"tampered" + BODY)
    with pytest.raises(UserError, match=f"is not the expected {SHA256}"):
        download([f"{local_server.url}/file.gz"], tmp_path / "out" / "file.gz", SHA256)
    assert leftovers(tmp_path / "out") == []


def test_the_checksum_can_be_of_the_uncompressed_content(local_server, tmp_path):
    local_server.routes["/good.gz"] = Route(gzip.compress(BODY))
    local_server.routes["/bad.gz"] = Route(gzip.compress(b"x" + BODY))
    local_server.routes["/broken.gz"] = Route(gzip.compress(BODY)[:-20])
    urls = [f"{local_server.url}/{name}.gz" for name in ("bad", "broken", "good")]
    target = download(urls, tmp_path / "file.gz", SHA256, content=gzip.decompress)
    assert gzip.decompress(target.read_bytes()) == BODY
    assert local_server.requests == ["/bad.gz", "/broken.gz", "/good.gz"]


def test_server_error_falls_back_to_the_next_mirror(local_server, tmp_path):
    local_server.routes["/m1/file.gz"] = Route(b"oops", status=500)
    local_server.routes["/m2/file.gz"] = Route(BODY)
    urls = [f"{local_server.url}/m1/file.gz", f"{local_server.url}/m2/file.gz"]
    assert download(urls, tmp_path / "file.gz", SHA256).read_bytes() == BODY
    assert local_server.requests == ["/m1/file.gz", "/m2/file.gz"]


def test_every_mirror_failing_is_one_sentence_naming_them(local_server, tmp_path):
    local_server.routes["/m1/file.gz"] = Route(b"oops", status=503)
    urls = [f"{local_server.url}/m1/file.gz", f"{local_server.url}/missing/file.gz"]
    with pytest.raises(UserError) as error:
        download(urls, tmp_path / "out" / "file.gz", SHA256)
    message = str(error.value)
    assert all(url in message for url in urls) and "by hand" in message and "\n" not in message
    assert leftovers(tmp_path / "out") == []


def test_partial_transfer_is_detected_and_leaves_no_half_file(local_server, tmp_path):
    local_server.routes["/file.gz"] = Route(BODY, truncate=True)
    with pytest.raises(OSError, match="transfer cut"):
        fetch(f"{local_server.url}/file.gz")
    with pytest.raises(UserError, match="transfer cut"):
        download([f"{local_server.url}/file.gz"], tmp_path / "out" / "file.gz", SHA256)
    assert leftovers(tmp_path / "out") == []


def test_no_network_is_a_clear_error(tmp_path):
    # Port 9 on the loopback: nothing listens there, the connection is refused at once.
    with pytest.raises(UserError, match="could not download file.gz"):
        download(["https://127.0.0.1:9/file.gz"], tmp_path / "file.gz", SHA256)


@pytest.mark.parametrize("scheme", ["http", "ftp", "file", "HTTP"])
def test_a_url_that_is_not_https_is_refused_before_any_connection(
    local_server, plain_http_server, tmp_path, scheme
):
    plain_http_server.routes["/file.gz"] = Route(BODY)
    local_server.routes["/file.gz"] = Route(BODY)
    plain = plain_http_server.url.replace("http", scheme, 1) + "/file.gz"
    urls = [f"{local_server.url}/file.gz", plain]  # a good https mirror first: none is tried
    with pytest.raises(UserError, match="is not an https:// URL") as error:
        download(urls, tmp_path / "out" / "file.gz", SHA256)
    assert "\n" not in str(error.value)
    with pytest.raises(UserError, match="is not an https:// URL"):
        fetch(plain)
    assert plain_http_server.requests == [] and local_server.requests == []
    assert leftovers(tmp_path / "out") == []


def test_a_redirect_to_plain_http_is_not_followed(local_server, plain_http_server, tmp_path):
    plain_http_server.routes["/file.gz"] = Route(BODY)
    plain = f"{plain_http_server.url}/file.gz"
    local_server.routes["/moved.gz"] = Route(status=302, location=plain)
    local_server.routes["/file.gz"] = Route(BODY)
    with pytest.raises(UserError, match="which is not https"):
        download([f"{local_server.url}/moved.gz"], tmp_path / "file.gz", SHA256)
    assert plain_http_server.requests == []
    local_server.routes["/moved.gz"].location = f"{local_server.url}/file.gz"  # https: followed
    assert download([f"{local_server.url}/moved.gz"], tmp_path / "file.gz", SHA256).is_file()


def test_a_server_certificate_that_is_not_trusted_is_refused(local_server, monkeypatch, tmp_path):
    monkeypatch.delenv("SSL_CERT_FILE")  # the system's authorities do not know the test's CA
    local_server.routes["/file.gz"] = Route(BODY)
    with pytest.raises(UserError, match="CERTIFICATE_VERIFY_FAILED"):
        download([f"{local_server.url}/file.gz"], tmp_path / "file.gz", SHA256)
    assert not (tmp_path / "file.gz").exists()
