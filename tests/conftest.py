"""Shared fixtures: real parts started by the tests themselves.

- ``strict`` mode (``FOOTPRINT_STRICT=1``, set by ``.ci/run``) turns every
  "not available here" skip into a failure, so CI cannot pass by skipping.
- ``postgres_url`` starts a throwaway PostgreSQL server with PostGIS on
  127.0.0.1 for the session.
- ``streamlit_server`` starts the dashboard on a free port against a temporary
  SQLite store; ``browser`` is Debian's headless Chromium driven by Playwright.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = PROJECT_ROOT / "tests" / "artifacts"
# Snapshots of the analytical copy (footprint.data.snapshots) that the tests'
# stores and servers write go to a throwaway folder, never into data/.
_OWN_SNAPSHOT_DIR = "FOOTPRINT_SNAPSHOT_DIR" not in os.environ
SNAPSHOT_DIR = os.environ.setdefault(
    "FOOTPRINT_SNAPSHOT_DIR", tempfile.mkdtemp(prefix="footprint-test-snapshots-")
)


def pytest_sessionfinish(session, exitstatus):
    """Remove the throwaway snapshot folder (only when the tests made it)."""
    if _OWN_SNAPSHOT_DIR:
        shutil.rmtree(SNAPSHOT_DIR, ignore_errors=True)


STRICT = os.environ.get("FOOTPRINT_STRICT", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("FOOTPRINT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def require(condition: bool, reason: str) -> None:
    """Skip the calling test with ``reason`` unless ``condition`` holds.

    In strict mode (CI) the test fails instead: browser, database and
    reference-data tests must run there.
    """
    if condition:
        return
    if STRICT:
        pytest.fail(f"strict mode: {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def fresh_sign_in_throttle(monkeypatch):
    """Each test starts with no failed sign-ins (the throttle lives in the process)."""
    from footprint import auth

    monkeypatch.setattr(auth, "THROTTLE", auth.SignInThrottle())


@pytest.fixture(scope="session")
def boundaries_ready() -> Path:
    """The prepared boundary folder; skips (fails in strict mode) without it."""
    from footprint import paths
    from footprint.data import boundaries

    if not boundaries.available():
        try:
            boundaries.prepare()
        except boundaries.BoundaryError as error:
            require(False, f"boundary files are not available: {error}")
    return paths.BOUNDARIES_DIR


@pytest.fixture(scope="session")
def shared_exports() -> Path:
    """``../shared/real-exports/``; skips (fails in strict mode) where it is absent."""
    from footprint import paths

    require(
        (paths.SHARED_EXPORTS_DIR / "ucdp_ged_pakistan.csv").exists(),
        f"real exports are not in {paths.SHARED_EXPORTS_DIR}",
    )
    return paths.SHARED_EXPORTS_DIR


# --- PostgreSQL / PostGIS -------------------------------------------------


def _postgres_bin() -> Path | None:
    for version in ("17", "16", "15"):
        candidate = Path(f"/usr/lib/postgresql/{version}/bin")
        if (candidate / "postgres").exists():
            return candidate
    return None


def _as_postgres_user(command: list[str]) -> list[str]:
    # The server refuses to run as root, which is who CI is.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@pytest.fixture(scope="session")
def postgres_url():
    """Start a PostgreSQL server with PostGIS on 127.0.0.1 and yield its URL."""
    if os.environ.get("FOOTPRINT_TEST_POSTGRES_URL"):
        yield os.environ["FOOTPRINT_TEST_POSTGRES_URL"]
        return
    bin_dir = _postgres_bin()
    require(bin_dir is not None, "PostgreSQL server binaries are not installed")
    extension = Path(f"/usr/share/postgresql/{bin_dir.parent.name}/extension/postgis.control")
    require(extension.exists(), "the PostGIS extension is not installed")
    workdir = Path(tempfile.mkdtemp(prefix="footprint-pg-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    data_dir = workdir / "data"
    port = free_port()
    subprocess.run(
        _as_postgres_user(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ]
        ),
        check=True,
        capture_output=True,
    )
    subprocess.run(
        _as_postgres_user(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data_dir),
                "-l",
                str(workdir / "server.log"),
                "-o",
                f"-p {port} -c listen_addresses=127.0.0.1 -k {workdir} -c fsync=off",
                "-w",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(
            _as_postgres_user(
                [
                    str(bin_dir / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-U",
                    "postgres",
                    "footprint_test",
                ]
            ),
            check=True,
            capture_output=True,
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/footprint_test"
    finally:
        subprocess.run(
            _as_postgres_user([str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "fast", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(workdir, ignore_errors=True)


# --- Streamlit server and Chromium ----------------------------------------


def start_streamlit(
    database_url: str,
    port: int | None = None,
    env_extra: dict | None = None,
    app_root: Path = PROJECT_ROOT,
):
    """Start ``streamlit run app.py`` on 127.0.0.1; return (process, base URL).

    ``app_root`` is the checkout whose ``app.py`` is served (the benchmark
    serves an older commit's beside this one).
    """
    port = port or free_port()
    env = dict(os.environ, FOOTPRINT_DATABASE_URL=database_url, **(env_extra or {}))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(app_root / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=app_root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace")
            raise RuntimeError(f"streamlit exited early:\n{output}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("streamlit did not become healthy within 60 s")


def empty_engine(url: str):
    """Return an engine on ``url`` with Footprint's tables dropped.

    Tests share one PostgreSQL/PostGIS database, so each starts by removing
    what an earlier test stored; a new SQLite file has nothing to drop.
    """
    import sqlalchemy as sa

    from footprint.data import store

    engine = store.make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for table in ("event_sources", "event_groups", "events", "groups", "batches", "meta"):
                connection.execute(sa.text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    return engine


def store_url(request, tmp_path: Path, backend: str) -> str:
    """A new SQLite file's URL, or the shared PostGIS server's, for ``backend``."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("postgres_url")


@contextlib.contextmanager
def serving_process(database_url: str, env_extra: dict | None = None):
    """Serve ``database_url`` with ``streamlit run``; yield the base URL, stop it after."""
    process, base = start_streamlit(database_url, env_extra=env_extra)
    try:
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def streamlit_server(tmp_path_factory, boundaries_ready):
    """The dashboard served on a free port against a fresh SQLite store."""
    database = tmp_path_factory.mktemp("store") / "footprint.db"
    with serving_process(f"sqlite:///{database}") as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (never a downloaded build)."""
    require(Path(CHROMIUM).exists(), f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "the playwright package is not installed")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser):
    """A fresh browser page at a projector-like size; console errors are collected."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()


def _pages_manager_init():
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:
        return None
    return PagesManager.__init__


#: Streamlit's own ``PagesManager.__init__``, before any fixture patches it.
PAGES_MANAGER_INIT = _pages_manager_init()


@pytest.fixture
def fresh_server_pages_mode(monkeypatch):
    """Make AppTest's first run a fresh server's first run: in the legacy pages/ mode.

    A server's first ``PagesManager`` finds ``pages/`` beside ``app.py`` and
    runs the first request in the old pages-folder mode; once a run calls
    ``st.navigation`` the mode stays off for the life of the process. AppTest
    resets the mode before each run, so this keeps it on only for the first.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PAGES_MANAGER_INIT  # not navigation_only's, should a module use both
    created = []

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if created:
            PagesManager.uses_pages_directory = False
        created.append(self)

    monkeypatch.setattr(PagesManager, "__init__", init)
    return created


@pytest.fixture
def navigation_only(monkeypatch):
    """Keep AppTest on ``st.navigation`` for every run, as a real server does.

    AppTest (Streamlit 1.67) resets ``PagesManager.uses_pages_directory``
    before each run; finding ``pages/`` beside ``app.py`` it would run the
    current page alone, skipping ``app.py`` (no store, no filter panel). A
    server's first ``st.navigation`` call turns that mode off for good (the
    pages' own guard covers a fresh server's first request); this does the
    same for AppTest.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``tests/artifacts/`` (ignored by git): screenshots a person can look at."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR
