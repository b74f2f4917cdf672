"""Fetch files over https only, from mirrors in turn, checked against a pinned sha256, saved whole.

`torch.hub.download_url_to_file` checks a hash too, but follows a redirect to plain http and
hashes the bytes as sent (MNIST's sums are of the uncompressed content).
"""

from __future__ import annotations

import hashlib
import http.client
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable
from pathlib import Path

from minibatch.errors import UserError
from minibatch.runs.atomic_checkpoints import write_atomically

USER_AGENT = "minibatch-template/0.1 (+https://pytorch.org)"


def check_https(url: str) -> None:
    """Refuse, before any connection, a URL that is not `https://`."""
    if urllib.parse.urlsplit(str(url)).scheme.lower() != "https":
        raise UserError(
            f"{url} is not an https:// URL: only https downloads are made, give the https "
            "address of the same file."
        )


class HttpsRedirectsOnly(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to another https URL (urllib's own would follow one to http)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urllib.parse.urlsplit(newurl).scheme.lower() != "https":
            raise urllib.error.URLError(f"redirected to {newurl}, which is not https")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, timeout: float = 30.0) -> bytes:
    """The whole body of the https `url`; raises `OSError` on HTTP errors and short transfers."""
    check_https(url)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    opener = urllib.request.build_opener(HttpsRedirectsOnly)
    try:
        with opener.open(request, timeout=timeout) as response:
            expected = response.headers.get("Content-Length")
            body = response.read()
    except http.client.IncompleteRead as error:
        raise OSError(f"transfer cut after {len(error.partial)} bytes") from None
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError) as error:
        raise OSError(str(getattr(error, "reason", error))) from None
    if expected is not None and len(body) != int(expected):
        raise OSError(f"transfer cut after {len(body)} of {expected} bytes")
    return body


def save_file(destination: Path, data: bytes) -> None:
    """Write `data` whole into `destination` (its folder made): readers never see half."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(destination, data)


def unchanged(data: bytes) -> bytes:
    return data


def download(
    urls: list[str],
    destination: Path,
    sha256: str,
    content: Callable[[bytes], bytes] = unchanged,
) -> Path:
    """Save the first of `urls` whose content has the pinned `sha256` at `destination`.

    `content` turns the downloaded bytes into what the checksum is of, for example
    `gzip.decompress` when the pinned sum is that of the uncompressed file.
    """
    for url in urls:  # every URL, before the first connection
        check_https(url)
    failures = []
    for url in urls:
        try:
            data = fetch(url)
            actual = hashlib.sha256(content(data)).hexdigest()
        except (OSError, EOFError, zlib.error) as error:  # gzip's errors for a damaged file
            failures.append(f"{url}: {error}")
            continue
        if actual != sha256:
            failures.append(f"{url}: sha256 {actual} is not the expected {sha256}")
            continue
        save_file(destination, data)
        return destination
    raise UserError(
        f"could not download {destination.name} ({'; '.join(failures)}): put the file in "
        f"{destination.parent} by hand, or give a local copy with data.path=."
    )
