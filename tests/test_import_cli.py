"""``python -m footprint import``: JSON summary, exit codes, dry runs, default duplicate decisions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from footprint.data import store

PROJECT = Path(__file__).resolve().parent.parent
GOOD = PROJECT / "tests" / "data" / "good"
BAD = PROJECT / "tests" / "data" / "bad"


@pytest.fixture
def database(tmp_path):
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run_import(database: str, *args: str) -> tuple[int, dict]:
    env = dict(
        os.environ,
        FOOTPRINT_DATABASE_URL=database,
        FOOTPRINT_MAPPINGS_DIR=str(Path(database.removeprefix("sqlite:///")).parent / "mappings"),
    )
    done = subprocess.run(
        [sys.executable, "-m", "footprint", "import", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        summary = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"not JSON (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.returncode, summary


def stored(database: str) -> int:
    engine = store.make_engine(database)
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("events"):
            return 0
        return store.count_events(connection)


def test_import_prints_the_summary_and_stores_one_batch(database):
    code, summary = run_import(
        database, str(GOOD / "footprint_template_example.csv"), "--user", "ana"
    )
    assert code == 0
    assert summary["format"] == "footprint"
    assert (summary["rows_read"], summary["stored"], summary["rejected"]) == (3, 3, 0)
    assert summary["geocoded"] == 2
    assert isinstance(summary["batch_id"], int)
    for key in ("warnings", "precision_upgraded", "probable_duplicates", "rejected_reasons"):
        assert key in summary
    assert stored(database) == 3
    engine = store.make_engine(database)
    with engine.connect() as connection:
        assert store.list_batches(connection).iloc[0]["uploaded_by"] == "ana"


def test_the_same_file_twice_is_refused(database):
    assert run_import(database, str(GOOD / "footprint_template_example.csv"))[0] == 0
    code, summary = run_import(database, str(GOOD / "footprint_template_example.csv"))
    assert code == 1
    assert "already uploaded as batch 1" in summary["refused"]
    assert "undo batch 1" in summary["fix"]
    assert stored(database) == 3


def test_dry_run_stores_nothing(database):
    code, summary = run_import(database, str(GOOD / "acled_pakistan_sample.csv"), "--dry-run")
    assert code == 0
    assert summary["dry_run"] is True
    assert summary["stored"] == 0 and summary["would_store"] == 4
    assert summary["batch_id"] is None
    assert stored(database) == 0


@pytest.mark.parametrize(
    ("file", "args", "phrase"),
    [
        (BAD / "unknown_format.csv", (), "match no known format"),
        (BAD / "empty.csv", (), "is empty"),
        (BAD / "many_problems.csv", (), "Nothing in many_problems.csv can be stored"),
        (
            GOOD / "acled_pakistan_sample.csv",
            ("--format", "pbc"),
            "was said to be Pakistan Body Count",
        ),
        (PROJECT / "tests" / "data" / "no-such-file.csv", (), "cannot be read"),
    ],
)
def test_refused_files_exit_non_zero(database, file, args, phrase):
    code, summary = run_import(database, str(file), *args)
    assert code == 1
    assert phrase in summary["refused"]
    assert summary["fix"]
    assert summary["stored"] == 0
    assert stored(database) == 0


def test_nothing_valid_lists_the_reasons(database):
    code, summary = run_import(database, str(BAD / "many_problems.csv"))
    assert code == 1
    rows = sorted({r["row"] for r in summary["rejected_reasons"]})
    assert rows == [2, 3, 4, 5, 6]
    assert all(r["fix"] for r in summary["rejected_reasons"])


def test_a_dry_run_of_nothing_valid_exits_non_zero(database):
    code, summary = run_import(database, str(BAD / "swapped_coordinates.csv"), "--dry-run")
    assert code == 1
    assert summary["would_store"] == 0


@pytest.mark.parametrize(
    ("file", "fmt", "rows"),
    [
        ("gtd_full_sample.csv", "gtd", 3),
        ("gtd_partial_sample.csv", "gtd", 3),
        ("acled_pakistan_sample.csv", "acled", 4),
    ],
)
def test_other_formats(database, file, fmt, rows):
    code, summary = run_import(database, str(GOOD / file), "--format", fmt)
    assert code == 0, summary
    assert (summary["format"], summary["stored"]) == (fmt, rows)


def test_likely_duplicates_of_stored_events_are_skipped_others_kept(database, tmp_path):
    assert run_import(database, str(GOOD / "gtd_full_sample.csv"))[0] == 0
    # Two of its attacks again, coded by someone else in our template; the
    # second names another group, so it is only a probable duplicate.
    header = (GOOD / "footprint_template_example.csv").read_text().splitlines()[0]
    copy = tmp_path / "recoded.csv"
    copy.write_text(
        header
        + "\n"
        + "r1,2014-06-08,,,day,attack,facility_attack,false,infrastructure,airport,Jinnah International Airport,,,,Karachi,Sindh,24.9065,67.1608,site,TTP (claimed),36,36,18,18,recoded,recode,paper\n"
        + "r2,2013-02-16,,,day,attack,bombing,false,sectarian,market,Hazara Town,,,,Quetta,Balochistan,30.2,66.94,neighbourhood,Jundullah (claimed),80,90,,,recoded,recode,paper\n"
    )
    code, cut = run_import(database, str(copy), "--dry-run", "--list-limit", "1")
    assert (cut["probable_duplicates"], cut["duplicates_listed"], len(cut["duplicates"])) == (
        2,
        1,
        1,
    )
    code, summary = run_import(database, str(copy))
    assert code == 0
    assert summary["duplicates"][:1] == cut["duplicates"]
    decisions = {d["row"]: (d["decision"], d["other"]) for d in summary["duplicates"]}
    assert decisions[2] == ("skip", "gtd:201406080901")
    assert decisions[3][0] == "keep"
    assert summary["stored"] == 1
    assert stored(database) == 4


def test_long_lists_are_cut_and_the_counts_stay_whole(database):
    # many_problems.csv rejects rows 2-6 with several reasons each
    code, whole = run_import(database, str(BAD / "many_problems.csv"), "--list-limit", "0")
    code_cut, cut = run_import(database, str(BAD / "many_problems.csv"), "--list-limit", "2")
    assert code == code_cut == 1
    assert len(whole["rejected_reasons"]) == whole["rejected_reasons_listed"] > 2
    assert cut["rejected_reasons"] == whole["rejected_reasons"][:2]
    assert cut["rejected_reasons_listed"] == 2
    assert cut["rejected"] == whole["rejected"] == 5
