"""A tiny HTTPS server on 127.0.0.1 for testing the real download code offline.

It presents a certificate the test made (certificates.py); the `local_server` fixture
trusts it through `SSL_CERT_FILE`, so the production code's default TLS checks pass
unchanged. Without certificates it serves plain http: only to show that the download code
never connects to such a URL.
"""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.examples.certificates import Certificates


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    truncate: bool = False  # announce the full length, send half, hang up
    location: str | None = None  # a redirect's target


@dataclass
class LocalServer:
    """Serves `routes` (path -> Route); every request path is recorded in `requests`."""

    certificates: Certificates | None = None
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def start(self) -> str:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server API)
                server.requests.append(self.path)
                route = server.routes.get(self.path.split("?")[0], Route(b"not found", 404))
                self.send_response(route.status)
                if route.location:
                    self.send_header("Location", route.location)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(
                    route.body[: len(route.body) // 2] if route.truncate else route.body
                )
                if route.truncate:
                    self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        scheme = "http"
        if self.certificates is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.certificates.cert, self.certificates.key)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        return f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
