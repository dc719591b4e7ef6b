"""Which process owns a row ("host:pid:…"): lets a restarted process tell a dead owner from a live one."""

from __future__ import annotations

import os
import socket
import uuid


def owner_token(pid: int | None = None) -> str:
    return f"{socket.gethostname()}:{pid or os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_dead(token: str | None) -> bool:
    """True only when the owner ran on this host and its process no longer exists."""
    host, _, rest = (token or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
