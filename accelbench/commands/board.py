"""``accelbench board serve`` (the board agent, on the board's PYNQ Python or --emulate anywhere) and
``accelbench board token new FILE`` (a strong shared token, mode 600)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from accelbench.commands.common import stderr
from accelbench.errors import UserError

#: PYNQ images name their board in $BOARD; accelbench's catalog names.
PYNQ_BOARDS = {"pynq-z2": "pynq-z2", "zcu104": "zcu104", "zcu102": "zcu102", "kv260": "kv260"}


def register(sub: Any) -> None:
    parser = sub.add_parser("board", help="board-in-the-loop agent")
    board_sub = parser.add_subparsers(dest="board_command", metavar="BOARD_COMMAND", parser_class=type(parser))
    serve = board_sub.add_parser("serve", help="run the board agent")
    serve.add_argument("--host", required=True, help="address to bind (no default: never 0.0.0.0 by accident)")
    serve.add_argument("--port", required=True, type=int, help="TCP port (0: pick a free one and print it)")
    serve.add_argument("--token-file", required=True, help="file holding the shared token (mode 600)")
    serve.add_argument("--emulate", action="store_true", help="emulated board: hls4ml C simulation, modeled timing")
    serve.add_argument("--board-name", help="the board this agent drives (catalog name; default: $BOARD on a "
                                            "PYNQ image, none when emulated)")
    serve.add_argument("--bundle-dir", type=Path, help="where bundles are cached (default: a temporary directory, "
                                                       "removed on exit)")
    serve.add_argument("--tls-cert", help="PEM certificate (chain): serve TLS (with --tls-key)")
    serve.add_argument("--tls-key", help="PEM private key of --tls-cert")
    serve.add_argument("--max-payload-bytes", type=int, default=256 * 2**20, help="per-request payload limit")
    serve.add_argument("--max-connections", type=int, default=8, help="concurrent connections (more are refused)")
    serve.add_argument("--max-pending-per-address", type=int, default=2,
                       help="connections one address may have waiting to authenticate (more are refused)")
    serve.add_argument("--handshake-deadline-s", type=float, default=10.0,
                       help="seconds from connect to the first authenticated request")
    serve.add_argument("--idle-timeout-s", type=float, default=60.0, help="seconds an idle connection is kept")
    serve.add_argument("--frame-deadline-s", type=float, default=120.0,
                       help="seconds a request may take to arrive, first byte to last")
    serve.add_argument("--connection-deadline-s", type=float, default=3600.0,
                       help="seconds a connection lives (the host reconnects)")
    serve.add_argument("--build-timeout-s", type=float, default=900.0, help="emulated: design build limit")
    serve.add_argument("--build-memory-gb", type=float, default=8.0, help="emulated: design build memory limit")
    serve.add_argument("--emulate-delay-s", type=float, default=0.0, help=argparse.SUPPRESS)
    serve.set_defaults(func=serve_main)
    token = board_sub.add_parser("token", help="shared tokens")
    token_sub = token.add_subparsers(dest="token_command", metavar="TOKEN_COMMAND", parser_class=type(parser))
    new = token_sub.add_parser("new", help="write a new token (256 random bits, mode 600) to FILE")
    new.add_argument("file", type=Path, metavar="FILE")
    new.set_defaults(func=token_new_main)
    token.set_defaults(func=lambda args: token.print_help() or 2)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)


def token_new_main(args: argparse.Namespace) -> int:
    from accelbench.board.token import write_token

    write_token(args.file)
    stderr(f"wrote a new board token to {args.file} (mode 600): copy it to the board and the host")
    return 0


def _settings(args: argparse.Namespace) -> Any:
    from accelbench.board.agent import AgentSettings
    from accelbench.board.bundle import DesignLimits
    from accelbench.board.protocol import Limits

    if args.max_payload_bytes < 1024:
        raise UserError("--max-payload-bytes must be at least 1024")
    if args.max_connections < 1:
        raise UserError("--max-connections must be at least 1")
    if args.max_pending_per_address < 1:
        raise UserError("--max-pending-per-address must be at least 1")
    for flag in ("handshake_deadline_s", "idle_timeout_s", "frame_deadline_s", "connection_deadline_s",
                 "build_timeout_s", "build_memory_gb"):
        value = getattr(args, flag)
        if not 0 < value < float("inf"):
            raise UserError(f"--{flag.replace('_', '-')} must be a positive number, got {value}")
    return AgentSettings(
        limits=Limits(max_payload_bytes=args.max_payload_bytes),
        design=DesignLimits(build_timeout_s=args.build_timeout_s, build_memory_gb=args.build_memory_gb),
        max_connections=args.max_connections, max_pending_per_address=args.max_pending_per_address,
        handshake_deadline_s=args.handshake_deadline_s,
        idle_timeout_s=args.idle_timeout_s, frame_deadline_s=args.frame_deadline_s,
        connection_deadline_s=args.connection_deadline_s,
    )


def _board_name(args: argparse.Namespace) -> str | None:
    from accelbench.fpga.parts import get_board

    name = args.board_name
    if name is None and not args.emulate:
        name = PYNQ_BOARDS.get(os.environ.get("BOARD", "").lower())
    return get_board(name).name if name else None


def serve_main(args: argparse.Namespace) -> int:
    from accelbench.board.agent import AgentServer, AgentState
    from accelbench.board.tls import exposure_warning, server_context
    from accelbench.board.token import read_token

    if not 0 <= args.port < 65536:
        raise UserError(f"--port must be 0..65535, got {args.port}")
    if (args.tls_cert is None) != (args.tls_key is None):
        raise UserError("--tls-cert and --tls-key go together")
    settings = _settings(args)
    token = read_token(args.token_file)
    tls = server_context(args.tls_cert, args.tls_key) if args.tls_cert else None
    board = _board_name(args)
    owns = args.bundle_dir is None
    bundle_dir = Path(tempfile.mkdtemp(prefix="accelbench-bundles-")) if owns else args.bundle_dir
    state = AgentState(token=token, emulate=args.emulate, bundle_dir=bundle_dir, settings=settings, board=board,
                       emulate_delay_s=args.emulate_delay_s, owns_bundle_dir=owns)
    logging.basicConfig(level=logging.INFO)
    try:
        server = AgentServer(args.host, args.port, state, tls)
    except OSError as exc:
        state.cleanup()
        raise UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    warning = exposure_warning(args.host, tls is not None)
    if warning:
        logging.getLogger("accelbench.board.agent").warning(warning)
    previous = {sig: signal.signal(sig, _exit) for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if sig}
    host, port = str(server.server_address[0]), int(server.server_address[1])
    kind = "emulated" if args.emulate else "PYNQ"
    stderr(f"board agent listening on {host}:{port} ({kind}{', TLS' if tls else ''}), bundles in {bundle_dir}")
    print(f"{host}:{port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()  # removes session directories and, when the agent made it, the bundle directory
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _exit(signum: int, frame: Any) -> None:
    """SIGTERM/SIGHUP: leave serve_forever through its ``finally`` (cleanup), exit status 0."""
    sys.exit(0)
