"""The agent's operations (``hello``, ``has_bundle``, ``put_bundle``, ``load``, ``run``) for one session.

A session is one authenticated connection. Its temporary files (bundle staging) live in a
directory of its own under the bundle directory, removed when the session ends however it ends.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from accelbench.board.bundle import bundle_hash
from accelbench.board.protocol import VERSION, ProtocolError, array_from_bytes, array_to_bytes, check_name

if TYPE_CHECKING:
    from accelbench.board.agent import AgentState

#: Prefix of per-session directories under the bundle directory (leftovers are removed at start).
SESSION_PREFIX = ".session-"
MAX_REPEATS = 100_000


class Session:
    """One connection's state: its staging directory, created on first use."""

    def __init__(self, state: AgentState) -> None:
        self.state = state
        self._tmp: Path | None = None

    def tmp(self) -> Path:
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix=SESSION_PREFIX, dir=self.state.bundle_dir))
        return self._tmp

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def dispatch(self, header: dict[str, Any], attachments: list[bytes]) -> tuple[dict[str, Any], list[bytes]]:
        state = self.state
        op = header.get("op")
        if op == "hello":
            return {"version": VERSION, "emulated": state.emulate, "board": state.board}, []
        if op == "has_bundle":
            return {"present": (state.bundle_dir / _hash(header) / ".complete").exists()}, []
        if op == "put_bundle":
            return self._put_bundle(header, attachments), []
        if op == "load":
            return self._load(_hash(header)), []
        if op == "run":
            return self._run(header, attachments)
        raise ProtocolError(f"unknown op {op!r}")

    def _put_bundle(self, header: dict[str, Any], attachments: list[bytes]) -> dict[str, Any]:
        names = header.get("names")
        if not isinstance(names, list) or len(names) != len(attachments) or not names:
            raise ProtocolError("put_bundle needs one file name per attachment")
        files = {check_name(str(n)): data for n, data in zip(names, attachments, strict=True)}
        if len(files) != len(names):
            raise ProtocolError("put_bundle names a file twice")
        digest = bundle_hash(files)
        target = self.state.bundle_dir / digest
        if not (target / ".complete").exists():
            staging = Path(tempfile.mkdtemp(dir=self.tmp()))
            for name, data in files.items():
                (staging / name).write_bytes(data)
            (staging / ".complete").touch()
            shutil.rmtree(target, ignore_errors=True)
            staging.rename(target)
        return {"hash": digest}

    def _load(self, digest: str) -> dict[str, Any]:
        state = self.state
        directory = state.bundle_dir / digest
        if not (directory / ".complete").exists():
            raise ProtocolError(f"no bundle {digest} on this board: send it first")
        if not state.device_lock.acquire(blocking=False):
            raise ProtocolError("busy: another load or run is in progress on this board")
        try:
            device = state.new_device()
            try:
                info = device.load(directory)
            except ValueError as exc:
                raise ProtocolError(str(exc)) from None
            state.remember(digest, device)
        finally:
            state.device_lock.release()
        return info

    def _run(self, header: dict[str, Any], attachments: list[bytes]) -> tuple[dict[str, Any], list[bytes]]:
        state = self.state
        digest = _hash(header)
        loaded = state.devices.get(digest)
        if loaded is None:
            raise ProtocolError(f"bundle {digest} is not loaded")
        repeats = header.get("repeats", 1)
        if not isinstance(repeats, int) or isinstance(repeats, bool) or not 1 <= repeats <= MAX_REPEATS:
            raise ProtocolError(f"`repeats` must be an integer in 1..{MAX_REPEATS}")
        inputs = [array_from_bytes(a, state.settings.limits) for a in attachments]
        if not state.device_lock.acquire(blocking=False):
            raise ProtocolError("busy: another run is in progress on this board")
        try:
            result = loaded.run(inputs, repeats, bool(header.get("power")))
        except ValueError as exc:
            raise ProtocolError(str(exc)) from None
        finally:
            state.device_lock.release()
        outputs = [array_to_bytes(o) for o in result.pop("outputs")]
        return result, outputs


def _hash(header: dict[str, Any]) -> str:
    digest = str(header.get("hash", ""))
    if not digest.isalnum() or not digest.isascii() or len(digest) != 32:
        raise ProtocolError("`hash` must be a 32-character bundle hash")
    return digest
