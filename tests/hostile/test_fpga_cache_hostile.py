"""The hls4ml build cache loads a shared object its manifest names: only the one it built, unchanged.

A replaced or truncated library, a manifest pointing outside its cache entry, and an entry
without a recorded hash are all misses (the design is rebuilt), never loaded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accelbench.fpga.cache import MANIFEST, cached_manifest, library_sha256, seal_manifest


@pytest.fixture
def entry(tmp_path: Path) -> Path:
    """A cache entry as a finished build leaves it: a library and a sealed manifest."""
    directory = tmp_path / "abc123"
    library = directory / "prj" / "firmware" / "myproject-1.so"
    library.parent.mkdir(parents=True)
    library.write_bytes(b"\x7fELF built by g++" * 100)
    (directory / MANIFEST).write_text(json.dumps({"library": str(library), "compile_s": 3.0, "stamp": "1"}))
    seal_manifest(directory)
    return directory


def _library(entry: Path) -> Path:
    return Path(json.loads((entry / MANIFEST).read_text())["library"])


def test_a_sealed_entry_is_a_hit_and_records_the_sha256(entry: Path) -> None:
    manifest = cached_manifest(entry)
    assert manifest is not None and manifest["sha256"] == library_sha256(_library(entry))


@pytest.mark.parametrize("tamper", ["replaced", "appended", "truncated", "deleted"])
def test_a_library_changed_after_the_build_is_a_miss(entry: Path, tamper: str) -> None:
    library = _library(entry)
    if tamper == "replaced":
        library.write_bytes(b"\x7fELF evil" * 100)
    elif tamper == "appended":
        library.write_bytes(library.read_bytes() + b"\x00")
    elif tamper == "truncated":
        library.write_bytes(library.read_bytes()[:10])
    else:
        library.unlink()
    assert cached_manifest(entry) is None


def test_a_manifest_naming_a_library_outside_its_entry_is_a_miss(entry: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "evil.so"
    elsewhere.write_bytes(b"\x7fELF evil")
    manifest = json.loads((entry / MANIFEST).read_text())
    manifest.update(library=str(elsewhere), sha256=library_sha256(elsewhere))  # even with a matching hash
    (entry / MANIFEST).write_text(json.dumps(manifest))
    assert cached_manifest(entry) is None


def test_a_path_escaping_the_entry_through_dotdot_is_a_miss(entry: Path, tmp_path: Path) -> None:
    evil = tmp_path / "evil.so"
    evil.write_bytes(b"x")
    manifest = json.loads((entry / MANIFEST).read_text())
    manifest.update(library=str(entry / ".." / "evil.so"), sha256=library_sha256(evil))
    (entry / MANIFEST).write_text(json.dumps(manifest))
    assert cached_manifest(entry) is None


@pytest.mark.parametrize("text", ["", "{", "[]", "{\"library\": 3}", "{\"compile_s\": 1}"])
def test_an_unreadable_or_incomplete_manifest_is_a_miss(entry: Path, text: str) -> None:
    (entry / MANIFEST).write_text(text)
    assert cached_manifest(entry) is None


def test_an_entry_from_before_hashes_were_recorded_is_a_miss(entry: Path) -> None:
    manifest = json.loads((entry / MANIFEST).read_text())
    del manifest["sha256"]
    (entry / MANIFEST).write_text(json.dumps(manifest))
    assert cached_manifest(entry) is None


def test_build_design_uses_the_checked_cache() -> None:
    """The builder asks :func:`cached_manifest` (never reads the manifest raw) and seals each build."""
    source = (Path(__file__).resolve().parents[2] / "accelbench" / "fpga" / "build.py").read_text()
    assert "cached_manifest(directory)" in source and "seal_manifest(directory)" in source
    assert 'manifest_path.read_text()' not in source


@pytest.mark.parametrize("layers", ["not a list", [1, 2], [{"not_a_field": 1}], [{"kind": {"nested": "object"}}]])
def test_a_manifest_whose_recorded_layers_are_not_layers_is_not_current(layers: object) -> None:
    from accelbench.fpga.cache import MANIFEST_FORMAT, current
    from accelbench.fpga.gxx import BUILD_RECIPE

    good = {"format": MANIFEST_FORMAT, "layers": [{"kind": "dense", "n_in": 4}], "recipe": BUILD_RECIPE,
            "top": "myproject", "input_sizes": [4], "output_sizes": [2]}
    assert current(good)
    assert not current({**good, "layers": layers})
    assert not current({**good, "input_sizes": [0]}) and not current({**good, "top": 3})
