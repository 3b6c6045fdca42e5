"""Freed memory goes back to the system between the stages of an import.

Peak memory itself is measured by ``benchmarks/imports.py``, not here.
"""

from __future__ import annotations

import ctypes.util
import gc
import sys
from pathlib import Path

import pytest

from footprint.importers import memory, pipeline


def _resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


glibc_only = pytest.mark.skipif(
    not sys.platform.startswith("linux") or ctypes.util.find_library("c") is None,
    reason="malloc_trim is glibc's (Linux)",
)


@glibc_only
def test_release_freed_gives_back_memory_the_heap_kept():
    # 4 KB blocks come from the heap (not mmap); one block allocated after
    # them stays, so free() alone cannot shrink the heap past it.
    blocks = [bytearray(4096) for _ in range(60_000)]  # about 240 MB
    keeper = bytearray(4096)
    del blocks
    gc.collect()
    before = _resident_mb()
    assert memory.release_freed() is True
    after = _resident_mb()
    assert before - after > 100, (before, after)
    del keeper


def test_an_import_releases_memory_after_each_large_stage(monkeypatch, tmp_path):
    from footprint.data import store

    calls = []
    monkeypatch.setattr(memory, "release_freed", lambda: calls.append(1) or True)
    engine = store.make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    store.create_schema(engine)
    data = (
        b"event_id,event_date,date_precision,event_type,location_text,city,province,"
        b"latitude,longitude,geo_precision,perpetrators,killed_min,killed_max,source_id,source_ref\n"
        b"m-1,2010-01-05,day,attack,Saddar,Karachi,Sindh,24.8556,67.0283,neighbourhood,"
        b"Lashkar-e-Jhangvi (claimed),1,1,test,memory test\n"
    )
    preview = pipeline.prepare(data, "memory.csv", engine, geocoder=None)
    assert len(calls) == 3  # after reading, geocoding and de-duplicating
    result = pipeline.commit(engine, preview, pipeline.default_decisions(preview), "tester")
    assert len(calls) == 4 and result.stored == 1


ONE_ROW = (
    b"event_id,event_date,date_precision,event_type,location_text,city,province,"
    b"latitude,longitude,geo_precision,perpetrators,killed_min,killed_max,source_id,source_ref\n"
    b"m-1,2010-01-05,day,attack,Saddar,Karachi,Sindh,24.8556,67.0283,neighbourhood,"
    b"Lashkar-e-Jhangvi (claimed),1,1,test,memory test\n"
)


class _WatchingGeocoder:
    """Notes whether the cyclic collector was running each time it is asked."""

    def __init__(self):
        self.collector_on: list[bool] = []

    def geocode(self, text, context=None):
        from geocode.result import GeocodeResult

        self.collector_on.append(gc.isenabled())
        return GeocodeResult(query=text)


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_an_import_runs_with_the_collector_paused_and_turns_it_back_on(
    collector_on, monkeypatch, tmp_path
):
    from footprint.data import store

    engine = store.make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    store.create_schema(engine)
    geocoder = _WatchingGeocoder()
    no_point = ONE_ROW.replace(b"24.8556,67.0283", b",")
    preview = pipeline.prepare(no_point, "memory.csv", engine, geocoder=geocoder)
    assert geocoder.collector_on == [False] and preview.placement.not_found == 1
    assert gc.isenabled()

    storing = []
    insert_events = store.insert_events

    def watched(*args, **kwargs):
        storing.append(gc.isenabled())
        return insert_events(*args, **kwargs)

    monkeypatch.setattr(store, "insert_events", watched)
    preview = pipeline.prepare(ONE_ROW, "memory.csv", engine, geocoder=None)
    assert pipeline.commit(engine, preview, uploaded_by="tester").stored == 1
    assert storing == [False]
    assert gc.isenabled()


def test_the_collector_stays_as_it_was_when_imports_nest_or_fail(collector_on):
    with memory.collector_paused():
        with memory.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer import is still running
    assert gc.isenabled()
    with pytest.raises(RuntimeError), memory.collector_paused():
        raise RuntimeError("an import that fails")
    assert gc.isenabled()
    gc.disable()  # someone turned it off before: it stays off
    with memory.collector_paused():
        pass
    assert not gc.isenabled()
