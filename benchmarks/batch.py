"""Benchmark: batch rendering of many units with 1 and 2 workers, and the rerun.

Not a test. Generates N one-unit inputs (the demo county's units under new codes), renders them
with `budgetgen batch` using 1 and then 2 workers, reruns (nothing to do), and prints units per
minute, the speed-up, the rerun time and the peak memory of the busiest process (RSS, from
/proc while it runs). Goal: >= 1.8x with 2 workers on 2 cores.

    .venv/bin/python benchmarks/batch.py --units 200          # xlsx + pdf
    .venv/bin/python benchmarks/batch.py --units 40 --xlsx    # quicker
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def generate(units: int, folder: Path) -> Path:
    """``units`` one-unit inputs in their own folders."""
    data = yaml.safe_load((ROOT / "examples" / "demo-county" / "budget.yaml").read_text(encoding="utf-8"))
    template = data["units"]
    for n in range(units):
        unit = yaml.safe_load(yaml.safe_dump(template[n % len(template)], allow_unicode=True))
        old, code = unit["code"], f"801{n + 1:03d}"
        text = yaml.safe_dump({**data, "units": [unit]}, allow_unicode=True, sort_keys=False)
        text = text.replace(f"'{old}", f"'{code}").replace(f'"{old}', f'"{code}')
        target = folder / code / "budget.yaml"
        target.parent.mkdir(parents=True)
        target.write_text(text, encoding="utf-8")
    return folder


def peak_rss(process: subprocess.Popen[bytes], result: list[float]) -> None:
    """Largest RSS (MiB) of any process in the batch's session while it runs."""
    peak = 0.0
    while process.poll() is None:
        out = subprocess.run(["ps", "-s", str(process.pid), "-o", "rss="], capture_output=True, text=True).stdout
        sizes = [int(x) for x in out.split() if x.isdigit()]
        peak = max([peak, *(s / 1024 for s in sizes)])
        time.sleep(0.2)
    result.append(peak)


def batch(inputs: Path, out: Path, jobs: int, formats: list[str]) -> tuple[float, float]:
    command = [sys.executable, "-m", "budgetgen", "batch", str(inputs), "-o", str(out), "--jobs", str(jobs), *formats]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # fmt: skip
    peak: list[float] = []
    watcher = threading.Thread(target=peak_rss, args=(process, peak))
    watcher.start()
    process.wait()
    watcher.join()
    return time.perf_counter() - start, peak[0] if peak else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--xlsx", action="store_true", help="render only the workbooks")
    args = parser.parse_args()
    formats = ["--xlsx"] if args.xlsx else ["--xlsx", "--pdf"]
    with tempfile.TemporaryDirectory() as tmp:
        inputs = generate(args.units, Path(tmp) / "in")
        one, peak_one = batch(inputs, Path(tmp) / "out1", 1, formats)
        two, peak_two = batch(inputs, Path(tmp) / "out2", 2, formats)
        rerun, _ = batch(inputs, Path(tmp) / "out2", 2, formats)
    print(f"{args.units} units ({' '.join(formats)})")
    print(f"  1 worker : {one:7.1f} s  {args.units / one * 60:6.1f} units/min  peak process {peak_one:.0f} MiB")
    print(f"  2 workers: {two:7.1f} s  {args.units / two * 60:6.1f} units/min  peak process {peak_two:.0f} MiB")
    print(f"  speed-up {one / two:.2f}x   rerun (nothing to do) {rerun:.1f} s")


if __name__ == "__main__":
    main()
