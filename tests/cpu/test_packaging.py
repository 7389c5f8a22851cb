"""Data directories ship inside the wheel and are found from a wheel install."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_data_dirs_and_locate_finds_them(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = tmp_path.glob("accelbench-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert "accelbench/_data/workloads/smoke.toml" in names
        assert "accelbench/py.typed" in names
        zf.extractall(tmp_path / "site")
    probe = (
        "from accelbench.locate import data_dir\n"
        "from accelbench.suites import load_suite\n"
        "print(data_dir('workloads'))\n"
        "print(len(load_suite('smoke').entries))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True,
        cwd=tmp_path, env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
    ).stdout.split()
    assert out[0] == str(tmp_path / "site" / "accelbench" / "_data" / "workloads")
    assert int(out[1]) >= 5
