"""Read a query from a SQLite file as Arrow batches, in a child process.

ADBC's SQLite driver hands rows over as Arrow columns from C, several times
faster than Python's ``sqlite3`` cursor, which builds a Python object per
value. But the driver links its own copy of SQLite, and two copies of SQLite
in one process do not see each other's POSIX locks: closing one copy's file
handle drops the other's locks, which SQLite documents as a way to corrupt a
database, and in practice the second copy kept reading a stale snapshot. So
the driver runs in a child process (processes share SQLite's locks as usual)
and streams Arrow IPC back through a pipe.

Run as ``python -m footprint.data.sqlite_arrow PATH SQL BATCH_ROWS``; the
parent side is :func:`read_batches`.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.ipc


class SqliteArrowError(RuntimeError):
    """The child process could not read the query; ``detail`` is what it printed."""

    def __init__(self, path: str, detail: str):
        self.path = path
        self.detail = detail
        super().__init__(f"Reading {path} through ADBC failed: {detail.strip()[-500:]}")


def available() -> bool:
    """Return True when ADBC's SQLite driver is installed."""
    try:
        import adbc_driver_sqlite  # noqa: F401
    except ImportError:
        return False
    return True


def read_batches(path: str, sql: str, batch_rows: int = 100_000) -> Iterator[pa.RecordBatch]:
    """Yield the rows of ``sql`` on the SQLite file ``path`` as Arrow record batches.

    Raises
    ------
    SqliteArrowError
        When the child process fails (a bad query, a missing file).
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "footprint.data.sqlite_arrow", path, sql, str(int(batch_rows))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        try:
            reader = pa.ipc.open_stream(process.stdout)
        except pa.ArrowInvalid:
            process.wait()
            raise SqliteArrowError(path, process.stderr.read().decode(errors="replace")) from None
        yield from reader
        process.wait()
        if process.returncode:
            raise SqliteArrowError(path, process.stderr.read().decode(errors="replace"))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def _serve(path: str, sql: str, batch_rows: int) -> None:
    import adbc_driver_sqlite.dbapi as adbc

    connection = adbc.connect(path)
    try:
        cursor = connection.cursor()
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(batch_rows)})
        cursor.execute(sql)
        reader = cursor.fetch_record_batch()
        with pa.ipc.new_stream(sys.stdout.buffer, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
        cursor.close()
    finally:
        connection.close()


if __name__ == "__main__":
    _serve(sys.argv[1], sys.argv[2], int(sys.argv[3]))
