"""The one URL fetcher: every download (``narrascope analyze URL``, ``ingest``, ``analyze_url``) goes through it.

    fetcher = Fetcher(allow_private=False, deadline=60.0, max_bytes=20 * 1024 * 1024)
    with fetcher.open("https://example.org/a") as response:
        data = response.read()

What it guarantees, on the first request and on every redirect hop alike:

- only ``http`` and ``https``; a redirect to ``file:``, ``ftp:``, ``data:`` or anything else is refused;
- the host is resolved and every address it resolves to is judged (``refusal``) before any connection;
  the connection is then made to an address it has just resolved and judged again, and the address
  actually connected to is judged once more, so a DNS answer that changes between the check and
  the connection (DNS rebinding) cannot reach a refused address;
- refused unless ``allow_private``: private (10/8, 172.16/12, 192.168/16, fc00::/7, 100.64/10, ...)
  and loopback (127/8, ::1) addresses;
- refused always, ``allow_private`` or not: link-local (169.254/16, fe80::/10), multicast,
  unspecified (0.0.0.0/8, ::), reserved addresses and the cloud metadata endpoints
  (``METADATA_ADDRESSES``, ``METADATA_HOSTNAMES``); IPv4 addresses embedded in IPv6
  (::ffff:a.b.c.d, 64:ff9b::/96, 2002::/16) are judged as the IPv4 address;
- proxies from the environment (``http_proxy``, ...) are never used: a proxy would resolve and
  connect on our behalf, out of the guard's sight;
- an overall deadline (``deadline`` seconds of wall time for the whole download: lookups,
  connections, redirects, headers and body; a server that sends 2 bytes a second is cut off) on
  top of the per-operation socket ``timeout``, and a size cap (``max_bytes``) on the body;
- every failure is an ``InputError`` with one line that names the URL asked for (control
  characters escaped).

No global state of urllib is touched: each download builds its own opener from explicit handlers.
"""

from __future__ import annotations

import errno
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from ..errors import InputError, printable
from .base import human_size

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "DEFAULT_TIMEOUT",
    "METADATA_ADDRESSES",
    "METADATA_HOSTNAMES",
    "AddressRefused",
    "FetchResponse",
    "Fetcher",
    "PrivateAddressError",
    "check_url",
    "is_public_address",
    "refusal",
    "shown_url",
]

DEFAULT_TIMEOUT = 20.0  # seconds, each socket operation (connect, one read)
DEFAULT_DEADLINE = 60.0  # seconds of wall time for one whole download, redirects included
DEFAULT_MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5

_USER_AGENT = "Mozilla/5.0 (compatible; narrascope/0.1)"
_ACCEPT = "text/html,application/xhtml+xml,application/json,text/plain;q=0.9,*/*;q=0.5"

# Cloud metadata and host-agent endpoints: refused always, allow_private or not. Most sit in the
# link-local range, which is refused anyway; the others are listed because they do not.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, Oracle, DigitalOcean, Hetzner, ...
    "169.254.170.2",  # AWS ECS task metadata and credentials
    "169.254.170.23",  # AWS EKS Pod Identity
    "169.254.0.23",  # Tencent Cloud
    "fd00:ec2::254",  # AWS instance metadata over IPv6
    "fd00:ec2::23",  # AWS EKS Pod Identity over IPv6
    "fd20:ce::254",  # Google Cloud metadata over IPv6
    "100.100.100.200",  # Alibaba Cloud
    "192.0.0.192",  # Oracle Cloud Infrastructure (classic)
    "168.63.129.16",  # Azure WireServer (host agent)
))
METADATA_HOSTNAMES = frozenset({
    "metadata.google.internal", "metadata.goog", "metadata",  # Google Cloud
    "instance-data", "instance-data.ec2.internal",  # AWS
    "metadata.tencentyun.com",  # Tencent Cloud
    "metadata.platformequinix.com", "metadata.packet.net",  # Equinix Metal
})
_NEVER_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8",  # "this network": 0.x.x.x reaches this host on Linux
    "169.254.0.0/16", "fe80::/10",  # link-local, where metadata services live
))
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class FetchRefused(InputError):
    """A URL the fetcher will not fetch (scheme, host or address); ``url`` is the one refused
    (a redirect target, for a refused redirect) and ``detail`` the message without it."""

    def __init__(self, url: str, detail: str) -> None:
        self.url = url
        self.detail = detail
        super().__init__(f"{shown_url(url)}: {detail}")


class PrivateAddressError(FetchRefused):
    """A URL whose host is (or resolves to) a private, loopback, link-local, metadata or otherwise
    non-public address."""


class AddressRefused(OSError):
    """Raised by a guarded connection for an address it may not connect to (urllib wraps it in
    URLError; ``Fetcher.open`` turns it into a PrivateAddressError naming the URL)."""


def shown_url(url: Any, limit: int = 300) -> str:
    """A URL fit for a one-line message: control and other unprintable characters escaped, cut to ``limit``."""
    return printable(url, limit=limit)


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(str(address).split("%", 1)[0])
    except ValueError:
        return None


def refusal(address: str, *, allow_private: bool = False) -> str | None:
    """Why ``address`` (an IP address) may not be fetched from, in a few words; None when it may.

    The rules, in one place: metadata endpoints, link-local, unspecified (0.0.0.0/8, ::), multicast
    and reserved addresses are refused always; private and loopback ones unless ``allow_private``;
    globally routable unicast addresses are allowed."""
    ip = _ip(address)
    if ip is None:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and any(ip in net for net in _NAT64):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = refusal(str(embedded), allow_private=allow_private)
            return None if inner is None else f"{inner}, embedded in {ip}"
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address, never fetched"
    if ip.is_link_local or any(ip.version == net.version and ip in net for net in _NEVER_NETWORKS):
        return "a link-local address, never fetched"
    if ip.is_unspecified:
        return "an unspecified address, never fetched"
    if ip.is_multicast:
        return "a multicast address, never fetched"
    if ip.is_loopback:  # before reserved: ::1 lies in the reserved ::/8
        return None if allow_private else "a loopback address"
    if ip.is_reserved or (isinstance(ip, ipaddress.IPv4Address) and ip == ipaddress.IPv4Address("255.255.255.255")):
        return "a reserved address, never fetched"
    if ip.is_private or not ip.is_global or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local):
        return None if allow_private else "a private address"
    return None


def is_public_address(address: str) -> bool:
    """True only for a globally routable unicast address that is not a metadata endpoint."""
    return refusal(address) is None


def _host_refusal(host: str) -> str | None:
    if host.lower().rstrip(".") in METADATA_HOSTNAMES:
        return "a cloud metadata host name, never fetched"
    return None


def _first_refused(addresses: list[str], allow_private: bool) -> tuple[str, str] | None:
    """(address, reason) for the address to name when any is refused: a never-fetched one first."""
    refused = [(a, r) for a in addresses if (r := refusal(a, allow_private=allow_private))]
    refused.sort(key=lambda pair: "never" not in pair[1])
    return refused[0] if refused else None


def _allow_hint(reason: str) -> str:
    return "" if "never" in reason or reason == "not an IP address" else "; allow it with allow_private / --allow-private"


def _resolve(url: str, host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (a literal address: itself, without a lookup)."""
    if _ip(host) is not None:
        return [host]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise InputError(f"{shown_url(url)}: cannot resolve the host {shown_url(host, 100)} ({reason})") from None
    found: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in found:
            found.append(address)
    if not found:
        raise InputError(f"{shown_url(url)}: cannot resolve the host {shown_url(host, 100)}")
    return found


def _parts(url: Any) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, or FetchRefused."""
    if not isinstance(url, str):
        raise InputError(f"expected a URL (str), got {type(url).__name__}")
    try:
        parts = urllib.parse.urlsplit(url.strip())
        scheme, host, port = parts.scheme.lower(), parts.hostname or "", parts.port
    except ValueError:
        raise FetchRefused(url, "not a URL that can be fetched") from None
    if scheme not in ("http", "https") or not host:
        raise FetchRefused(url, "not an http(s) URL")
    if any(not ch.isprintable() or ch.isspace() for ch in url.strip()):
        raise FetchRefused(url, "the URL holds spaces or control characters")
    return scheme, host, port or (443 if scheme == "https" else 80)


def check_url(url: str, *, allow_private: bool = False) -> None:
    """Raise InputError for a URL that is not http(s), whose host does not resolve, or that is (or
    resolves to) an address ``refusal`` refuses; PrivateAddressError for the latter. Opens no connection."""
    _scheme, host, port = _parts(url)
    reason = _host_refusal(host)
    if reason:
        raise PrivateAddressError(url, f"refusing to fetch from {shown_url(host, 100)} ({reason})")
    refused = _first_refused(_resolve(url, host, port), allow_private)
    if refused:
        address, reason = refused
        raise PrivateAddressError(url, f"refusing to fetch from {shown_url(host, 100)} ({address} is {reason}{_allow_hint(reason)})")


# -- the guarded download --------------------------------------------------------------------------


class _Budget:
    """The overall deadline of one download: past it, every socket the download opened is shut
    down, which ends any read or handshake blocked on it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        self._timer = threading.Timer(max(0.0, seconds), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def passed(self) -> bool:
        """The deadline has passed (the watchdog fired, or a socket timeout cut at it ran out first)."""
        return self.expired or self.remaining() <= 0.01

    def register(self, sock: socket.socket) -> None:
        with self._lock:
            if not self.expired and not self._closed:
                self._sockets.append(sock)
                return
        _shutdown(sock)
        raise TimeoutError(errno.ETIMEDOUT, "the deadline passed")

    def _expire(self) -> None:
        with self._lock:
            if self._closed:
                return
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shutdown(sock)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._sockets.clear()
        self._timer.cancel()


def _shutdown(sock: socket.socket) -> None:
    try:  # the plain socket's shutdown, also for an SSLSocket: wakes a thread blocked in recv
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


class _Session:
    """What the connections and the redirect handler of one download share."""

    def __init__(self, fetcher: Fetcher, budget: _Budget) -> None:
        self.fetcher = fetcher
        self.budget = budget

    def connect(self, host: str, port: int, timeout: Any, source_address: Any) -> socket.socket:
        """Resolve, judge every address, connect to a judged one, judge the peer: nothing is sent
        to an address the guard refuses, whatever DNS answers this time."""
        allow = self.fetcher.allow_private
        reason = _host_refusal(host)
        if reason:
            raise AddressRefused(errno.EACCES, f"refusing to connect to {shown_url(host, 100)} ({reason})")
        if _ip(host) is not None:
            addresses = [host]
        else:
            try:
                addresses = list(dict.fromkeys(str(i[4][0]) for i in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))
            except UnicodeError as exc:
                raise OSError(errno.EINVAL, f"bad host name ({type(exc).__name__})") from None
        refused = _first_refused(addresses, allow)
        if refused:
            address, reason = refused
            raise AddressRefused(errno.EACCES, f"refusing to connect to {address} ({shown_url(host, 100)}): {reason}{_allow_hint(reason)}")
        last: OSError = OSError(errno.EHOSTUNREACH, "no address to connect to")
        for address in addresses:
            left = self.budget.remaining()
            if left <= 0:
                raise TimeoutError(errno.ETIMEDOUT, "timed out")
            limit = left if not isinstance(timeout, (int, float)) else min(float(timeout), left)
            try:
                sock = socket.create_connection((address, port), timeout=limit, source_address=source_address)
            except OSError as exc:
                last = exc
                continue
            try:
                peer = str(sock.getpeername()[0])
            except OSError:
                peer = ""
            reason = refusal(peer, allow_private=allow)
            if reason:
                sock.close()
                raise AddressRefused(errno.EACCES, f"refusing to connect to {peer or 'an unknown address'} ({shown_url(host, 100)}): {reason}")
            self.budget.register(sock)
            return sock
        raise last


def _connection_classes(session: _Session, context: ssl.SSLContext) -> tuple[type, type]:
    class Plain(http.client.HTTPConnection):
        def connect(self) -> None:
            self.sock = session.connect(self.host, self.port, self.timeout, self.source_address)
            try:
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass

    class Secure(http.client.HTTPSConnection):
        def connect(self) -> None:
            Plain.connect(self)  # type: ignore[arg-type]
            sock = context.wrap_socket(self.sock, server_hostname=self.host, do_handshake_on_connect=False)
            self.sock = sock
            session.budget.register(sock)  # the TLS handshake falls under the deadline too
            sock.do_handshake()

    return Plain, Secure


def _build_opener(session: _Session) -> urllib.request.OpenerDirector:
    """An opener from explicit handlers: http and https through the guarded connections, redirects
    judged hop by hop; no proxy, file, ftp or data handler."""
    context = session.fetcher.ssl_context or ssl.create_default_context()
    plain, secure = _connection_classes(session, context)

    class PlainHandler(urllib.request.HTTPHandler):
        def http_open(self, req):  # type: ignore[no-untyped-def]
            return self.do_open(plain, req)

    class SecureHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):  # type: ignore[no-untyped-def]
            return self.do_open(secure, req, context=context)

    class Redirects(urllib.request.HTTPRedirectHandler):
        max_redirections = MAX_REDIRECTS

        def http_error_302(self, req, fp, code, msg, headers):  # type: ignore[no-untyped-def]
            location = headers.get("location") or headers.get("uri")
            if location:
                target = urllib.parse.urljoin(req.full_url, location)
                try:
                    scheme = urllib.parse.urlsplit(target).scheme.lower()
                except ValueError:
                    scheme = ""
                if scheme not in ("http", "https"):
                    fp.close()
                    raise FetchRefused(target, "a redirect to anything but http(s) is refused")
                try:
                    check_url(target, allow_private=session.fetcher.allow_private)
                except InputError:
                    fp.close()
                    raise
            return super().http_error_302(req, fp, code, msg, headers)

        http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    opener = urllib.request.OpenerDirector()
    for handler in (PlainHandler(), SecureHandler(context=context), Redirects(), urllib.request.HTTPDefaultErrorHandler(),
                    urllib.request.HTTPErrorProcessor(), urllib.request.UnknownHandler()):
        opener.add_handler(handler)
    return opener


def _reason(exc: BaseException) -> str:
    """A few words for a network failure, not the exception's full text."""
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        return exc.reason if isinstance(exc.reason, str) else _reason(exc.reason)  # type: ignore[arg-type]
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ssl.SSLError):
        return shown_url(getattr(exc, "reason", None) or "TLS error", 120)
    if isinstance(exc, OSError) and exc.strerror:
        return shown_url(exc.strerror, 120)
    return type(exc).__name__


class FetchResponse:
    """One response being read under the deadline and the size cap. ``read`` raises InputError
    (naming the URL asked for) when either is passed."""

    def __init__(self, url: str, response: Any, budget: _Budget, fetcher: Fetcher) -> None:
        self.url = url
        self.final_url: str = response.geturl() or url
        self.status: int = getattr(response, "status", 200)
        self.headers = response.headers
        self._response = response
        self._budget = budget
        self._fetcher = fetcher
        self._read = 0
        length = response.headers.get("Content-Length", "")
        self.length: int | None = int(length) if length.strip().isdigit() else None
        if self.length is not None and self.length > fetcher.max_bytes:
            self.close()
            raise self._too_large(self.length)

    def _too_large(self, size: int | None) -> InputError:
        limit = human_size(self._fetcher.max_bytes)
        what = f"is {human_size(size)}, over" if size is not None else "is over"
        return InputError(f"{shown_url(self.url)}: the download {what} the {limit} limit for one download")

    def read(self, n: int | None = -1) -> bytes:
        want = None if n is None or n < 0 else n
        pieces: list[bytes] = []
        got = 0
        while want is None or got < want:
            ask = 1 << 16 if want is None else min(1 << 16, want - got)
            try:
                piece = self._response.read1(ask)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                if self._budget.passed():
                    raise self._fetcher._deadline_error(self.url) from None
                raise InputError(f"{shown_url(self.url)}: the download failed ({_reason(exc)})") from None
            if self._budget.passed():
                raise self._fetcher._deadline_error(self.url)
            if not piece:
                if ask and (getattr(self._response, "length", None) or 0) > 0:  # EOF before Content-Length
                    raise InputError(f"{shown_url(self.url)}: the download was cut short by the server")
                break
            self._read += len(piece)
            if self._read > self._fetcher.max_bytes:
                raise self._too_large(None)
            pieces.append(piece)
            got += len(piece)
        return b"".join(pieces)

    def close(self) -> None:
        self._budget.close()
        try:
            self._response.close()
        except Exception:  # noqa: BLE001 - closing a broken connection
            pass

    def __enter__(self) -> FetchResponse:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Fetcher:
    """The guarded fetcher. Settings, each with its default:

    - ``allow_private`` (False): also fetch from private and loopback addresses (never link-local
      or metadata ones);
    - ``timeout`` (20 s): each socket operation;
    - ``deadline`` (60 s): the whole download, wall time, redirects included;
    - ``max_bytes`` (20 MB): the body;
    - ``ssl_context`` (None: the system's trusted certificates, hostnames checked): for https.

    A Fetcher holds no connection and no state between downloads; one can serve many threads."""

    def __init__(self, *, allow_private: bool = False, timeout: float = DEFAULT_TIMEOUT,
                 deadline: float = DEFAULT_DEADLINE, max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        for name, value in (("timeout", timeout), ("deadline", deadline), ("max_bytes", max_bytes)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise InputError(f"Fetcher: {name} must be a positive number, not {value!r}")
        self.allow_private = bool(allow_private)
        self.timeout = float(timeout)
        self.deadline = float(deadline)
        self.max_bytes = int(max_bytes)
        if ssl_context is not None and not isinstance(ssl_context, ssl.SSLContext):
            raise InputError(f"Fetcher: ssl_context must be an ssl.SSLContext, not {type(ssl_context).__name__}")
        self.ssl_context = ssl_context

    def __repr__(self) -> str:
        return (f"Fetcher(allow_private={self.allow_private}, timeout={self.timeout:g}, deadline={self.deadline:g}, "
                f"max_bytes={self.max_bytes})")

    def check(self, url: str) -> None:
        """The checks made before any connection (see ``check_url``)."""
        check_url(url, allow_private=self.allow_private)

    def opener(self) -> urllib.request.OpenerDirector:
        """A guarded urllib opener for one download (its deadline starts now); ``open`` is the
        usual way in, this is for callers that need urllib's own objects."""
        return _build_opener(_Session(self, _Budget(self.deadline)))

    def _deadline_error(self, url: str) -> InputError:
        return InputError(f"{shown_url(url)}: gave up after {self.deadline:g} s, the deadline for one download")

    def open(self, url: str, *, headers: dict[str, str] | None = None) -> FetchResponse:
        """Check, connect and read the response headers; the returned FetchResponse is read (and
        should be closed) by the caller, still under the deadline and the cap."""
        budget = _Budget(self.deadline)  # the lookups of the check count too
        try:
            self.check(url)
        except BaseException:
            budget.close()
            raise
        url = url.strip()
        opener = _build_opener(_Session(self, budget))
        request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT, "Accept": _ACCEPT, **(headers or {})})
        try:
            response = opener.open(request, timeout=min(self.timeout, max(budget.remaining(), 0.001)))
        except FetchRefused as exc:
            budget.close()
            if exc.url.strip() == url:
                raise
            raise type(exc)(url, f"redirected to {shown_url(exc.url)}, {exc.detail}") from None
        except InputError as exc:
            budget.close()
            if str(exc).startswith(shown_url(url)):
                raise
            raise InputError(f"{shown_url(url)}: redirected; {exc}") from None
        except urllib.error.HTTPError as exc:
            budget.close()
            exc.close()
            if budget.passed():
                raise self._deadline_error(url) from None
            if exc.code in (301, 302, 303, 307, 308):
                raise InputError(f"{shown_url(url)}: too many redirects (over {MAX_REDIRECTS})") from None
            raise InputError(f"{shown_url(url)}: the server answered HTTP {exc.code} {shown_url(exc.reason, 80)}") from None
        except urllib.error.URLError as exc:
            budget.close()
            if isinstance(exc.reason, AddressRefused):
                raise PrivateAddressError(url, exc.reason.strerror or str(exc.reason)) from None
            if budget.passed():
                raise self._deadline_error(url) from None
            if isinstance(exc.reason, str) and exc.reason.startswith("unknown url type"):
                raise FetchRefused(url, "not an http(s) URL") from None
            raise InputError(f"{shown_url(url)}: could not fetch ({_reason(exc)})") from None
        except (OSError, http.client.HTTPException) as exc:
            budget.close()
            if budget.passed():
                raise self._deadline_error(url) from None
            raise InputError(f"{shown_url(url)}: could not fetch ({_reason(exc)})") from None
        except ValueError:
            budget.close()
            raise InputError(f"{shown_url(url)}: not a URL that can be fetched") from None
        except BaseException:
            budget.close()
            raise
        if budget.passed():
            response.close()
            budget.close()
            raise self._deadline_error(url)
        try:
            return FetchResponse(url, response, budget, self)
        except BaseException:
            budget.close()
            response.close()
            raise
