"""The command line never destroys or tracebacks (issue 9)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from footprint.importers import mapping, textio
from footprint.importers.checks import ImportRefused

PROJECT = Path(__file__).resolve().parent.parent


def run(*args: str, database: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if database:
        env["FOOTPRINT_DATABASE_URL"] = database
    return subprocess.run(
        [sys.executable, "-m", "footprint", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def initialised(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "store.db"
    done = run("init-db", database=f"sqlite:///{path}")
    assert done.returncode == 0, done.stderr
    return path


def test_export_onto_the_store_itself_is_refused(initialised):
    before = initialised.read_bytes()
    done = run(
        "export", "--format", "gpkg", "-o", str(initialised), database=f"sqlite:///{initialised}"
    )
    assert done.returncode == 2
    assert "is the store itself" in done.stderr and "Traceback" not in done.stderr
    assert initialised.read_bytes() == before


@pytest.mark.parametrize("output", ["", "   ", "DIR"])
def test_export_to_a_folder_or_nothing_is_a_message(initialised, tmp_path, output):
    output = str(tmp_path) if output == "DIR" else output
    done = run("export", "--format", "csv", "-o", output, database=f"sqlite:///{initialised}")
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "Fix:" in done.stderr
    assert "Traceback" not in done.stderr


def test_export_on_a_never_initialised_store_leaves_no_file(tmp_path):
    store_file = tmp_path / "never" / "store.db"
    done = run("export", "--format", "csv", "-o", str(tmp_path / "out.csv"),
               database=f"sqlite:///{store_file}")  # fmt: skip
    assert done.returncode == 2
    assert "there is no store" in done.stderr and "init-db" in done.stderr
    assert "Traceback" not in done.stderr
    assert not store_file.exists()
    assert not (tmp_path / "out.csv").exists()


def test_export_still_works(initialised, tmp_path):
    out = tmp_path / "events.csv"
    done = run("export", "--format", "csv", "-o", str(out), database=f"sqlite:///{initialised}")
    assert done.returncode == 0, done.stderr
    assert len(out.read_text().splitlines()) > 10


def test_mappings_whose_names_slug_to_one_file_do_not_overwrite(tmp_path):
    header = ["when", "where", "what"]
    columns = {"event_date": "when", "location_text": "where"}
    first = mapping.ColumnMapping(name="My GTD", header=header, columns=columns)
    path = mapping.save_mapping(first, tmp_path)
    second = mapping.ColumnMapping(name="my-gtd", header=header, columns=columns)
    with pytest.raises(ImportRefused, match="already uses the file my-gtd.json"):
        mapping.save_mapping(second, tmp_path)
    assert (
        mapping.ColumnMapping.from_dict(__import__("json").loads(path.read_text())).name == "My GTD"
    )
    mapping.save_mapping(first, tmp_path)  # saving the same mapping again is fine


def test_a_repeated_header_column_is_warned():
    table = textio.read_table(b"event_date,city,city\n2015-01-01,Karachi,Quetta\n", "dup.csv")
    assert table.header == ["event_date", "city", "city.2"]
    (warning,) = [p for p in table.problems if p.column == "city"]
    assert warning.severity == "warning" and warning.row == 1
    assert "more than once" in warning.problem and "city.2" in warning.problem
