"""The plugin never breaks or disturbs a pytest session it is not used in.

Each test runs a real pytest subprocess on a small foreign project. "Without pytest-benchmark" is
made real by a ``sitecustomize`` on PYTHONPATH that makes ``import pytest_benchmark`` fail and
hides its distribution from entry-point discovery (what pytest sees in an environment where it
was never installed); xdist workers inherit it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

HIDE_PYTEST_BENCHMARK = '''
import importlib.abc
import importlib.metadata
import sys


class _Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "pytest_benchmark" or name.startswith("pytest_benchmark."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, _Hide())
_distributions = importlib.metadata.distributions


def _visible(**kwargs):
    for dist in _distributions(**kwargs):
        if (dist.metadata["Name"] or "").lower().replace("_", "-") != "pytest-benchmark":
            yield dist


importlib.metadata.distributions = _visible
'''

FOREIGN_TESTS = '''
import importlib.util
import os

import pytest


def test_arithmetic():
    assert 1 + 1 == 2


def test_plugins_as_expected(request):
    names = {getattr(plugin, "__name__", "") for plugin in request.config.pluginmanager.get_plugins()}
    assert "accelbench.pytest_plugin" in names
    benchmark_expected = os.environ["EXPECT_PYTEST_BENCHMARK"] == "1"
    assert ("pytest_benchmark.plugin" in names) == benchmark_expected
    if os.environ.get("PYTEST_BENCHMARK_HIDDEN") == "1":
        with pytest.raises(ModuleNotFoundError):
            import pytest_benchmark  # noqa: F401
'''


def _env(tmp_path: Path, hide_benchmark: bool, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "ACCELBENCH_"))}
    paths = [str(REPO)]
    if hide_benchmark:
        hider = tmp_path / "hide"
        hider.mkdir(exist_ok=True)
        (hider / "sitecustomize.py").write_text(HIDE_PYTEST_BENCHMARK)
        paths.insert(0, str(hider))
        env["PYTEST_BENCHMARK_HIDDEN"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(extra)
    return env


def _pytest(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


ENVIRONMENTS = [
    pytest.param(True, {}, [], "0", id="pytest-alone"),
    pytest.param(True, {}, ["-n", "2"], "0", id="pytest-alone-with-xdist"),
    pytest.param(False, {}, ["-p", "no:benchmark"], "0", id="no-benchmark-flag"),
    pytest.param(False, {}, ["-n", "2"], "1", id="pytest-benchmark-with-xdist"),
    pytest.param(False, {}, ["-p", "accelbench"], "1", id="autoload-on-p-accelbench"),
    pytest.param(True, {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}, ["-p", "accelbench"], "0",
                 id="autoload-disabled-p-accelbench"),
    pytest.param(False, {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}, ["-p", "accelbench.pytest_plugin"], "0",
                 id="autoload-disabled-p-module"),
    pytest.param(False, {}, ["-p", "accelbench.pytest_plugin"], "1", id="autoload-on-p-module"),
]


@pytest.mark.parametrize(("hide", "extra_env", "args", "expect_benchmark"), ENVIRONMENTS)
def test_a_foreign_suite_runs_green_and_the_plugin_stays_silent(
    tmp_path: Path, hide: bool, extra_env: dict[str, str], args: list[str], expect_benchmark: str,
) -> None:
    (tmp_path / "test_foreign.py").write_text(FOREIGN_TESTS)
    env = _env(tmp_path, hide, EXPECT_PYTEST_BENCHMARK=expect_benchmark, **extra_env)
    proc = _pytest(tmp_path, env, "-q", "-W", "error::pytest.PytestWarning", *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout
    assert "accelbench" not in (proc.stdout + proc.stderr).lower()  # silent: no line, no warning
    assert "warning" not in proc.stdout.lower()


def test_the_accelbench_fixture_works_without_pytest_benchmark(tmp_path: Path) -> None:
    (tmp_path / "test_measure.py").write_text(
        "from accelbench.kinds import make_workload\n\n"
        "def test_gemm(accelbench):\n"
        "    m = accelbench(make_workload('gemm', {'m': 16, 'n': 16, 'k': 16}), 'cpu-numpy', batch=1)\n"
        "    assert m.valid and m.samples_s\n"
    )
    proc = _pytest(tmp_path, _env(tmp_path, True), "-q", "--accel-budget-s", "0.05")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout


INERT_PROJECT = '''
import json
import sys
from pathlib import Path


def pytest_unconfigure(config):
    heavy = {"torch", "numba", "duckdb", "cupy", "hls4ml", "onnxruntime", "pandas"}
    loaded = sorted(name for name in sys.modules
                    if name.split(".")[0] in heavy or name.startswith("accelbench."))
    Path("modules.json").write_text(json.dumps(loaded))
'''


def test_an_unused_plugin_imports_nothing_heavy_and_adds_nothing_to_machine_info(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(INERT_PROJECT)
    (tmp_path / "test_bench.py").write_text("def test_sort(benchmark):\n    benchmark(sorted, [3, 1, 2])\n")
    out = tmp_path / "out.json"
    proc = _pytest(tmp_path, _env(tmp_path, False), "-q", f"--benchmark-json={out}", "--benchmark-max-time=0.01")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    loaded = json.loads((tmp_path / "modules.json").read_text())
    # Only the plugin, its option defaults and the error type: nothing that imports a framework.
    assert loaded == ["accelbench.errors", "accelbench.pytest_plugin", "accelbench.pytest_support",
                      "accelbench.pytest_support.defaults", "accelbench.pytest_support.entry_point"], loaded
    assert "accelbench" not in json.loads(out.read_text())["machine_info"]


def test_a_bad_budget_is_a_usage_error_before_any_test_runs(tmp_path: Path) -> None:
    (tmp_path / "test_foreign.py").write_text("def test_a():\n    assert True\n")
    proc = _pytest(tmp_path, _env(tmp_path, False), "-q", "--accel-budget-s", "nan")
    assert proc.returncode == 4 and "--accel-budget-s" in proc.stderr


MEASURING_TEST = (
    "from accelbench.kinds import make_workload\n\n"
    "def test_gemm(accelbench):\n"
    "    accelbench(make_workload('gemm', {'m': 8, 'n': 8, 'k': 8}), 'cpu-numpy', batch=1)\n\n"
    "def test_plain():\n"
    "    assert True\n"
)


@pytest.mark.parametrize(("flag", "summary"), [("--benchmark-only", "1 passed, 1 skipped"),
                                               ("--benchmark-skip", "1 passed, 1 skipped")])
def test_an_accelbench_test_is_a_benchmark_test_for_pytest_benchmark(tmp_path: Path, flag: str, summary: str) -> None:
    (tmp_path / "test_measure.py").write_text(MEASURING_TEST)
    proc = _pytest(tmp_path, _env(tmp_path, False), "-v", "--accel-budget-s", "0.02", flag)
    assert proc.returncode == 0 and summary in proc.stdout, proc.stdout + proc.stderr
    measured = "test_gemm PASSED" in proc.stdout
    assert measured == (flag == "--benchmark-only"), proc.stdout
