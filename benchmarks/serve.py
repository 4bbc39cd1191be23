"""Benchmark: budgetgen serve under load — the page's latency while renders run, and renders per minute.

Not a test. Starts ``budgetgen serve`` on a free loopback port, posts the worked example's workbook
to ``/api/check`` and ``/api/render`` (xlsx + pdf) from N clients at once, and meanwhile asks
``/healthz`` every 0.2 s. Prints check and render times (median, slowest), renders per minute and the
slowest ``/healthz`` answer. Goal: the page answers in well under a second while renders run.

    .venv/bin/python benchmarks/serve.py --clients 4 --rounds 2
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workbook = Path(folder) / "guangyuan.xlsx"
        subprocess.run(
            [sys.executable, "-m", "budgetgen", "template", workbook, "--from", ROOT / "examples" / "guangyuan-2025"],
            check=True, capture_output=True, cwd=ROOT,
        )  # fmt: skip
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        command = [sys.executable, "-m", "budgetgen", "serve", "--port", str(port), "--workers", str(args.workers)]
        server = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    httpx.get(f"{url}/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            data = workbook.read_bytes()
            slowest = [0.0]
            stop = threading.Event()

            def probe_page() -> None:
                while not stop.is_set():
                    started = time.monotonic()
                    httpx.get(f"{url}/healthz", timeout=30)
                    slowest[0] = max(slowest[0], time.monotonic() - started)
                    time.sleep(0.2)

            def timed(path: str) -> float:
                started = time.monotonic()
                answer = httpx.post(f"{url}{path}", files={"file": (workbook.name, data)}, timeout=600)
                answer.raise_for_status()
                return time.monotonic() - started

            watcher = threading.Thread(target=probe_page)
            watcher.start()
            jobs = args.clients * args.rounds
            with ThreadPoolExecutor(args.clients) as pool:
                checks = list(pool.map(timed, ["/api/check"] * jobs))
                started = time.monotonic()
                renders = list(pool.map(timed, ["/api/render"] * jobs))
                elapsed = time.monotonic() - started
            stop.set()
            watcher.join()
        finally:
            server.terminate()
            server.wait(30)
    print(f"check:  median {statistics.median(checks):.2f} s, slowest {max(checks):.2f} s ({jobs} uploads)")
    print(f"render: median {statistics.median(renders):.2f} s, slowest {max(renders):.2f} s, "
          f"{jobs / elapsed * 60:.1f} renders/min with {args.workers} workers")  # fmt: skip
    print(f"/healthz slowest answer while rendering: {slowest[0] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
