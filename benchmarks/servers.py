"""Throwaway servers for the benchmarks: PostgreSQL/PostGIS and Streamlit, on 127.0.0.1.

Built on the test suite's helpers (``tests/conftest.py``), so the benchmarks
start their servers exactly as the tests do.
"""

from __future__ import annotations

import collections
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT / "tests"))

import conftest  # noqa: E402

CHROMIUM = conftest.CHROMIUM
CHROMIUM_ARGS = conftest.CHROMIUM_ARGS
free_port = conftest.free_port


class ServerUnavailable(RuntimeError):
    """A server the benchmark needs is not installed here; the message says which."""


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Start a PostgreSQL server with PostGIS on a free port; yield its admin URL.

    The URL names the ``postgres`` database; :func:`create_database` makes
    one per store. Everything is removed on exit.
    """
    if os.environ.get("FOOTPRINT_TEST_POSTGRES_URL"):
        yield os.environ["FOOTPRINT_TEST_POSTGRES_URL"]
        return
    bin_dir = conftest._postgres_bin()
    if bin_dir is None:
        raise ServerUnavailable("PostgreSQL server binaries are not installed")
    extension = Path(f"/usr/share/postgresql/{bin_dir.parent.name}/extension/postgis.control")
    if not extension.exists():
        raise ServerUnavailable("the PostGIS extension is not installed")
    as_postgres = conftest._as_postgres_user
    workdir = Path(tempfile.mkdtemp(prefix="footprint-bench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    data_dir = workdir / "data"
    port = free_port()
    subprocess.run(
        as_postgres(
            [str(bin_dir / "initdb"), "-D", str(data_dir), "-U", "postgres", "--auth=trust"]
            + ["-E", "UTF8"]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {workdir} -c fsync=off"
    subprocess.run(
        as_postgres(
            [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-l", str(workdir / "server.log")]
            + ["-o", options, "-w", "start"]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "fast", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(workdir, ignore_errors=True)


def create_database(admin_url: str, name: str) -> str:
    """Create (or empty) database ``name`` on the server of ``admin_url``; return its URL."""
    import sqlalchemy as sa

    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


@contextlib.contextmanager
def streamlit_server(database_url: str, app_root: Path = PROJECT_ROOT) -> Iterator[tuple]:
    """Serve ``app_root/app.py`` on a free port against ``database_url``; yield (process, URL)."""
    process, base = conftest.start_streamlit(database_url, app_root=app_root)
    # Read the server's output as it comes, so a full pipe never blocks it.
    tail: collections.deque[bytes] = collections.deque(maxlen=200)
    threading.Thread(target=lambda: tail.extend(process.stdout), daemon=True).start()
    process.output_tail = tail
    try:
        yield process, base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
