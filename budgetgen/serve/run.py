"""Running the server: uvicorn on the chosen address, the work folder made (and, if temporary, removed)."""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
from pathlib import Path

import click

EXIT_INPUT = 2


def _port_free(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (in Chinese), or None when it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == 98:
                return f"端口 {port} 已被占用（可能已有一个 budgetgen serve 在运行）：请换一个 --port"
            return f"无法在 {host}:{port} 上监听：{error.strerror}"
    return None


def serve_forever(host: str, port: int, token: str | None, workdir: Path | None, expiry: float, workers: int) -> None:
    """Serve until interrupted; a temporary work folder goes with the process."""
    import uvicorn

    from budgetgen.serve.app import create_app
    from budgetgen.serve.settings import ServeSettings

    refused = _port_free(host, port)
    if refused is not None:
        click.echo(f"未启动：{refused}。", err=True)
        sys.exit(EXIT_INPUT)
    own = workdir is None
    try:
        root = Path(tempfile.mkdtemp(prefix="budgetgen-serve-")) if workdir is None else workdir / "budgetgen-uploads"
        settings = ServeSettings(root, host, port, token, expiry=expiry, workers=workers)
        app = create_app(settings)
    except OSError as error:
        click.echo(f"未启动：无法使用工作文件夹 {workdir}：{error.strerror}。", err=True)
        sys.exit(EXIT_INPUT)
    try:
        shown = f"[{host}]" if ":" in host else host
        click.echo(f"budgetgen 网页已启动：http://{shown}:{port}/  （按 Ctrl+C 停止）", err=True)
        if token:
            click.echo("访问需要口令：浏览器中登录，或请求头 Authorization: Bearer <口令>。", err=True)
        uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
    finally:
        if own:
            shutil.rmtree(root, ignore_errors=True)
