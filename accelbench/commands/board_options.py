"""``run`` option group for board-in-the-loop: --board HOST:PORT --board-token-file F [--board-ca F].

The board is contacted while the arguments are checked: an unreachable board or a refused token is
one clear line and exit code 2, before anything is stored.
"""

from __future__ import annotations

import argparse
import os

from accelbench.commands.run_options import RunSetup
from accelbench.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("board in the loop (fpga-pynq)")
    group.add_argument("--board", metavar="HOST:PORT", help="the board agent (accelbench board serve)")
    group.add_argument("--board-token-file", metavar="F", help="file holding the agent's shared token (mode 600)")
    group.add_argument("--board-ca", metavar="F", help="CA or self-signed certificate of a TLS agent (PEM)")


def apply(args: argparse.Namespace, setup: RunSetup) -> None:
    board, token_file = getattr(args, "board", None), getattr(args, "board_token_file", None)
    ca = getattr(args, "board_ca", None)
    if board is None and token_file is None and ca is None:
        return
    if not board or not token_file:
        raise UserError("--board and --board-token-file go together (and --board-ca needs them)")
    from accelbench.backends.fpga_pynq import BOARD_ENV, CA_ENV, TOKEN_ENV
    from accelbench.board.client import BoardClient, BoardError
    from accelbench.board.token import read_token

    client = BoardClient(board, read_token(token_file), timeout_s=15.0, ca=ca)
    try:
        client.hello()
    except BoardError as exc:
        raise UserError(str(exc)) from None
    finally:
        client.close()
    os.environ[BOARD_ENV] = board
    os.environ[TOKEN_ENV] = str(token_file)
    if ca:
        os.environ[CA_ENV] = str(ca)
    else:
        os.environ.pop(CA_ENV, None)
