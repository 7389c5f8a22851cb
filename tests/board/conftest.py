"""An emulated board agent per test module, and the environment that points fpga-pynq at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from accelbench.backends.fpga_pynq import BOARD_ENV, TOKEN_ENV
from tests.board.harness import start_cli_agent


@pytest.fixture(scope="module")
def emulated_board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(address, token file) of an `accelbench board serve --emulate` agent for this module."""
    tmp = tmp_path_factory.mktemp("board")
    proc, address = start_cli_agent(tmp, "--bundle-dir", str(tmp / "bundles"))
    yield address, tmp / "token"
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def board_env(emulated_board: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> str:
    """fpga-pynq's board address and token file set to the module's emulated board."""
    monkeypatch.setenv(BOARD_ENV, emulated_board[0])
    monkeypatch.setenv(TOKEN_ENV, str(emulated_board[1]))
    return emulated_board[0]
