"""Every way of enabling the pytest plugin registers it once, and the entry point still disables it.

Regression: with autoloading on, naming the plugin module (``-p accelbench.pytest_plugin``,
``PYTEST_PLUGINS``, a conftest's ``pytest_plugins``) registered the entry point's module a second
time under its module name, and pytest stopped with "Plugin already registered under a different
name" (exit 3) before collecting anything. Each case runs a real pytest subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: The foreign test: the plugin module is registered EXPECTED_REGISTRATIONS times (0 or 1), and each
#: of its hooks is called through one implementation.
COUNTING_TEST = '''
import os
import sys


def test_plugin_registrations(request):
    manager = request.config.pluginmanager
    plugin = sys.modules.get("accelbench.pytest_plugin")
    names = [name for name, registered in manager.list_name_plugin() if plugin is not None and registered is plugin]
    if os.environ["EXPECTED_REGISTRATIONS"] == "0":
        assert names == []
        assert request.config.getoption("accel_suite", default="absent") == "absent"
        return
    assert len(names) == 1, names
    impls = [impl for impl in request.config.hook.pytest_generate_tests.get_hookimpls() if impl.plugin is plugin]
    assert len(impls) == 1
    assert request.config.getoption("accel_suite", default="absent") is None  # the option exists
'''


def _environment(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "ACCELBENCH_"))}
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def _run(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                           "-W", "error::pytest.PytestWarning", *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300)


AUTOLOAD_OFF = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
WAYS = [
    pytest.param({}, [], "", id="autoload"),
    pytest.param({}, ["-p", "accelbench"], "", id="autoload-p-entry-point"),
    pytest.param({}, ["-p", "accelbench.pytest_plugin"], "", id="autoload-p-module"),
    pytest.param({"PYTEST_PLUGINS": "accelbench.pytest_plugin"}, [], "", id="autoload-PYTEST_PLUGINS-module"),
    pytest.param({}, [], 'pytest_plugins = ["accelbench.pytest_plugin"]\n', id="autoload-conftest-module"),
    pytest.param({}, ["-p", "accelbench.pytest_plugin", "-p", "accelbench"], "", id="autoload-p-both"),
    pytest.param({}, ["-n", "2", "-p", "accelbench.pytest_plugin"], "", id="autoload-p-module-xdist"),
    pytest.param(AUTOLOAD_OFF, ["-p", "accelbench"], "", id="no-autoload-p-entry-point"),
    pytest.param(AUTOLOAD_OFF, ["-p", "accelbench.pytest_plugin"], "", id="no-autoload-p-module"),
]


@pytest.fixture(scope="module", autouse=True)
def _installed_entry_point_is_the_declared_one() -> None:
    """These tests exercise the installed metadata: a checkout installed before pyproject.toml's
    entry point changed must be reinstalled (``pip install --no-deps -e .``), not blamed on the plugin."""
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["entry-points"]["pytest11"]
    installed = {ep.name: ep.value for ep in entry_points(group="pytest11") if ep.name == "accelbench"}
    assert installed == {"accelbench": declared["accelbench"]}, (
        f"installed pytest11 entry point {installed} is not pyproject.toml's {declared}: reinstall accelbench")


@pytest.mark.parametrize(("extra_env", "args", "conftest"), WAYS)
def test_each_way_of_enabling_the_plugin_registers_it_once(
    tmp_path: Path, extra_env: dict[str, str], args: list[str], conftest: str,
) -> None:
    (tmp_path / "test_count.py").write_text(COUNTING_TEST)
    if conftest:
        (tmp_path / "conftest.py").write_text(conftest)
    proc = _run(tmp_path, _environment(EXPECTED_REGISTRATIONS="1", **extra_env), *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout, proc.stdout


@pytest.mark.parametrize("args", [["-p", "no:accelbench"], ["-p", "no:accelbench.pytest_plugin"]])
def test_blocking_the_entry_point_or_the_module_disables_the_plugin(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "test_count.py").write_text(COUNTING_TEST)
    proc = _run(tmp_path, _environment(EXPECTED_REGISTRATIONS="0"), *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout, proc.stdout
