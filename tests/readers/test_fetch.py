"""The one guarded fetcher (narrascope.readers.fetch): addresses, redirects, DNS, deadline, size cap,
proxies, the Python API's entry points and the CLI.

No test here sends traffic outside loopback: DNS is faked for the whole file (an unknown name fails,
a literal address needs no lookup) and every connection to anything but 127.0.0.1 fails the test.
"""

from __future__ import annotations

import http.server
import ipaddress
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import narrascope
from narrascope.errors import InputError
from narrascope.readers import read_url
from narrascope.readers.fetch import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_DOWNLOAD_BYTES,
    METADATA_ADDRESSES,
    Fetcher,
    FetchRefused,
    PrivateAddressError,
    check_url,
    is_public_address,
    refusal,
)

PAGE = ("<html><head><title>Local page</title></head><body><article><p>"
        + "A paragraph served from a local test server, long enough to count as text. " * 3
        + "</p></article></body></html>").encode()


# -- no traffic outside loopback -------------------------------------------------------------------


class Net:
    """Fake DNS and a record of every connection attempted."""

    def __init__(self) -> None:
        self.names: dict[str, list[list[str]]] = {}  # name -> successive answers (the last one repeats)
        self.lookups: list[str] = []
        self.connects: list[tuple[str, int]] = []

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002 - socket's names
        host = host.decode() if isinstance(host, bytes) else str(host)
        self.lookups.append(host)
        try:
            answers = [str(ipaddress.ip_address(host.split("%", 1)[0]))]
        except ValueError:
            queue = self.names.get(host.lower().rstrip("."))
            if not queue:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
            answers = queue.pop(0) if len(queue) > 1 else queue[0]
        out = []
        for address in answers:
            v6 = ":" in address
            out.append((socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                        (address, int(port or 0), 0, 0) if v6 else (address, int(port or 0))))
        return out


@pytest.fixture(autouse=True)
def net(monkeypatch: pytest.MonkeyPatch) -> Net:
    state = Net()
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        host, port = address[0], address[1]
        state.connects.append((host, port))
        if host != "127.0.0.1":
            pytest.fail(f"a test tried to connect to {host}:{port}, outside loopback")
        return real_connect(self, address)

    def no_connect_ex(self, address):
        pytest.fail(f"a test tried connect_ex to {address}")

    monkeypatch.setattr(socket, "getaddrinfo", state.getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", no_connect_ex)
    return state


# -- a local server ---------------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        route = self.server.routes.get(self.path)  # type: ignore[attr-defined]
        if route is None:
            self.send_error(404, "Not Found")
            return
        route(self)

    def log_message(self, *args) -> None:
        pass


def _page(handler: http.server.BaseHTTPRequestHandler, body: bytes = PAGE, ctype: str = "text/html; charset=utf-8",
          length: bool = True) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", ctype)
    if length:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _redirect(location: str, code: int = 302):
    def route(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(code)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return route


def _dribble_body(handler: http.server.BaseHTTPRequestHandler) -> None:
    """200 with a 100,000-byte Content-Length, then 2 bytes every half second (for at most 20 s)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    _drip(handler)


def _dribble_headers(handler: http.server.BaseHTTPRequestHandler) -> None:
    """Headers that never end: a status line, then 2 bytes of a header line every half second."""
    handler.wfile.write(b"HTTP/1.0 200 OK\r\nX-Slow: ")
    _drip(handler)


def _drip(handler: http.server.BaseHTTPRequestHandler) -> None:
    end = time.monotonic() + 20
    try:
        while time.monotonic() < end and not handler.server.stopping.is_set():  # type: ignore[attr-defined]
            handler.wfile.write(b"ab")
            handler.wfile.flush()
            time.sleep(0.5)
    except OSError:
        pass


class Server:
    def __init__(self) -> None:
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.routes = {}  # type: ignore[attr-defined]
        self.httpd.requests = []  # type: ignore[attr-defined]
        self.httpd.stopping = threading.Event()  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def routes(self) -> dict:
        return self.httpd.routes  # type: ignore[attr-defined]

    @property
    def requests(self) -> list[str]:
        return self.httpd.requests  # type: ignore[attr-defined]

    def close(self) -> None:
        self.httpd.stopping.set()  # type: ignore[attr-defined]
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    s.routes["/page"] = _page
    yield s
    s.close()


def one_line_naming(exc: pytest.ExceptionInfo, url: str) -> str:
    message = str(exc.value)
    assert "\n" not in message and "\r" not in message and "\x1b" not in message
    assert message.startswith(url + ": "), message
    return message


# -- the rules: which addresses --------------------------------------------------------------------


@pytest.mark.parametrize(
    "address, public, with_allow_private",
    [
        ("93.184.216.34", True, True), ("2606:2800:220:1:248:1893:25c8:1946", True, True),
        # private and loopback: opened by allow_private
        ("127.0.0.1", False, True), ("127.8.9.10", False, True), ("::1", False, True), ("10.0.0.1", False, True),
        ("172.16.5.4", False, True), ("192.168.1.20", False, True), ("fc00::1", False, True), ("fd12:3456::1", False, True),
        ("100.64.0.1", False, True), ("::ffff:127.0.0.1", False, True), ("::ffff:10.1.2.3", False, True),
        # never: link-local, metadata, multicast, unspecified, reserved
        ("169.254.1.1", False, False), ("169.254.169.254", False, False), ("fe80::1", False, False),
        ("fe80::1%eth0", False, False), ("fd00:ec2::254", False, False), ("fd20:ce::254", False, False),
        ("100.100.100.200", False, False), ("168.63.129.16", False, False), ("192.0.0.192", False, False),
        ("169.254.170.2", False, False), ("224.0.0.1", False, False), ("ff02::1", False, False),
        ("0.0.0.0", False, False), ("0.1.2.3", False, False), ("::", False, False), ("240.0.0.1", False, False),
        ("255.255.255.255", False, False),
        # IPv4 inside IPv6 is judged as the IPv4 address
        ("::ffff:169.254.169.254", False, False), ("64:ff9b::a9fe:a9fe", False, False),
        ("2002:a9fe:a9fe::1", False, False), ("64:ff9b::7f00:1", False, True),
        ("not an address", False, False),
    ],
)
def test_address_rules(address: str, public: bool, with_allow_private: bool) -> None:
    assert is_public_address(address) is public
    assert (refusal(address) is None) is public
    assert (refusal(address, allow_private=True) is None) is with_allow_private


def test_metadata_addresses_are_stated_once_and_never_allowed() -> None:
    assert ipaddress.ip_address("169.254.169.254") in METADATA_ADDRESSES
    assert ipaddress.ip_address("fd00:ec2::254") in METADATA_ADDRESSES
    assert ipaddress.ip_address("100.100.100.200") in METADATA_ADDRESSES
    for ip in METADATA_ADDRESSES:
        assert "never" in refusal(str(ip), allow_private=True)


def test_defaults() -> None:
    fetcher = Fetcher()
    assert (fetcher.allow_private, fetcher.deadline, fetcher.max_bytes) == (False, DEFAULT_DEADLINE, DEFAULT_MAX_DOWNLOAD_BYTES)
    assert DEFAULT_DEADLINE == 60.0 and DEFAULT_MAX_DOWNLOAD_BYTES == 20 * 1024 * 1024
    for bad in ({"deadline": 0}, {"timeout": -1}, {"max_bytes": "big"}, {"deadline": True}):
        with pytest.raises(InputError):
            Fetcher(**bad)


# -- refused before any connection -----------------------------------------------------------------


@pytest.mark.parametrize("allow_private", [False, True])
@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/latest/meta-data/",
    "http://100.100.100.200/latest/meta-data/", "http://[fe80::1]/", "http://[::ffff:169.254.169.254]/",
    "http://metadata.google.internal/computeMetadata/v1/", "http://METADATA.google.internal./x",
    "http://imds.test/latest/meta-data/", "http://linklocal.test/", "http://0.0.0.0:80/", "http://224.0.0.1/",
])
def test_never_fetched_addresses_are_refused_without_connecting(net: Net, url: str, allow_private: bool) -> None:
    net.names["imds.test"] = [["169.254.169.254"]]
    net.names["linklocal.test"] = [["10.0.0.7", "169.254.7.7"]]  # one bad answer among good ones is enough
    with pytest.raises(PrivateAddressError) as exc:
        read_url(url, allow_private=allow_private)
    message = one_line_naming(exc, url)
    assert "refusing to fetch" in message and "never fetched" in message and "allow_private" not in message
    assert net.connects == []
    assert "metadata.google.internal" not in [n.lower().rstrip(".") for n in net.lookups]  # refused by name, not looked up


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x", "http://[::1]/", "http://10.0.0.1:8080/", "http://intranet.test/",
                                 "http://localhost.test/", "http://2130706433/"])
def test_private_addresses_are_refused_unless_allowed(net: Net, url: str) -> None:
    net.names["intranet.test"] = [["192.168.10.10"]]
    net.names["localhost.test"] = [["127.0.0.1"]]
    net.names["2130706433"] = [["127.0.0.1"]]  # what the C resolver makes of a decimal address
    with pytest.raises(PrivateAddressError) as exc:
        read_url(url)
    assert "allow it with allow_private / --allow-private" in one_line_naming(exc, url)
    assert net.connects == []
    check_url(url, allow_private=True)  # the pre-flight check passes; nothing is connected either
    assert net.connects == []


def test_only_http_and_https(net: Net) -> None:
    for url in ("ftp://example.org/x", "file:///etc/passwd", "gopher://127.0.0.1:70/", "data:text/plain,hi", "example.org"):
        with pytest.raises(InputError, match="not an http"):
            read_url(url, allow_private=True)
        with pytest.raises(InputError, match="not an http"):
            Fetcher(allow_private=True).open(url)
    assert net.connects == [] and net.lookups == []


def test_messages_escape_control_characters(net: Net) -> None:
    url = "http://127.0.0.1:9/\x1b[31mred\x07"
    with pytest.raises(InputError) as exc:
        Fetcher().open(url)
    message = str(exc.value)
    assert "\\x1b[31mred\\x07" in message and "\x1b" not in message and "\x07" not in message and "\n" not in message
    with pytest.raises(InputError) as exc:
        read_url("http://a\nb/")
    assert "\n" not in str(exc.value) and "\\n" in str(exc.value)
    assert net.connects == []


# -- DNS: checked before the request and again at the connection ------------------------------------


def test_dns_rebinding_is_caught_at_the_connection(net: Net, server: Server) -> None:
    # the first answer (the pre-flight check) is public, the second (the connection) is loopback
    net.names["rebind.test"] = [["93.184.216.34"], ["127.0.0.1"]]
    url = f"http://rebind.test:{server.port}/page"
    with pytest.raises(PrivateAddressError) as exc:
        read_url(url)
    assert "refusing to connect to 127.0.0.1" in one_line_naming(exc, url)
    assert net.connects == [] and server.requests == []
    assert net.lookups.count("rebind.test") == 2


def test_the_address_actually_connected_to_is_checked(net: Net, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    # DNS says public, but the connection lands on loopback (a transparent redirect, a NAT): refused
    # after connecting and before a byte of the request is sent
    net.names["lands-on-loopback.test"] = [["93.184.216.34"]]
    real = socket.create_connection

    def to_loopback(address, *args, **kwargs):
        return real(("127.0.0.1", server.port), *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", to_loopback)
    url = f"http://lands-on-loopback.test:{server.port}/page"
    with pytest.raises(PrivateAddressError) as exc:
        read_url(url)
    assert "refusing to connect to 127.0.0.1" in one_line_naming(exc, url)
    time.sleep(0.2)
    assert server.requests == []


def test_a_name_for_loopback_is_fetched_with_allow_private(net: Net, server: Server) -> None:
    net.names["intranet.test"] = [["127.0.0.1"]]
    doc = read_url(f"http://intranet.test:{server.port}/page", allow_private=True).documents[0]
    assert doc.metadata["title"] == "Local page"
    assert server.requests == ["/page"]


# -- redirects: every hop ---------------------------------------------------------------------------


@pytest.mark.parametrize("target", [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/", "http://[fd00:ec2::254]/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/", "http://imds.test/latest/meta-data/", "http://[fe80::1]:8080/",
])
@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_redirect_to_metadata_is_refused_even_with_allow_private(net: Net, server: Server, target: str, code: int) -> None:
    net.names["imds.test"] = [["169.254.169.254"]]
    server.routes["/go"] = _redirect(target, code)
    url = server.url + "/go"
    with pytest.raises(PrivateAddressError) as exc:
        read_url(url, allow_private=True)
    message = one_line_naming(exc, url)
    assert "redirected to" in message and "never fetched" in message
    assert set(net.connects) == {("127.0.0.1", server.port)} and server.requests == ["/go"]


def test_redirect_to_file_or_ftp_is_refused(net: Net, server: Server) -> None:
    for path, target in (("/file", "file:///etc/passwd"), ("/ftp", "ftp://127.0.0.1/x"), ("/data", "data:text/plain,x")):
        server.routes[path] = _redirect(target)
        with pytest.raises(FetchRefused) as exc:
            read_url(server.url + path, allow_private=True)
        assert "a redirect to anything but http(s) is refused" in one_line_naming(exc, server.url + path)


def test_a_redirect_hop_is_judged_like_a_first_request(net: Net, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    server.routes["/hop"] = _redirect("/page")
    assert read_url(server.url + "/hop", allow_private=True).documents[0].metadata["url"] == server.url + "/page"
    # Let the guard take 127.0.0.1 for a public address, so a first request to the local server
    # passes; its redirect to a private address must then be refused without connecting (a
    # connection to 10.9.8.7 would fail the test).
    import narrascope.readers.fetch as fetch

    real = fetch.refusal
    monkeypatch.setattr(fetch, "refusal", lambda a, allow_private=False: None if a == "127.0.0.1" else real(a, allow_private=allow_private))
    net.names["private.test"] = [["10.9.8.7"]]
    server.routes["/to-private"] = _redirect("http://private.test/")
    with pytest.raises(PrivateAddressError) as exc:
        Fetcher().open(server.url + "/to-private")
    message = one_line_naming(exc, server.url + "/to-private")
    assert "redirected to http://private.test/" in message and "10.9.8.7 is a private address" in message
    assert server.requests == ["/hop", "/page", "/to-private"]
    assert ("10.9.8.7", 80) not in net.connects


def test_redirect_loop_is_cut(net: Net, server: Server) -> None:
    server.routes["/loop"] = _redirect("/loop2")
    server.routes["/loop2"] = _redirect("/loop")
    with pytest.raises(InputError) as exc:
        read_url(server.url + "/loop", allow_private=True)
    assert "redirect" in one_line_naming(exc, server.url + "/loop")


# -- deadline and size cap --------------------------------------------------------------------------


def test_a_dribbling_body_is_cut_by_the_deadline(server: Server) -> None:
    server.routes["/slow"] = _dribble_body
    started = time.monotonic()
    with pytest.raises(InputError) as exc:
        read_url(server.url + "/slow", allow_private=True, deadline=1.5, timeout=10)
    took = time.monotonic() - started
    assert "gave up after 1.5 s" in one_line_naming(exc, server.url + "/slow")
    assert 1.4 < took < 4, took


def test_dribbling_headers_are_cut_by_the_deadline(server: Server) -> None:
    server.routes["/slow-headers"] = _dribble_headers
    started = time.monotonic()
    with pytest.raises(InputError) as exc:
        Fetcher(allow_private=True, deadline=1.0, timeout=10).open(server.url + "/slow-headers")
    assert "gave up after 1 s" in one_line_naming(exc, server.url + "/slow-headers")
    assert time.monotonic() - started < 4


def test_ingest_has_the_deadline_too(server: Server, tmp_path: Path) -> None:
    from narrascope.ingest import ingest
    from narrascope.store import open_store

    server.routes["/slow"] = _dribble_body
    started = time.monotonic()
    with open_store(tmp_path / "c.db") as store:
        report = ingest([server.url + "/slow"], store, allow_private=True, url_deadline=1.0, pipeline=False)
    assert report.failed == 1 and "gave up after 1 s" in report.errors[0]
    assert time.monotonic() - started < 5


def test_size_cap(server: Server) -> None:
    big = b"<html><body><p>" + b"word " * 4000 + b"</p></body></html>"
    server.routes["/big"] = lambda h: _page(h, big)
    server.routes["/big-unsized"] = lambda h: _page(h, big, length=False)
    with pytest.raises(InputError) as exc:
        read_url(server.url + "/big", allow_private=True, max_download_bytes=1000)
    assert "over the 1000 bytes limit for one download" in one_line_naming(exc, server.url + "/big")
    with pytest.raises(InputError) as exc:
        read_url(server.url + "/big-unsized", allow_private=True, max_download_bytes=1000)
    assert "over the 1000 bytes limit" in one_line_naming(exc, server.url + "/big-unsized")
    assert read_url(server.url + "/big", allow_private=True, max_download_bytes=len(big)).documents


def test_a_body_cut_short_is_an_error(server: Server) -> None:
    def short(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain")
        handler.send_header("Content-Length", "5000")
        handler.end_headers()
        handler.wfile.write(b"only a little text here, then the server hangs up")

    server.routes["/short"] = short
    with pytest.raises(InputError) as exc:
        read_url(server.url + "/short", allow_private=True)
    assert "cut short" in one_line_naming(exc, server.url + "/short")


# -- https -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1 (needs the openssl command)."""
    import shutil

    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    done = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                           "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        pytest.skip(f"openssl could not make a certificate: {done.stderr.strip()[-200:]}")
    return cert, key


def test_https_is_guarded_and_verified(server: Server, certificate: tuple[Path, Path]) -> None:
    import ssl

    cert, key = certificate
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    server.httpd.socket = server_side.wrap_socket(server.httpd.socket, server_side=True)
    url = f"https://127.0.0.1:{server.port}/page"
    with pytest.raises(PrivateAddressError):
        read_url(url)
    with pytest.raises(InputError) as exc:  # a certificate the system does not trust
        read_url(url, allow_private=True)
    assert "could not fetch" in one_line_naming(exc, url) and server.requests == []
    trusting = ssl.create_default_context(cafile=str(cert))
    doc = read_url(url, fetcher=Fetcher(allow_private=True, ssl_context=trusting)).documents[0]
    assert doc.metadata["title"] == "Local page" and server.requests == ["/page"]


def test_a_stalled_tls_handshake_is_cut_by_the_deadline() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts (in the kernel) and never answers the TLS hello
    try:
        url = f"https://127.0.0.1:{listener.getsockname()[1]}/"
        started = time.monotonic()
        with pytest.raises(InputError) as exc:
            read_url(url, allow_private=True, deadline=1, timeout=10)
        assert "gave up after 1 s" in one_line_naming(exc, url)
        assert time.monotonic() - started < 4
    finally:
        listener.close()


# -- proxies and urllib's globals -------------------------------------------------------------------


def test_environment_proxies_are_never_used(server: Server, net: Net, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = Server()
    try:
        proxy.routes["/page"] = _page
        for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        net.names["intranet.test"] = [["10.0.0.5"]]
        with pytest.raises(PrivateAddressError):  # not handed to the proxy to resolve
            read_url("http://intranet.test/page")
        with pytest.raises(PrivateAddressError):
            read_url("http://169.254.169.254/latest/meta-data/", allow_private=True)
        assert read_url(server.url + "/page", allow_private=True).documents
        assert proxy.requests == [] and server.requests == ["/page"]
    finally:
        proxy.close()


def test_urllib_globals_are_left_alone(server: Server) -> None:
    before = urllib.request._opener  # type: ignore[attr-defined]
    read_url(server.url + "/page", allow_private=True)
    assert urllib.request._opener is before  # type: ignore[attr-defined]


def test_the_opener_is_guarded_on_its_own(server: Server) -> None:
    with pytest.raises(urllib.error.URLError, match="refusing to connect"):
        Fetcher().opener().open(server.url + "/page", timeout=5)
    with Fetcher(allow_private=True).opener().open(server.url + "/page", timeout=5) as response:
        assert b"Local page" in response.read()


def test_read_url_takes_a_fetcher_or_its_settings(server: Server) -> None:
    fetcher = Fetcher(allow_private=True, deadline=5)
    assert read_url(server.url + "/page", fetcher=fetcher).documents[0].metadata["title"] == "Local page"
    with pytest.raises(InputError, match="either fetcher or allow_private"):
        read_url(server.url + "/page", fetcher=fetcher, allow_private=True)
    with pytest.raises(InputError) as exc:
        read_url(server.url + "/missing", fetcher=fetcher)
    assert "HTTP 404" in one_line_naming(exc, server.url + "/missing")


# -- the Python API ---------------------------------------------------------------------------------


STRUCTURE = narrascope.Pipeline(["structure"])


def test_a_str_is_text_always(net: Net) -> None:
    doc = narrascope.analyze("/etc/passwd", pipeline=STRUCTURE)
    assert doc.text == "/etc/passwd" and doc.metadata["source_format"] == "text"
    url = "http://169.254.169.254/latest/meta-data/"
    doc = narrascope.analyze(url, pipeline=STRUCTURE)
    assert doc.text == url
    assert narrascope.analyze_all(url, pipeline=STRUCTURE)[0].text == url
    assert net.lookups == [] and net.connects == []


def test_paths_and_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("A Headline\n\nA body of text about the harbour and the new lighthouse keeper.\n", encoding="utf-8")
    by_path = narrascope.analyze(path, pipeline=STRUCTURE)
    by_bytes = narrascope.analyze(path.read_bytes(), pipeline=STRUCTURE)
    by_text = narrascope.analyze(path.read_text(encoding="utf-8"), pipeline=STRUCTURE)
    assert by_path.id == by_bytes.id == by_text.id
    with pytest.raises(InputError, match="no such file"):
        narrascope.analyze(tmp_path / "missing.txt", pipeline=STRUCTURE)


@pytest.mark.parametrize("bad", [None, 42, 1.5, ["text"], {"text": "x"}, object()])
def test_wrong_types_are_input_errors(bad) -> None:
    for call in (narrascope.analyze, narrascope.analyze_all, narrascope.analyze_url, narrascope.analyze_all_url):
        with pytest.raises(InputError) as exc:
            call(bad, pipeline=STRUCTURE)
        assert "\n" not in str(exc.value) and type(bad).__name__ in str(exc.value)


def test_analyze_url(net: Net, server: Server) -> None:
    url = server.url + "/page"
    with pytest.raises(PrivateAddressError):
        narrascope.analyze_url(url, pipeline=STRUCTURE)
    assert server.requests == [] and net.connects == []
    doc = narrascope.analyze_url(url, allow_private=True, pipeline=STRUCTURE)
    assert doc.metadata["title"] == "Local page" and doc.metadata["url"] == url
    with pytest.raises(PrivateAddressError):
        narrascope.analyze_url("http://169.254.169.254/latest/meta-data/", allow_private=True, pipeline=STRUCTURE)
    server.routes["/slow"] = _dribble_body
    with pytest.raises(InputError, match="gave up after 1 s"):
        narrascope.analyze_url(server.url + "/slow", allow_private=True, deadline=1, pipeline=STRUCTURE)


def test_analyze_all_url_reads_a_feed(server: Server) -> None:
    feed = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Gazette</title>
<item><title>Lighthouse repaired</title><link>https://gazette.example.org/1</link>
<description>Engineers finished repairing the old lighthouse on Tuesday.</description></item>
<item><title>Fish market reopens</title><link>https://gazette.example.org/2</link>
<description>The fish market reopened after a month of renovation works.</description></item>
</channel></rss>"""
    server.routes["/feed.xml"] = lambda h: _page(h, feed, "application/rss+xml")
    docs = narrascope.analyze_all_url(server.url + "/feed.xml", allow_private=True, pipeline=STRUCTURE)
    assert [d.metadata["title"] for d in docs] == ["Lighthouse repaired", "Fish market reopens"]
    with pytest.raises(InputError, match="analyze_all_url"):
        narrascope.analyze_url(server.url + "/feed.xml", allow_private=True, pipeline=STRUCTURE)


# -- the CLI ----------------------------------------------------------------------------------------


def test_cli_analyze_url_is_guarded(server: Server) -> None:
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "narrascope", "analyze", *args, "--disable", "entities"],
                              capture_output=True, text=True, timeout=180, env=env)

    url = server.url + "/page"
    refused = run(url)
    assert refused.returncode == 3, refused.stderr
    errors = [line for line in refused.stderr.splitlines() if line.startswith("narrascope: error:")]
    assert errors[0].startswith(f"narrascope: error: {url}: refusing to fetch from 127.0.0.1") and "--allow-private" in errors[0]
    assert errors[1:] == ["narrascope: error: nothing to analyse"]
    assert "Traceback" not in refused.stderr and server.requests == []
    allowed = run(url, "--allow-private")
    assert allowed.returncode == 0, allowed.stderr
    assert "Local page" in allowed.stdout and server.requests == ["/page"]
    meta = run("http://169.254.169.254/latest/meta-data/", "--allow-private")
    assert meta.returncode == 3 and "never fetched" in meta.stderr
