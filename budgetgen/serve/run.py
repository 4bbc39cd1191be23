"""Running the server: uvicorn on the chosen address, the work folder made (and, if temporary, removed)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import click


def serve_forever(host: str, port: int, token: str | None, workdir: Path | None, expiry: float, workers: int) -> None:
    """Serve until interrupted; a temporary work folder goes with the process."""
    import uvicorn

    from budgetgen.serve.app import create_app
    from budgetgen.serve.settings import ServeSettings

    own = workdir is None
    root = Path(tempfile.mkdtemp(prefix="budgetgen-serve-")) if workdir is None else workdir / "budgetgen-uploads"
    try:
        settings = ServeSettings(root, host, port, token, expiry=expiry, workers=workers)
        app = create_app(settings)
        shown = f"[{host}]" if ":" in host else host
        click.echo(f"budgetgen 网页已启动：http://{shown}:{port}/  （按 Ctrl+C 停止）", err=True)
        if token:
            click.echo("访问需要口令：浏览器中登录，或请求头 Authorization: Bearer <口令>。", err=True)
        uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
    finally:
        if own:
            shutil.rmtree(root, ignore_errors=True)
