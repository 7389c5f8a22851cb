"""``accelbench board serve``: the board agent (on the board's PYNQ Python, or --emulate anywhere)."""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path
from typing import Any

from accelbench.commands.common import stderr
from accelbench.errors import UserError


def register(sub: Any) -> None:
    parser = sub.add_parser("board", help="board-in-the-loop agent")
    board_sub = parser.add_subparsers(dest="board_command", metavar="BOARD_COMMAND", parser_class=type(parser))
    serve = board_sub.add_parser("serve", help="run the board agent")
    serve.add_argument("--host", required=True, help="address to bind (no default: never 0.0.0.0 by accident)")
    serve.add_argument("--port", required=True, type=int, help="TCP port (0: pick a free one and print it)")
    serve.add_argument("--token-file", required=True, help="file holding the shared token")
    serve.add_argument("--emulate", action="store_true", help="emulated board: hls4ml C simulation, modeled timing")
    serve.add_argument("--bundle-dir", type=Path, help="where bundles are cached (default: a temporary directory)")
    serve.add_argument("--max-payload-bytes", type=int, default=256 * 2**20, help="per-request payload limit")
    serve.add_argument("--timeout-s", type=float, default=30.0, help="idle timeout of a connection")
    serve.add_argument("--emulate-delay-s", type=float, default=0.0, help=argparse.SUPPRESS)
    serve.set_defaults(func=serve_main)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)


def serve_main(args: argparse.Namespace) -> int:
    from accelbench.board.agent import AgentServer, AgentState
    from accelbench.board.client import read_token
    from accelbench.board.protocol import Limits

    if not 0 <= args.port < 65536:
        raise UserError(f"--port must be 0..65535, got {args.port}")
    if args.max_payload_bytes < 1024:
        raise UserError("--max-payload-bytes must be at least 1024")
    bundle_dir = args.bundle_dir or Path(tempfile.mkdtemp(prefix="accelbench-bundles-"))
    bundle_dir.mkdir(parents=True, exist_ok=True)
    state = AgentState(token=read_token(args.token_file), emulate=args.emulate, bundle_dir=bundle_dir,
                       limits=Limits(max_payload_bytes=args.max_payload_bytes), timeout_s=args.timeout_s,
                       emulate_delay_s=args.emulate_delay_s)
    logging.basicConfig(level=logging.INFO)
    try:
        server = AgentServer(args.host, args.port, state)
    except OSError as exc:
        raise UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    host, port = str(server.server_address[0]), int(server.server_address[1])
    kind = "emulated" if args.emulate else "PYNQ"
    stderr(f"board agent listening on {host}:{port} ({kind}), bundles in {bundle_dir}")
    print(f"{host}:{port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0
