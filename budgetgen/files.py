"""Writing output files: as a set (all replaced or none), atomically, reproducibly, with the user's mode.

Each file is written to a temporary beside its final name (a hidden name carrying budgetgen's marker
and the writer's process id, so a later run removes only its own leftovers), then every temporary is
renamed over its final name, with signals held back; if one rename fails, the files already replaced
get their old content back. A half-written or mismatched set never appears under final names. Files
get the mode the umask gives (0644 under the usual umask), not a temporary file's 0600. Zip
containers (xlsx) are rewritten with fixed entry timestamps and order, so the same input gives the
same bytes. A failure of the user's environment (permissions, disk full, a file or folder in the
way) becomes an ``OutputError`` naming the path, never an internal error.
"""

from __future__ import annotations

import errno
import io
import os
import re
import secrets
import shutil
import signal
import stat
import threading
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from budgetgen.diagnostics import Diagnostic, Location

# 1980-01-01 is the earliest time a zip entry can hold; any fixed value would do.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
MARKER = "~budgetgen-"
# .<final name>~budgetgen-<pid>-<random>.tmp (a temporary) or .old (the previous file, kept for a rollback)
_OWN = re.compile(r"^\..+" + re.escape(MARKER) + r"(\d+)-[0-9a-f]{8}\.(tmp|old)$")


class OutputError(Exception):
    """An output cannot be written because of the user's environment (exit 2, with the path)."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")

    @property
    def diagnostic(self) -> Diagnostic:
        """The located message a user is shown."""
        return Diagnostic("BG-E070", f"无法写入输出：{self.reason}", Location(str(self.path)))


def _blocking_component(path: Path) -> Path | None:
    """The first existing part of ``path`` that is not a folder (``-o`` below a regular file)."""
    for part in reversed((path, *path.parents)):
        if part.exists() and not part.is_dir():
            return part
        if not part.exists():
            return None
    return None


def os_reason(error: OSError, path: Path) -> str:
    """Plain Chinese for an operating-system error met while writing ``path``."""
    code = error.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return "磁盘空间不足（或超出配额）"
    if code == errno.EROFS:
        return "所在的文件系统是只读的"
    if code in (errno.EACCES, errno.EPERM):
        return "没有写入权限（文件夹只读或属于他人）"
    if code in (errno.ENOTDIR, errno.EEXIST):
        blocking = _blocking_component(path)
        if blocking is not None:
            return f"{blocking} 是一个文件，不是文件夹"
    if code == errno.EISDIR:
        return "这个名字已被一个文件夹占用，不能写成文件"
    if code == errno.ENAMETOOLONG:
        return "文件名或路径过长"
    return f"系统错误（{errno.errorcode.get(code or 0, code)}）：{error.strerror}"


@contextmanager
def as_output_error(path: Path) -> Iterator[None]:
    """Turn an ``OSError`` met while writing ``path`` into an ``OutputError``."""
    try:
        yield
    except OSError as error:
        raise OutputError(path, os_reason(error, path)) from error


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGTERM and SIGINT back for a short step that must not stop halfway (they arrive after it).

    In the main thread the handlers only note the signal and it is raised again after the step: a mask
    would not do there, since the kernel hands a process's signal to any thread that does not block it
    (a library's helper thread), and Python then runs the handler in the main thread at once.
    """
    held = (signal.SIGTERM, signal.SIGINT)
    if threading.current_thread() is not threading.main_thread():
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, held)
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        return
    caught: list[int] = []
    previous = {s: signal.signal(s, lambda signum, _frame: caught.append(signum)) for s in held}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        for signum in dict.fromkeys(caught):
            signal.raise_signal(signum)


def _own_name(path: Path, kind: str) -> Path:
    return path.with_name(f".{path.name}{MARKER}{os.getpid()}-{secrets.token_hex(4)}.{kind}")


def _write_fully(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_new(path: Path, data: bytes) -> None:
    # 0o666 less the umask, as any program creating a file gets it
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        _write_fully(fd, data)
    finally:
        os.close(fd)


def _prepare(path: Path) -> None:
    """The folder exists, the final name is free for a file (or is one), and the temporaries of it that a
    killed writer left (SIGKILL leaves no chance to clean up) are gone.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir():
        raise OSError(errno.EISDIR, "Is a directory", str(path))
    prefix = f".{path.name}{MARKER}"
    with os.scandir(path.parent) as entries:
        for entry in entries:
            found = _OWN.match(entry.name) if entry.name.startswith(prefix) else None
            if found and not _alive(int(found[1])) and entry.is_file(follow_symlinks=False):
                Path(entry.path).unlink(missing_ok=True)


def _keep_old(path: Path) -> Path | None:
    """A second name for the file now at ``path`` (a hard link; a copy where links are not possible)."""
    if not os.path.lexists(path):
        return None
    backup = _own_name(path, "old")
    try:
        os.link(path, backup, follow_symlinks=False)
    except OSError:
        shutil.copy2(path, backup, follow_symlinks=False)
    return backup


def _rollback(replaced: list[Path], backups: dict[Path, Path | None]) -> None:
    """Put the previous files back (a file that had none is removed); a backup that cannot go back stays."""
    for path in reversed(replaced):
        old = backups.pop(path)
        try:
            if old is None:
                path.unlink()
            else:
                os.replace(old, path)
        except OSError:
            continue


def write_set(outputs: Mapping[Path, bytes]) -> list[Path]:
    """Write every file of ``outputs`` or none: temporaries first, then renames, rolled back on failure."""
    temporaries: dict[Path, Path] = {}
    backups: dict[Path, Path | None] = {}
    try:
        for path, data in outputs.items():
            with as_output_error(path):
                _prepare(path)
                temporaries[path] = _own_name(path, "tmp")
                _write_new(temporaries[path], data)
        with signals_held():
            for path in temporaries:
                with as_output_error(path):
                    backups[path] = _keep_old(path)
            replaced: list[Path] = []
            try:
                for path, temporary in temporaries.items():
                    with as_output_error(path):
                        os.replace(temporary, path)
                    replaced.append(path)
            except BaseException:
                _rollback(replaced, backups)
                raise
    finally:
        with signals_held():
            for leftover in [*temporaries.values(), *(b for b in backups.values() if b is not None)]:
                try:
                    leftover.unlink(missing_ok=True)
                except OSError:
                    continue
    return list(outputs)


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to ``path`` through a temporary file in the same folder, then rename."""
    write_set({path: data})


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_own_temporaries(folder: Path, pids: set[int] | None = None) -> list[Path]:
    """Remove the temporaries budgetgen left under ``folder``: those of ``pids``, or of processes gone.

    Only regular files named with budgetgen's marker are touched; other hidden files, folders and
    links stay as they are.
    """
    removed: list[Path] = []
    for root, _folders, names in os.walk(folder):
        for name in names:
            found = _OWN.match(name)
            if not found:
                continue
            pid = int(found[1])
            if (pid not in pids) if pids is not None else _alive(pid):
                continue
            path = Path(root) / name
            try:
                if stat.S_ISREG(path.lstat().st_mode):
                    path.unlink()
                    removed.append(path)
            except OSError:
                continue
    return removed


def normalize_zip(data: bytes, rewrite: Mapping[str, Callable[[bytes], bytes]] | None = None) -> bytes:
    """The same zip with every entry's timestamp and attributes fixed, entries in their order.

    ``rewrite`` maps entry names to functions that fix their content (e.g. a save timestamp).
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIMESTAMP)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            fixed.create_system = 3
            content = source.read(info.filename)
            if rewrite and info.filename in rewrite:
                content = rewrite[info.filename](content)
            target.writestr(fixed, content, compresslevel=6)
    return out.getvalue()
