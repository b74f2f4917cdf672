"""Fetch files over HTTP(S): mirrors in turn, checksums before use, never a half-written file.

A download that fails (no network, a server error, a connection cut mid-transfer, bytes
that do not match the published checksum) leaves nothing behind at the destination and
ends in one `UserError` sentence naming the URLs and how to provide the file by hand.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from minibatch.errors import UserError

CHUNK = 1 << 20
USER_AGENT = "minibatch-template/0.1 (+https://pytorch.org)"


def file_digest(path: Path, algorithm: str) -> str:
    """Hex digest of a file, read in chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(url: str, timeout: float = 30.0) -> bytes:
    """The whole body of `url`; raises `OSError` on HTTP errors and on short transfers."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            expected = response.headers.get("Content-Length")
            body = response.read()
    except http.client.IncompleteRead as error:
        raise OSError(f"transfer cut after {len(error.partial)} bytes") from None
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError) as error:
        raise OSError(str(getattr(error, "reason", error))) from None
    if expected is not None and len(body) != int(expected):
        raise OSError(f"transfer cut after {len(body)} of {expected} bytes")
    return body


def write_atomically(destination: Path, data: bytes) -> None:
    """Write to a temporary file beside `destination`, then rename: readers never see half."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def download(
    urls: list[str], destination: Path, checksum: str | None, algorithm: str = "md5"
) -> Path:
    """Save the first of `urls` whose content matches `checksum` at `destination`."""
    failures = []
    for url in urls:
        try:
            data = fetch(url)
        except OSError as error:
            failures.append(f"{url}: {error}")
            continue
        actual = hashlib.new(algorithm, data).hexdigest()
        if checksum is not None and actual != checksum:
            failures.append(f"{url}: {algorithm} {actual} is not the expected {checksum}")
            continue
        write_atomically(destination, data)
        return destination
    raise UserError(
        f"could not download {destination.name} ({'; '.join(failures)}): put the file in "
        f"{destination.parent} by hand, or give a local copy with data.path=."
    )
