"""Board token files: private (mode 600) and strong (>= 256 bits), refused in one line otherwise."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from accelbench.board.token import MIN_TOKEN_BITS, entropy_bits, read_token, write_token
from accelbench.errors import UserError
from tests.board.harness import TOKEN, write_private

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "accelbench.cli", *args], capture_output=True, text=True, timeout=120)


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o602])
def test_a_token_file_open_to_group_or_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = write_private(tmp_path / "token", TOKEN)
    path.chmod(mode)
    with pytest.raises(UserError, match=f"open to group or others \\(mode {mode:03o}\\).*chmod 600"):
        read_token(path)


@posix_only
def test_board_serve_refuses_a_loose_token_file_in_one_line(tmp_path: Path) -> None:
    path = write_private(tmp_path / "token", TOKEN)
    path.chmod(0o644)
    proc = _cli("board", "serve", "--host", "127.0.0.1", "--port", "0", "--token-file", str(path), "--emulate")
    assert proc.returncode == 2 and "chmod 600" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "token",
    ["board-test-token", "a" * 200, "ab" * 100, "0123456789abcdef" * 3, base64.b64encode(os.urandom(16)).decode()],
)
def test_a_weak_token_is_refused(tmp_path: Path, token: str) -> None:
    path = write_private(tmp_path / "token", token)
    with pytest.raises(UserError, match=f"too weak .*{MIN_TOKEN_BITS} needed.*board token new"):
        read_token(path)


def test_the_run_side_refuses_a_weak_token_before_contacting_the_board(tmp_path: Path) -> None:
    path = write_private(tmp_path / "token", "hunter2")
    proc = _cli("run", "mlp", "--backends", "fpga-pynq", "--board", "127.0.0.1:9", "--board-token-file", str(path),
                "--store", str(tmp_path / "s.duckdb"))
    assert proc.returncode == 2 and "too weak" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "s.duckdb").exists()


@pytest.mark.parametrize("token", [TOKEN, base64.b64encode(os.urandom(32)).decode() + "\n"])
def test_strong_tokens_are_accepted(tmp_path: Path, token: str) -> None:
    """64 hex characters, and the docs' recipe `head -c 32 /dev/urandom | base64`."""
    assert read_token(write_private(tmp_path / "token", token)) == token.strip()


@posix_only
def test_board_token_new_writes_a_strong_private_token_once(tmp_path: Path) -> None:
    path = tmp_path / "board.token"
    proc = _cli("board", "token", "new", str(path))
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = read_token(path)
    assert entropy_bits(token) >= MIN_TOKEN_BITS and len(token) == 64
    again = _cli("board", "token", "new", str(path))
    assert again.returncode == 2 and "never overwritten" in again.stderr
    assert read_token(path) == token


@posix_only
def test_write_token_ignores_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        write_token(tmp_path / "t")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "t").stat().st_mode) == 0o600


def test_two_new_tokens_differ() -> None:
    from accelbench.board.token import new_token

    assert new_token() != new_token()
