"""Benchmark: how fast budgetgen renders, both PDF engines side by side with LibreOffice on the same package.

Not a test. Prints, for each example and for generated departments of N units: pages, seconds and peak
memory of the xlsx, of the WeasyPrint PDF and of the Typst PDF (each step in its own process), the time
LibreOffice takes to convert our own workbook to PDF in the same run, each engine's ratio to LibreOffice,
and what ``render --verify`` costs on the Typst output. Targets: Typst <= 0.3x LibreOffice, memory
<= 500 MiB at 300 pages, cost linear in pages.

It also renders one unit with 250 / 500 / 1,000 / 2,000 projects (xlsx and html only) and prints the
seconds per project of each step, and how far the per-project time spreads (target: within 1.5x).

    .venv/bin/python benchmarks/render.py                  # examples, 14 and 50 units, big units
    .venv/bin/python benchmarks/render.py --units 120 --engines typst  # ~300 pages: the memory goal
    .venv/bin/python benchmarks/render.py --engines typst  # skip WeasyPrint (slow on large departments)
    .venv/bin/python benchmarks/render.py --units --examples 0 --projects 1000  # one 1,000-project unit
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

STEP = r"""
import json, resource, sys, time
from pathlib import Path
from budgetgen.pipeline import load_ledger
from budgetgen.package.document import build_document
from budgetgen.render.html import render_html
from functools import partial
from budgetgen.render.pdf import render_pdf_package
from budgetgen.render.xlsx import render_xlsx
source, out, step, profile = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
start = time.perf_counter()
document = build_document(load_ledger(source, profile), profile)
model = time.perf_counter() - start
start = time.perf_counter()
cpu = time.process_time()
verify = 0.0
if step == "xlsx":
    (out / "package.xlsx").write_bytes(render_xlsx(document.tables, document.title))
elif step == "html":
    (out / "package.html").write_text(render_html(document, profile), encoding="utf-8")
elif step == "typst":
    from budgetgen.render.typst import render_typst_pdf
    from budgetgen.render.verify import check_pdf
    pdf = render_typst_pdf(document)  # every compile in a child process: their peak is RUSAGE_CHILDREN's
    (out / "typst.pdf").write_bytes(pdf)
    seconds = time.perf_counter() - start
    begin = time.perf_counter()
    assert check_pdf(document, pdf) == []
    verify = time.perf_counter() - begin
else:
    html_for = partial(render_html, document, profile, None)
    (out / "weasyprint.pdf").write_bytes(render_pdf_package(document, profile, html_for))
if step != "typst":
    seconds = time.perf_counter() - start
cpu = time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"model": model, "seconds": seconds, "cpu": cpu, "peak_mib": peak, "worker_mib": workers,
                  "verify": verify}))
"""


def generated_department(units: int, folder: Path) -> Path:
    """A department of ``units`` units: the demo county's units repeated under new codes."""
    data = yaml.safe_load((EXAMPLES / "demo-county" / "budget.yaml").read_text(encoding="utf-8"))
    template = data["units"]
    data["units"] = []
    for n in range(units):
        unit = json.loads(json.dumps(template[n % len(template)]))
        code = f"801{n + 1:03d}"
        old = unit["code"]
        unit["code"] = code
        unit["name"] = f"{unit['name']}（{n + 1}）"
        text = json.dumps(unit, ensure_ascii=False).replace(f'"{old}-', f'"{code}-')
        data["units"].append(json.loads(text))
    path = folder / "budget.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def big_unit(projects: int, folder: Path) -> Path:
    """One unit with ``projects`` more 特定目标类 projects: the demo county's first unit, its income raised to match."""
    data = yaml.safe_load((EXAMPLES / "demo-county" / "budget.yaml").read_text(encoding="utf-8"))
    unit = data["units"][0]
    data["units"] = [unit]
    template = next(p for p in unit["projects"] if p["category"] == "特定目标类")
    extra = Decimal(0)
    for n in range(projects):
        project = copy.deepcopy(template)
        project["code"] = f"{unit['code']}-X{n + 1:04d}"
        project["name"] = f"{template['name']}（{n + 1}）"
        extra += sum(Decimal(str(line["amount"])) for line in project["lines"])
        unit["projects"].append(project)
    unit["income"][0]["amount"] = str(Decimal(str(unit["income"][0]["amount"])) + extra)
    path = folder / "budget.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def measure_projects(sizes: list[int], profile: str = "sichuan-2025") -> None:
    """Seconds per project of the model, the xlsx and the html for one unit of each size; their spread.

    The spread uses the xlsx's CPU seconds (this process only), which a busy machine disturbs less than
    the wall time printed beside them.
    """
    per_project: list[float] = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            source = big_unit(n, out)
            xlsx = run_step(source, out, "xlsx", profile)
            html = run_step(source, out, "html", profile)
        per_project.append(xlsx["cpu"] / n)
        print(
            f"unit of {n:>5} projects  model {xlsx['model']:6.2f}s  xlsx {xlsx['seconds']:7.2f}s "
            f"(CPU {xlsx['cpu']:6.2f}s, {xlsx['cpu'] / n * 1000:5.2f} ms/project, {xlsx['peak_mib']:.0f} MiB)  "
            f"html {html['seconds']:6.2f}s ({html['seconds'] / n * 1000:5.2f} ms/project)",
            flush=True,
        )
    if len(sizes) > 1:
        spread = max(per_project) / min(per_project)
        print(f"xlsx CPU per project, slowest / fastest size: {spread:.2f}x (target <= 1.5x)", flush=True)


def run_step(source: Path, out: Path, step: str, profile: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", STEP, str(source), str(out), step, profile], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def libreoffice(xlsx: Path, out: Path) -> tuple[float, int] | None:
    soffice = shutil.which("soffice")
    if soffice is None:
        return None
    target = out / "lo"
    start = time.perf_counter()
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{out / 'lo-profile'}", "--headless", "--convert-to", "pdf",
         "--outdir", str(target), str(xlsx)],
        capture_output=True, check=True, timeout=1800,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    return seconds, pages(next(target.glob("*.pdf")))


def measure(name: str, source: Path, profile: str, engines: list[str], office: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        xlsx = run_step(source, out, "xlsx", profile)
        line = f"{name:<18} model {xlsx['model']:6.2f}s  xlsx {xlsx['seconds']:6.2f}s ({xlsx['peak_mib']:.0f} MiB)"
        lo = libreoffice(out / "package.xlsx", out) if office else None
        if lo is not None:
            line += f" | LibreOffice {lo[1]:>4} pages {lo[0]:7.2f}s"
        for engine in engines:
            result = run_step(source, out, engine, profile)
            n = pages(out / f"{engine}.pdf")
            memory = f"{result['peak_mib']:.0f} MiB, workers {result['worker_mib']:.0f} MiB"
            line += f" | {engine} {n:>4} pages {result['seconds']:7.2f}s ({memory}"
            line += f", verify {result['verify']:.2f}s)" if engine == "typst" else ")"
            if lo is not None:
                line += f" ratio {result['seconds'] / lo[0]:.2f}"
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, nargs="*", default=[14, 50], help="units of generated departments")
    parser.add_argument("--engines", nargs="*", default=["weasyprint", "typst"], choices=["weasyprint", "typst"])
    parser.add_argument("--no-libreoffice", action="store_true", help="skip LibreOffice")
    parser.add_argument("--examples", type=int, default=4, help="how many of the examples to measure (0-4)")
    parser.add_argument(
        "--projects", default="250,500,1000,2000", help="sizes of the one-unit case, comma-separated (0: none)"
    )
    args = parser.parse_args()
    office = not args.no_libreoffice
    examples = [
        ("guangyuan-2025", EXAMPLES / "guangyuan-2025", "sichuan-2025"),
        ("demo-county", EXAMPLES / "demo-county", "sichuan-2025"),
        ("laiyuan (hebei)", EXAMPLES / "laiyuan-2020", "hebei-2020"),
        ("wanyuan (forms)", EXAMPLES / "wanyuan-2023", "sichuan-performance-2023"),
    ]
    for name, source, profile in examples[: args.examples]:
        measure(name, source, profile, args.engines, office)
    for units in args.units:
        with tempfile.TemporaryDirectory() as tmp:
            measure(f"generated-{units}", generated_department(units, Path(tmp)), "sichuan-2025", args.engines, office)
    sizes = [int(n) for n in args.projects.split(",") if int(n) > 0]
    if sizes:
        measure_projects(sizes)


if __name__ == "__main__":
    main()
