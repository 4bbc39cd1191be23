"""What one ``serve`` process is allowed to do: where it listens, who may use it, how big and how long uploads live."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_UPLOAD = 20 * 1024 * 1024  # the YAML reader's own limit; workbooks are bounded again when read


def is_loopback(host: str) -> bool:
    """True when ``host`` is reachable only from this machine."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class UnsafeStart(ValueError):
    """Listening beyond this machine without a token: refused before anything listens."""


@dataclass(frozen=True)
class ServeSettings:
    """One server's settings; a non-loopback ``host`` without ``token`` is refused (``UnsafeStart``)."""

    workdir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    expiry: float = 1800.0  # seconds an upload folder is kept after its last use
    max_upload: int = MAX_UPLOAD
    workers: int = 2
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def __post_init__(self) -> None:
        if not is_loopback(self.host) and not self.token:
            raise UnsafeStart(
                f"监听 {self.host} 会让局域网中的其他电脑访问本服务：必须用 --token 或 --token-file 设置访问口令。"
            )
        if self.token is not None and len(self.token) < 8:
            raise UnsafeStart("访问口令太短：至少 8 个字符。")

    def sign(self, text: str) -> str:
        """An HMAC of ``text`` under this process's secret (CSRF tokens, the login cookie)."""
        return hmac.new(self.secret, text.encode("utf-8"), hashlib.sha256).hexdigest()
