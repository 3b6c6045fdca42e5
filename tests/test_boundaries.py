"""The boundary data step: checksums, copying, refusing a bad file, reading layers."""

from __future__ import annotations

import shutil

import pytest

from footprint.data import boundaries


def test_prepare_copies_from_shared_and_checks_sha256(tmp_path, boundaries_ready):
    prepared = boundaries.prepare(target_dir=tmp_path / "out", shared_dir=boundaries_ready)
    assert sorted(p.name for p in prepared) == sorted(s.file_name for s in boundaries.SOURCES)
    for path, source in zip(prepared, boundaries.SOURCES, strict=True):
        assert boundaries.sha256_of(path) == source.sha256


def test_prepare_refuses_a_file_whose_checksum_differs(tmp_path, boundaries_ready):
    shared = tmp_path / "shared"
    shutil.copytree(boundaries_ready, shared)
    tampered = shared / "karachi_towns_2001.geojson"
    tampered.write_bytes(tampered.read_bytes().replace(b"Saddar", b"Sadder", 1))
    with pytest.raises(boundaries.BoundaryError, match="expected 3d7b3b83") as caught:
        boundaries.prepare(target_dir=tmp_path / "out", shared_dir=shared)
    assert caught.value.file_name == "karachi_towns_2001.geojson"
    assert not (tmp_path / "out" / "karachi_towns_2001.geojson").exists()


def test_prepare_without_any_source_says_how_to_fix(tmp_path, monkeypatch):
    monkeypatch.delenv("FOOTPRINT_BOUNDARIES_URL", raising=False)
    with pytest.raises(boundaries.BoundaryError, match="FOOTPRINT_BOUNDARIES_URL"):
        boundaries.prepare(target_dir=tmp_path / "out", shared_dir=tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("layer", "rows", "names"),
    [
        ("districts", 156, {"Karachi South", "Keamari", "Quetta", "Khuzdar", "Mastung"}),
        ("provinces", 7, {"Sindh", "Balochistan"}),
        ("towns", 18, {"Saddar Town", "Gadap Town", "Orangi Town"}),
    ],
)
def test_layers_read_as_valid_polygons_in_wgs84(boundaries_ready, layer, rows, names):
    frame = boundaries.read_layer(layer)
    assert len(frame) == rows
    assert names <= set(frame["name"])
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.is_valid.all()
