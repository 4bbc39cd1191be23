"""Batch rendering: every unit of a department or a county, on all cores, resumable and shardable.

The plan lists one work item per unit (a department input is split into its units, plus one item
for the consolidated 部门预算). Items run in worker processes; each writes its files atomically and
the manifest is rewritten (atomically) after every item, so a batch killed at any moment leaves no
partial file and a rerun renders only what is missing or changed. ``--shard I/N`` takes a
deterministic, size-balanced share of the plan, so N machines render disjoint sets whose union is
the whole plan; ``merge`` joins their folders and checks that nothing is missing or twice.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from budgetgen import __version__
from budgetgen.checks.context import CheckContext
from budgetgen.diagnostics import Diagnostic, InputError, Location, Severity
from budgetgen.diagnostics import Path as FieldPath
from budgetgen.io.load import INPUT_NAMES, SUFFIXES, LoadedInput, Locator, load_budget
from budgetgen.ledger.build import build_ledger
from budgetgen.profiles import load_profile, profile_fingerprint
from budgetgen.render.files import write_atomic

MANIFEST = "manifest.json"
# forkserver: workers start from a clean server process, not from a copy of the caller (which may hold
# threads and open files, e.g. a test runner's), and still share the imported modules.
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["budgetgen.render.package", "budgetgen.batch"])  # import once, fork many
CONSOLIDATED = "部门"


@dataclass(frozen=True)
class Item:
    """One package to render: an input file and the unit in it (None: the whole input)."""

    key: str
    source: str
    unit: str | None
    weight: int
    digest: str


@dataclass
class Entry:
    """What the manifest records of one item."""

    key: str
    source: str
    unit: str | None
    input_hash: str
    profile: str
    version: str
    status: str
    outputs: list[dict[str, Any]] = field(default_factory=list)
    findings: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


@dataclass
class ShiftedLocator:
    """Positions of a department file seen from one of its units (``units[0]`` is ``units[u]``)."""

    base: Locator
    index: int

    def locate(self, file: str, path: FieldPath, at_key: bool = False) -> Location:
        """Translate a path of the one-unit budget into the department file's path."""
        if len(path) >= 2 and path[0] == "units":
            path = ("units", self.index, *path[2:])
        return self.base.locate(file, path, at_key)


def find_inputs(paths: Iterable[Path]) -> list[Path]:
    """Inputs named directly, or found in folders: a folder's ``budget.yaml`` (or ``.xlsx``), else its
    loose input files, and the ``budget.yaml`` of every folder below it.
    """
    found: list[Path] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        own = [path / name for name in INPUT_NAMES if (path / name).is_file()]
        if own:
            found.append(own[0])
            continue
        children = sorted(path.iterdir())
        found += [c for c in children if c.is_file() and c.suffix.lower() in SUFFIXES]
        for folder in (c for c in children if c.is_dir()):
            found += _budgets_below(folder)
    return list(dict.fromkeys(found))


def _budgets_below(folder: Path) -> list[Path]:
    own = [folder / name for name in INPUT_NAMES if (folder / name).is_file()]
    if own:
        return own[:1]
    return [p for child in sorted(folder.iterdir()) if child.is_dir() for p in _budgets_below(child)]


def _digest(loaded: LoadedInput, unit: str | None) -> str:
    budget = loaded.budget
    if unit is not None:
        budget = budget.model_copy(update={"units": [u for u in budget.units if u.code == unit]})
    return hashlib.sha256(budget.model_dump_json().encode()).hexdigest()


def plan(inputs: Sequence[Path]) -> tuple[list[Item], list[Entry]]:
    """Work items for every readable input, and entries for those that cannot be read."""
    items: list[Item] = []
    failed: list[Entry] = []
    for path in find_inputs(inputs):
        try:
            loaded = load_budget(path)
        except InputError as error:
            key = f"unreadable:{path}"
            failed.append(Entry(key, str(path), None, "", "", __version__, "unreadable",
                                errors=[str(d) for d in error.diagnostics]))  # fmt: skip
            continue
        units = loaded.budget.units
        for unit in units:
            facts = (
                len(unit.staff)
                + len(unit.operating_items)
                + sum(len(p.lines) + len(p.indicators) + 1 for p in unit.projects)
            )
            items.append(
                Item(
                    unit.code,
                    str(path),
                    unit.code if len(units) > 1 else None,
                    10 + facts,
                    _digest(loaded, unit.code if len(units) > 1 else None),
                )
            )
        if len(units) > 1:
            weight = sum(i.weight for i in items[-len(units) :])
            items.append(
                Item(f"{CONSOLIDATED}-{loaded.budget.department.code}", str(path), None, weight, _digest(loaded, None))
            )
    return items, failed


def shard(items: Sequence[Item], index: int, count: int) -> list[Item]:
    """Shard ``index`` (1-based) of ``count``: heaviest first to the lightest shard, ties by key."""
    loads = [0] * count
    mine: list[Item] = []
    for item in sorted(items, key=lambda i: (-i.weight, i.key)):
        target = min(range(count), key=lambda s: (loads[s], s))
        loads[target] += item.weight
        if target == index - 1:
            mine.append(item)
    return sorted(mine, key=lambda i: i.key)


def _context(item: Item, profile: str) -> CheckContext:
    loaded = load_budget(Path(item.source))
    if item.unit is not None:
        index = next(i for i, u in enumerate(loaded.budget.units) if u.code == item.unit)
        budget = loaded.budget.model_copy(update={"units": [loaded.budget.units[index]]})
        loaded = LoadedInput(budget, loaded.catalog, loaded.source, loaded.raw, ShiftedLocator(loaded.positions, index))
    ledger = build_ledger(loaded.budget, loaded.catalog, load_profile(profile))
    return CheckContext(loaded, ledger, profile)


def run_item(item: Item, out: Path, profile: str, formats: set[str], draft: bool) -> Entry:
    """Render one item into ``out/<key>/`` (in a worker process); never raises for bad input."""
    from budgetgen.render.package import RefusedError, render_context

    start = time.perf_counter()
    entry = Entry(item.key, item.source, item.unit, item.digest, profile_fingerprint(profile), __version__, "ok")
    target = out / item.key
    try:
        # the batch already uses every core with one unit per worker: chunks are laid out in turn
        paths, findings = render_context(_context(item, profile), target, formats, draft, pdf_workers=1)
    except InputError as error:
        entry.status, entry.errors = "unreadable", [str(d) for d in error.diagnostics]
    except RefusedError as refused:
        entry.status, entry.errors = "refused", [str(d) for d in refused.findings]
        entry.findings = {"errors": len(refused.findings)}
    else:
        entry.findings = {
            "errors": sum(1 for f in findings if f.severity is Severity.ERROR),
            "warnings": sum(1 for f in findings if f.severity is Severity.WARNING),
        }
        entry.outputs = [_describe(p, out) for p in paths]
    entry.seconds = round(time.perf_counter() - start, 3)
    return entry


def _describe(path: Path, out: Path) -> dict[str, Any]:
    data = path.read_bytes()
    described: dict[str, Any] = {"path": path.relative_to(out).as_posix(), "sha256": hashlib.sha256(data).hexdigest()}
    if path.suffix == ".pdf":
        described["pages"] = data.count(b"/Type /Page\n") or data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    return described


def read_manifest(out: Path) -> dict[str, Any]:
    """The manifest of an output folder (empty when there is none or it is unreadable)."""
    try:
        data: dict[str, Any] = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        return data
    except (OSError, ValueError):
        return {}


def _write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_atomic(out / MANIFEST, text.encode("utf-8"))


def _fresh(entry: dict[str, Any] | None, item: Item, profile: str, out: Path) -> bool:
    """Whether a previous run already rendered this item from the same input, profile and version."""
    if not entry or entry.get("status") != "ok":
        return False
    expected = (item.digest, profile_fingerprint(profile), __version__)  # an edited user profile re-renders
    if (entry.get("input_hash"), entry.get("profile"), entry.get("version")) != expected:
        return False
    for output in entry.get("outputs", []):
        path = out / output["path"]
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != output["sha256"]:
            return False
    return True


class Interrupted(Exception):
    """The batch was asked to stop (SIGTERM / SIGINT); what is done stays done, a rerun completes it."""


def _stop(signum: int, frame: object) -> None:
    raise Interrupted(signum)


def _worker_init() -> None:
    """Workers turn SIGTERM into an exception, so a file being written is removed, not left half-done."""
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; Ctrl-C goes to it


def _sweep(out: Path) -> None:
    """Remove temporary files a killed run may have left (they never carry a final name)."""
    for stale in out.rglob(".*.tmp"):
        stale.unlink(missing_ok=True)


@dataclass
class BatchResult:
    """What a batch did: entries by key and which items were rendered in this run."""

    entries: dict[str, dict[str, Any]]
    rendered: list[str]
    skipped: list[str]

    @property
    def failed(self) -> list[str]:
        """Keys of items that could not be rendered."""
        return [k for k, e in self.entries.items() if e["status"] != "ok"]


def run_batch(
    inputs: Sequence[Path],
    out: Path,
    profile: str,
    formats: set[str],
    draft: bool = False,
    jobs: int | None = None,
    shard_spec: tuple[int, int] | None = None,
    progress: Callable[[Entry, int, int], None] | None = None,
) -> BatchResult:
    """Render every planned item not already fresh in ``out``; the manifest records all of them."""
    load_profile(profile)  # a bad profile fails before any work starts
    items, failed = plan(inputs)
    all_keys = sorted([*(i.key for i in items), *(e.key for e in failed)])
    if shard_spec is not None:
        # an unreadable input belongs to one shard too, so that merged shards report it once
        placeholders = [Item(e.key, e.source, None, 1, "") for e in failed]
        chosen = {i.key for i in shard([*items, *placeholders], *shard_spec)}
        items = [i for i in items if i.key in chosen]
        failed = [e for e in failed if e.key in chosen]
    out.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(out).get("entries", {})
    manifest: dict[str, Any] = {
        "budgetgen": __version__,
        "profile": profile,
        "formats": sorted(formats),
        "plan": all_keys,
        "shard": list(shard_spec) if shard_spec else None,
        "entries": {k: v for k, v in previous.items() if k in {i.key for i in items}},
    }
    for entry in failed:
        manifest["entries"][entry.key] = asdict(entry)
    todo = [i for i in items if not _fresh(previous.get(i.key), i, profile, out)]
    skipped = [i.key for i in items if i not in todo]
    rendered: list[str] = []
    _sweep(out)
    _write_manifest(out, manifest)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    previous_handler = signal.signal(signal.SIGTERM, _stop)
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init, mp_context=_CONTEXT)
    pending: set[Future[Entry]] = set()
    try:
        pending = {pool.submit(run_item, i, out, profile, formats, draft) for i in todo}
        done = 0
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=lambda f: f.result().key):
                entry = future.result()
                manifest["entries"][entry.key] = asdict(entry)
                rendered.append(entry.key)
                done += 1
                if progress is not None:
                    progress(entry, done, len(todo))
            _write_manifest(out, manifest)
    except (Interrupted, KeyboardInterrupt):
        pool.shutdown(wait=True, cancel_futures=True)
        for future in pending:  # items that finished while we stopped are kept, and recorded
            if future.done() and not future.cancelled() and future.exception() is None:
                entry = future.result()
                manifest["entries"][entry.key] = asdict(entry)
        _write_manifest(out, manifest)
        _sweep(out)
        raise Interrupted from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        signal.signal(signal.SIGTERM, previous_handler)
    return BatchResult(manifest["entries"], sorted(rendered), sorted(skipped))


def merge(folders: Sequence[Path], out: Path) -> list[Diagnostic]:
    """Join shard folders into ``out``: copy their files, join their manifests, check the plan is covered once."""
    problems: list[Diagnostic] = []
    manifests = [(folder, read_manifest(folder)) for folder in folders]
    plans = {tuple(m.get("plan", [])) for _, m in manifests}
    if len(plans) != 1:
        problems.append(Diagnostic("BG-E050", "各分片的计划（单位清单）不一致，不能合并", Location(str(folders[0]))))
    joined: dict[str, Any] = {}
    owner: dict[str, Path] = {}
    for folder, manifest in manifests:
        if not manifest:
            problems.append(Diagnostic("BG-E050", f"{folder} 中没有 {MANIFEST}", Location(str(folder))))
            continue
        for key, entry in manifest.get("entries", {}).items():
            if key in owner:
                problems.append(
                    Diagnostic("BG-E050", f"单位 {key} 在 {owner[key]} 和 {folder} 中都有", Location(str(folder)))
                )
                continue
            owner[key] = folder
            joined[key] = entry
    plan_keys = set(next(iter(plans))) if plans else set()
    missing = sorted(plan_keys - set(joined))
    for key in missing:
        problems.append(Diagnostic("BG-E050", f"单位 {key} 不在任何分片中", Location(str(folders[0]))))
    if problems:
        return problems
    out.mkdir(parents=True, exist_ok=True)
    for key, folder in owner.items():
        if (folder / key).is_dir():
            shutil.copytree(folder / key, out / key, dirs_exist_ok=True)
    first = manifests[0][1]
    merged = {**first, "shard": None, "entries": dict(sorted(joined.items()))}
    _write_manifest(out, merged)
    return []
