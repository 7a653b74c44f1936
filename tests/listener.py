"""A loopback listener that counts every connection made to it: what a SERVICE clause would reach. It
answers each HTTP request with one SPARQL JSON solution, so that an allowed federated query gets a result."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANSWER = json.dumps(
    {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "from-the-listener"}}]}}
).encode()


class _Counting(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Answer)
        self.connections = 0
        self.lock = threading.Lock()

    def handle_error(self, request, client_address) -> None:
        pass  # a client that hangs up early (the probe, a refused SERVICE call) is no error here

    def verify_request(self, request, client_address) -> bool:
        with self.lock:
            self.connections += 1
        return True


class _Answer(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    do_GET = do_POST = _answer  # noqa: N815 (http.server's naming)

    def log_message(self, *args) -> None:
        pass


class Listener:
    """Counts connections on a loopback port; `url` is its root, `host` its host:port."""

    def __init__(self):
        self._server = _Counting()
        self.port = self._server.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def reached(self) -> int:
        """Connections so far, after making sure every connection already made has been accepted (a probe
        connection of our own goes through the same queue last, and is not counted)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as probe:
            probe.sendall(b"GET /probe HTTP/1.0\r\n\r\n")
            probe.recv(1)
        with self._server.lock:
            self._server.connections -= 1
            return self._server.connections

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
