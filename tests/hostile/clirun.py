"""Helpers of the hostile tier: run ``python -m accelbench`` as a user would and judge its answer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Runs the CLI with the test doubles registered (``fake``, ``fake-modeled``), as a subprocess.
WITH_FAKES = (
    "import sys\n"
    "from accelbench.backends.registry import register_backend\n"
    "register_backend('fake', 'tests.fakes:FakeBackend')\n"
    "register_backend('fake-modeled', 'tests.fakes:ModeledFakeBackend')\n"
    "from accelbench.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def env() -> dict[str, str]:
    """The environment of a CLI subprocess: this checkout first on the path."""
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), out.get("PYTHONPATH")]))
    return out


def command(*args: str, fakes: bool = False) -> list[str]:
    if fakes:
        return [sys.executable, "-c", WITH_FAKES, *args]
    return [sys.executable, "-m", "accelbench", *args]


def cli(*args: str, fakes: bool = False, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``accelbench ARGS`` to completion (``timeout`` only guards against a hang)."""
    return subprocess.run(command(*args, fakes=fakes), capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, env=env())


def interruptible() -> None:
    """``preexec_fn``: give the child SIGINT's default action. A shell starts background jobs with
    SIGINT ignored and children inherit that, so a test run from such a job could not interrupt
    its CLI subprocess as a user at a terminal does."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def popen(*args: str, fakes: bool = False) -> subprocess.Popen[str]:
    """Start ``accelbench ARGS`` (stderr piped, line by line) to signal it mid-run."""
    return subprocess.Popen(command(*args, fakes=fakes), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, env=env(), preexec_fn=interruptible)


def one_line_error(result: subprocess.CompletedProcess[str], *needles: str, code: int = 2) -> str:
    """Assert the run failed with ``code`` and exactly one stderr line holding every needle."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, (result.returncode, result.stderr[-2000:])
    assert len(lines) == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]
