"""Benchmark: a large YAML input (about 8 MB) is answered, with a result or a located error, within 10 s.

Not a test. Writes several inputs of about ``--mb`` megabytes and times ``budgetgen check`` on each,
in its own process (wall clock, peak memory):

* ``projects``: the worked example with its specific projects repeated until the file is that large
  (a valid budget: check finds what it finds);
* ``one-text``: one text of that many characters (refused: longer than a text may be);
* ``many-keys``: one mapping with that many unknown keys (refused: unknown fields);
* ``deep-list``: a long list of tiny lists (refused: wrong type).

    .venv/bin/python benchmarks/input.py           # 8 MB
    .venv/bin/python benchmarks/input.py --mb 16   # above the 20 MB limit it is one quick refusal
"""

from __future__ import annotations

import argparse
import copy
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKED = ROOT / "examples" / "guangyuan-2025" / "budget.yaml"
LIMIT_SECONDS = 10.0


def _dump(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def projects_input(size: int) -> str:
    """The worked example with copies of its specific projects until the text is ``size`` bytes."""
    data = yaml.safe_load(WORKED.read_text(encoding="utf-8"))
    unit = data["units"][0]
    specific = [p for p in unit["projects"] if p["category"] == "特定目标类"]
    one = len(_dump(specific[0]).encode())
    copies = max(1, (size - len(WORKED.read_bytes())) // one)
    for n in range(copies):
        project = copy.deepcopy(specific[n % len(specific)])
        project["code"] = f"X{n:06d}"
        unit["projects"].append(project)
    return _dump(data)


def cases(size: int) -> dict[str, str]:
    base = WORKED.read_text(encoding="utf-8")
    return {
        "projects": projects_input(size),
        "one-text": base.replace("    texts:\n", "    texts:\n      other_matters: " + "说" * (size // 3) + "\n", 1),
        "many-keys": "format_version: 1\n" + "".join(f"k{n:07d}: {n}\n" for n in range(size // 16)),
        "deep-list": "units:\n" + "  - [[1]]\n" * (size // 10),
    }


# Each check runs below a small wrapper process, so that the peak memory measured is that check's alone.
WRAPPER = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run([sys.executable, "-m", "budgetgen", "check", sys.argv[1]], capture_output=True, text=True)
seconds = time.perf_counter() - start
sys.stderr.write(done.stderr[-2000:] if done.returncode not in (0, 1, 2) or "Traceback" in done.stderr else "")
print(seconds, done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def run(path: Path) -> tuple[float, int, float]:
    """Seconds, exit code and peak MiB of ``budgetgen check path`` in its own process."""
    result = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(path)], capture_output=True, text=True, cwd=ROOT, check=True
    )
    if result.stderr:
        print(result.stderr, file=sys.stderr)
    seconds, code, peak = result.stdout.split()
    return float(seconds), int(code), float(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=8.0, help="input size in megabytes (default 8)")
    args = parser.parse_args()
    size = int(args.mb * 1024 * 1024)
    print(f"{'case':<10} {'MB':>6} {'exit':>4} {'seconds':>8} {'peak MiB':>9}  within {LIMIT_SECONDS:.0f} s")
    with tempfile.TemporaryDirectory() as folder:
        for name, text in cases(size).items():
            path = Path(folder) / f"{name}.yaml"
            path.write_text(text, encoding="utf-8")
            seconds, code, peak = run(path)
            mb = path.stat().st_size / 1024 / 1024
            verdict = "yes" if seconds <= LIMIT_SECONDS and code in (0, 1, 2) else "NO"
            print(f"{name:<10} {mb:>6.1f} {code:>4} {seconds:>8.2f} {peak:>9.0f}  {verdict}")


if __name__ == "__main__":
    main()
