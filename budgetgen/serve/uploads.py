"""Upload folders: one random, private folder per upload under the work folder, gone after a short expiry.

A folder is found only through its random id in this process's registry and only by the session
that made it; no path a user sends is ever used. Files inside get fixed names (``input.xlsx``,
``out/<stem>.pdf``), so nothing is read from or written outside the folder.
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ID = re.compile(r"^[A-Za-z0-9_-]{22}$")
SUFFIXES = {".xlsx": "input.xlsx", ".yaml": "input.yaml", ".yml": "input.yaml"}


def display_name(name: str | None) -> str:
    """The name an upload is shown under: its last path part, printable, at most 80 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:80] or "上传的文件"


@dataclass
class Upload:
    """One uploaded input: its folder, the session that owns it and what the pool made of it."""

    id: str
    session: str
    folder: Path
    name: str
    profile: str
    touched: float
    result: dict[str, Any] = field(default_factory=dict)
    jobs: dict[str, Any] = field(default_factory=dict)

    @property
    def input(self) -> Path:
        """The saved input: ``input.xlsx`` or ``input.yaml``."""
        return next(self.folder.glob("input.*"))


class UploadStore:
    """The registry of live uploads; ``sweep`` removes the expired ones (folder and record)."""

    def __init__(self, root: Path, expiry: float) -> None:
        self.root = root
        self.expiry = expiry
        self._uploads: dict[str, Upload] = {}
        self._lock = threading.Lock()
        self._sweeping = threading.Lock()
        root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def create(self, session: str, name: str | None, profile: str, data: bytes, suffix: str) -> Upload:
        """A new folder holding ``data`` under its fixed name."""
        upload_id = secrets.token_urlsafe(16)
        folder = self.root / upload_id
        folder.mkdir(mode=0o700)
        (folder / SUFFIXES[suffix]).write_bytes(data)
        upload = Upload(upload_id, session, folder, display_name(name), profile, time.monotonic())
        with self._lock:
            self._uploads[upload_id] = upload
        return upload

    def get(self, upload_id: str, session: str) -> Upload | None:
        """The live upload of this session with this id, its expiry renewed; None otherwise."""
        if not ID.match(upload_id):
            return None
        with self._lock:
            upload = self._uploads.get(upload_id)
            if upload is None or not secrets.compare_digest(upload.session, session):
                return None
            upload.touched = time.monotonic()
            return upload

    def remove(self, upload: Upload) -> None:
        """Forget an upload and delete its folder."""
        with self._lock:
            self._uploads.pop(upload.id, None)
        shutil.rmtree(upload.folder, ignore_errors=True)

    def latest(self, session: str, key: str, before: str) -> Upload | None:
        """The session's newest other upload of the same unit (``key``), for the diff."""
        with self._lock:
            same = [
                u for u in self._uploads.values()
                if u.session == session and u.id != before and u.result.get("key") == key and "context" in u.result
            ]  # fmt: skip
        return max(same, key=lambda u: u.touched, default=None)

    def sweep(self) -> int:
        """Remove uploads unused for longer than the expiry, and stray folders; how many went.

        One sweep at a time: a request that finds another sweeping goes on without waiting.
        """
        if not self._sweeping.acquire(blocking=False):
            return 0
        try:
            now = time.monotonic()
            with self._lock:
                old = [u for u in self._uploads.values() if now - u.touched > self.expiry and not self._busy(u)]
                for upload in old:
                    del self._uploads[upload.id]
                live = set(self._uploads)
            for upload in old:
                shutil.rmtree(upload.folder, ignore_errors=True)
            for stray in self.root.iterdir():  # left by an earlier process with the same --workdir
                try:
                    stale = time.time() - stray.stat().st_mtime > self.expiry
                except OSError:
                    continue
                if stray.name not in live and ID.match(stray.name) and stale:
                    shutil.rmtree(stray, ignore_errors=True)
            return len(old)
        finally:
            self._sweeping.release()

    @staticmethod
    def _busy(upload: Upload) -> bool:
        return any(job.get("status") in ("queued", "running") for job in upload.jobs.values())
