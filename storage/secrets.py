"""Secrets at rest: subscriptions' apprise URLs (tokens, SMTP passwords) are stored encrypted.

Fernet (the `cryptography` library) with a key kept outside the database: FZWATCH_SECRET_KEY, or the key
file FZWATCH_SECRET_KEY_FILE (default `<data dir>/secret.key`, created 0600 on first use). A database copied
without its key reveals no target. Several daemons on one PostgreSQL need the same key (set the variable).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from storage.errors import StorageError

KEY_ENV = "FZWATCH_SECRET_KEY"
KEY_FILE_ENV = "FZWATCH_SECRET_KEY_FILE"
MARK = "fernet"
_lock = threading.Lock()
_cache: dict[str, Fernet] = {}


class SecretKeyError(StorageError):
    """The stored secrets cannot be read with this key (wrong or missing key)."""


def key_file() -> Path:
    configured = os.environ.get(KEY_FILE_ENV)
    if configured:
        return Path(configured)
    return Path(os.environ.get("FZWATCH_DATA", "data")) / "secret.key"


def _load_key() -> bytes:
    env = os.environ.get(KEY_ENV)
    if env:
        return env.strip().encode("ascii")
    path = key_file()
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key + b"\n")
    finally:
        os.close(fd)
    return key


def key_source() -> str:
    return KEY_ENV if os.environ.get(KEY_ENV) else str(key_file())


def is_sealed(stored: Any) -> bool:
    return isinstance(stored, dict) and set(stored) == {MARK}


def cipher() -> Fernet:
    with _lock:
        source = os.environ.get(KEY_ENV) or str(key_file())
        if source not in _cache:
            try:
                _cache[source] = Fernet(_load_key())
            except (ValueError, TypeError) as exc:
                raise SecretKeyError(f"密钥无效（{KEY_ENV} 或 {key_file()}）：{exc}") from None
        return _cache[source]


def seal(value: Any) -> dict[str, str]:
    return {MARK: cipher().encrypt(json.dumps(value, ensure_ascii=False).encode("utf-8")).decode("ascii")}


def unseal(stored: Any) -> Any:
    """The value; plaintext rows written before encryption are read as they are (and sealed on next write)."""
    if not is_sealed(stored):
        return stored
    try:
        return json.loads(cipher().decrypt(stored[MARK].encode("ascii")))
    except InvalidToken:
        raise SecretKeyError(
            f"订阅的通知地址无法解密：密钥与加密时不同（检查 {KEY_ENV} 或 {key_file()}）"
        ) from None
