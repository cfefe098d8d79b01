"""The web UI served by uvicorn in a background thread on a free loopback port: what the browser tests and
``scripts/screenshot_corpus.py`` drive with Chromium. ``narrascope serve`` runs uvicorn itself; this is for a
caller that needs the URL back while it goes on working in the same process."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """``app`` (an ASGI app, e.g. :func:`narrascope.web.create_app`'s) under uvicorn in a daemon thread.

    ``with LiveServer(app) as url:`` starts it and waits until it listens (``RuntimeError`` after
    ``start_timeout`` seconds); leaving the block stops it. :meth:`start` / :meth:`stop` do the same by hand."""

    def __init__(self, app, *, start_timeout: float = 30.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.start_timeout = start_timeout
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + self.start_timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the web server did not start")
            time.sleep(0.02)
        return self.url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
