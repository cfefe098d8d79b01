"""A local OpenAI-compatible chat server for the LLM backend tests (loopback only), shared by the
backend's tests and the analyzers' LLM tests."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def completion(content, usage=(10, 5)):
    body = {"id": "cmpl-1", "object": "chat.completion", "model": "test-model",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content if isinstance(content, str) else json.dumps(content)}}]}
    if usage:
        body["usage"] = {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}
    return body


class ChatServer:
    """Speaks POST /v1/chat/completions; replies come from a script, default a valid answer."""

    def __init__(self) -> None:
        self.script: list[tuple[int, object, dict, float]] = []
        self.requests: list[dict] = []
        self.default = completion({"label": "Guardian", "score": 0.9})
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                owner.requests.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(raw)})
                status, body, headers, delay = owner.script.pop(0) if owner.script else (200, owner.default, {}, 0)
                if delay:
                    time.sleep(delay)
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (timeout test)
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def then(self, status=200, body=None, headers=None, delay=0.0) -> "ChatServer":
        self.script.append((status, self.default if body is None else body, headers or {}, delay))
        return self

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
