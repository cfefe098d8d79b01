"""A throwaway PostgreSQL server for the test session (a pytest plugin: ``pytest_plugins`` in conftest.py).

``pg_server`` (session): ``initdb`` into a temporary folder, ``fsync=off``, listening on a free
localhost TCP port (and a unix socket in that folder), started with ``pg_ctl -w`` and stopped at
the end of the session. ``pg_url`` (per test): a fresh, empty database on it (dropped afterwards),
as a ``postgresql://`` URL.

PostgreSQL refuses to run as root: as root, initdb and pg_ctl run as the ``postgres`` system user
(Debian's package creates it; created here when missing) through ``runuser``, and that user owns
the temporary folder. Binaries are looked for in ``$NARRASCOPE_PG_BINDIR``, next to ``initdb`` on
PATH, then in /usr/lib/postgresql/*/bin (newest first); ``scripts/install_postgres.sh`` installs
them. Without them the PostgreSQL tests skip, except under CI=true, where that is a failure.
``NARRASCOPE_TEST_POSTGRES_URL`` (a server where that user may CREATE DATABASE) replaces the
throwaway server.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import urllib.parse
import uuid
from pathlib import Path

import pytest

PG_USER = "postgres"  # the system user servers run as when the tests run as root (Debian's)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL tests must run under CI=true: {reason} (run scripts/install_postgres.sh)", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason} (run scripts/install_postgres.sh)")


def find_bindir() -> Path | None:
    """A folder holding initdb, pg_ctl and postgres, or None."""
    candidates: list[Path] = []
    if os.environ.get("NARRASCOPE_PG_BINDIR"):
        candidates.append(Path(os.environ["NARRASCOPE_PG_BINDIR"]))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", Path(path).parent.name)) or (0,)

    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)]
    for folder in candidates:
        if all((folder / exe).is_file() and os.access(folder / exe, os.X_OK) for exe in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """One PostgreSQL server in a temporary folder; ``admin`` is an autocommit connection to it."""

    def __init__(self, admin_url: str, folder: Path | None = None, run_as: list[str] | None = None,
                 bindir: Path | None = None) -> None:
        import psycopg

        self.admin_url = admin_url
        self.folder = folder
        self.run_as = run_as or []
        self.bindir = bindir
        self.admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=10)

    # -- starting and stopping ------------------------------------------------------------------------
    @classmethod
    def start(cls, bindir: Path) -> "PgServer":
        run_as: list[str] = []
        parent = None
        if os.geteuid() == 0:
            _ensure_user(PG_USER)
            if not shutil.which("runuser"):
                raise RuntimeError("running as root needs runuser (util-linux) to start PostgreSQL as a system user")
            run_as = ["runuser", "-u", PG_USER, "--"]
            parent = "/tmp" if os.path.isdir("/tmp") else None  # reachable by that user
        folder = Path(tempfile.mkdtemp(prefix="narrascope-pg-", dir=parent))
        try:
            if run_as:
                entry = pwd.getpwnam(PG_USER)
                os.chown(folder, entry.pw_uid, entry.pw_gid)
            data = folder / "data"
            _run(run_as + [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                           "--locale=C", "-N"], "initdb")
            last = ""
            for _ in range(5):  # a free port can be taken between choosing and binding it
                port = _free_port()
                options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
                           " -c full_page_writes=off -c max_connections=40 -c shared_buffers=32MB")
                proc = subprocess.run(run_as + [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"),
                                                "-w", "-t", "60", "-o", options, "start"], capture_output=True, text=True)
                if proc.returncode == 0:
                    return cls(f"postgresql://postgres@127.0.0.1:{port}/postgres", folder, run_as, bindir)
                last = (proc.stderr or proc.stdout).strip()
                log = folder / "server.log"
                if log.is_file():
                    last += "\n" + log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"pg_ctl start failed: {last}")
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def stop(self) -> None:
        try:
            self.admin.close()
        finally:
            if self.folder is not None and self.bindir is not None:
                subprocess.run(self.run_as + [str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"),
                                              "-m", "immediate", "-w", "stop"], capture_output=True)
                shutil.rmtree(self.folder, ignore_errors=True)

    # -- databases ------------------------------------------------------------------------------------
    def url(self, dbname: str) -> str:
        return urllib.parse.urlsplit(self.admin_url)._replace(path=f"/{dbname}").geturl()

    def create_database(self) -> str:
        name = f"narrascope_test_{uuid.uuid4().hex[:12]}"
        self.admin.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(cmd: list[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed ({proc.returncode}): {(proc.stderr or proc.stdout).strip()[-2000:]}")


def _ensure_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        _run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name],
             f"useradd {name}")


@pytest.fixture(scope="session")
def pg_server():
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e '.[postgres]')")
    external = os.environ.get("NARRASCOPE_TEST_POSTGRES_URL")
    if external:
        server = PgServer(external)
    else:
        bindir = find_bindir()
        if bindir is None:
            _unavailable("no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin")
        try:
            server = PgServer.start(bindir)
        except (RuntimeError, OSError) as exc:
            _unavailable(f"cannot start a throwaway PostgreSQL server: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty database for one test, as a postgresql:// URL."""
    name = pg_server.create_database()
    try:
        yield pg_server.url(name)
    finally:
        pg_server.drop_database(name)
