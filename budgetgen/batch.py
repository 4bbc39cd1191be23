"""Batch rendering: every unit of a department or a county, on all cores, resumable and shardable.

The plan lists one work item per unit (a department input is split into its units, plus one item
for the consolidated 部门预算); a unit code met in two inputs stops the batch before anything is
written. Items run in worker processes (``budgetgen.workers``); each renders in memory, writes its
files as a set and sends its entry with signals held, and the manifest is rewritten (atomically)
after every result. On SIGTERM / SIGINT no new item starts, running ones are abandoned (their
temporaries removed), every finished one is recorded, and no process is left. A worker that dies
marks its item failed and the batch goes on. A rerun renders only what is missing or changed; a
manifest keeps the entries of earlier runs into the same folder. ``--shard I/N`` takes a
deterministic, size-balanced share of the plan, so N machines render disjoint sets whose union is
the whole plan; ``batch_merge`` joins their folders and checks that nothing is missing, twice or outside.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from budgetgen import __version__
from budgetgen.diagnostics import Diagnostic, InputError, Location, Severity
from budgetgen.diagnostics import Path as FieldPath
from budgetgen.files import OutputError, as_output_error, remove_own_temporaries, write_atomic, write_set
from budgetgen.interrupt import SIGNALS, Interrupted
from budgetgen.io.load import INPUT_NAMES, SUFFIXES, LoadedInput, Locator, load_budget
from budgetgen.profile_check import verify_profile
from budgetgen.profiles import profile_fingerprint
from budgetgen.run import Options, RefusedError, Run
from budgetgen.workers import GRACE, Lost, Worker, ready

MANIFEST = "manifest.json"
ARTEFACTS = (MANIFEST,)  # names a batch writes beside the unit folders
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
    formats: list[str] = field(default_factory=list)


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
    loose input files, and the ``budget.yaml`` of every folder below it. A file named twice (in
    any spelling) counts once.
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
    seen: set[Path] = set()
    unique: list[Path] = []
    for path in found:
        if _same_file(path) not in seen:
            seen.add(_same_file(path))
            unique.append(path)
    return unique


def _same_file(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path


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


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot name a unit's folder beside the batch's own files (None: it can)."""
    if not key or key in (".", "..") or key.startswith(".") or any(c in key for c in "/\\\0"):
        return "不能用作文件夹名"
    if key.casefold() in {a.casefold() for a in ARTEFACTS}:
        return f"与批量生成自己的 {key} 文件同名"
    return None


def plan(inputs: Sequence[Path]) -> tuple[list[Item], list[Entry]]:
    """Work items for every readable input, and entries for those that cannot be read.

    Raises ``InputError`` (naming both inputs) when two inputs hold the same unit or department:
    they would render into one folder, the second silently replacing the first.
    """
    items: list[Item] = []
    failed: list[Entry] = []
    first: dict[str, str] = {}
    clashes: list[Diagnostic] = []

    def add(item: Item, where: Location) -> None:
        if item.key in first and first[item.key] != item.source:
            message = f"单位代码 {item.key} 在两份输入中都有：{first[item.key]} 和 {item.source}；每个单位只能出现一次"
            clashes.append(Diagnostic("BG-E024", message, where))
            return
        first[item.key] = item.source
        problem = key_problem(item.key)
        if problem is None:
            items.append(item)
            return
        error = Diagnostic("BG-E012", f"单位代码“{item.key}”{problem}，批量生成无法为它建文件夹；请改用其他代码", where)
        failed.append(Entry(item.key, item.source, item.unit, "", "", __version__, "unreadable", errors=[str(error)]))

    for path in find_inputs(inputs):
        try:
            loaded = load_budget(path)
        except InputError as error:
            key = f"unreadable:{path}"
            failed.append(Entry(key, str(path), None, "", "", __version__, "unreadable",
                                errors=[str(d) for d in error.diagnostics]))  # fmt: skip
            continue
        units = loaded.budget.units
        several = len(units) > 1
        for index, unit in enumerate(units):
            facts = (
                len(unit.staff)
                + len(unit.operating_items)
                + sum(len(p.lines) + len(p.indicators) + 1 for p in unit.projects)
            )
            item = Item(
                unit.code,
                str(path),
                unit.code if several else None,
                10 + facts,
                _digest(loaded, unit.code if several else None),
            )
            add(item, loaded.positions.locate(str(path), ("units", index, "code")))
        if several:
            weight = sum(i.weight for i in items if i.source == str(path))
            department = loaded.budget.department.code
            item = Item(f"{CONSOLIDATED}-{department}", str(path), None, weight, _digest(loaded, None))
            add(item, loaded.positions.locate(str(path), ("department", "code")))
    if clashes:
        raise InputError(clashes)
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


def _run(item: Item, profile: str, draft: bool) -> Run:
    """The run of one item: its input (one unit of a department, or the whole input) under the profile."""
    loaded = load_budget(Path(item.source))
    if item.unit is not None:
        index = next(i for i, u in enumerate(loaded.budget.units) if u.code == item.unit)
        budget = loaded.budget.model_copy(update={"units": [loaded.budget.units[index]]})
        loaded = LoadedInput(budget, loaded.catalog, loaded.source, loaded.raw, ShiftedLocator(loaded.positions, index))
    return Run(loaded, profile, Options(draft=draft))


@dataclass(frozen=True)
class UnitJob:
    """Render one item into ``out/<key>/`` (in a worker process); never raises for bad input."""

    item: Item
    out: Path
    profile: str
    formats: frozenset[str]
    draft: bool

    def run(self) -> Callable[[], Entry]:
        """Check and render in memory (interruptible); the returned step writes the files as a set."""
        from budgetgen.render.paging import RenderWarning

        item = self.item
        start = time.perf_counter()
        fingerprint = profile_fingerprint(self.profile)  # an edited user profile re-renders
        entry = Entry(item.key, item.source, item.unit, item.digest, fingerprint, __version__, "ok",
                      formats=sorted(self.formats))  # fmt: skip
        outputs: dict[Path, bytes] = {}
        try:
            # the batch already uses every core with one unit per worker: chunks are laid out in turn
            run = _run(item, self.profile, self.draft)
            outputs = run.outputs(self.out / item.key, set(self.formats), 1)
            findings = run.findings
        except InputError as error:
            entry.status, entry.errors = "unreadable", [str(d) for d in error.diagnostics]
        except RefusedError as refused:
            entry.status, entry.errors = "refused", [str(d) for d in refused.findings]
            entry.findings = {"errors": len(refused.findings)}
        except RenderWarning as warning:
            problem = Diagnostic("BG-E060", f"PDF 排版时出现问题：{warning}", Location(item.source))
            entry.status, entry.errors = "refused", [str(problem)]
        except Exception as error:  # a bug in one unit must not stop the others
            entry.status, entry.errors = "failed", [f"内部错误：{type(error).__name__}: {error}"]
        else:
            entry.findings = {
                "errors": sum(1 for f in findings if f.severity is Severity.ERROR),
                "warnings": sum(1 for f in findings if f.severity is Severity.WARNING),
            }

        def commit() -> Entry:
            if outputs:
                try:
                    write_set(outputs)
                except OutputError as error:
                    entry.status, entry.errors = "unwritable", [str(error.diagnostic)]
                else:
                    entry.outputs = [_describe(path, data, self.out) for path, data in outputs.items()]
            entry.seconds = round(time.perf_counter() - start, 3)
            return entry

        return commit


def run_item(item: Item, out: Path, profile: str, formats: set[str], draft: bool) -> Entry:
    """Render one item in this process (what a worker does with a ``UnitJob``)."""
    return UnitJob(item, out, profile, frozenset(formats), draft).run()()


def _describe(path: Path, data: bytes, out: Path) -> dict[str, Any]:
    described: dict[str, Any] = {"path": path.relative_to(out).as_posix(), "sha256": hashlib.sha256(data).hexdigest()}
    if path.suffix == ".pdf":
        described["pages"] = data.count(b"/Type /Page\n") or data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    return described


def plan_keys(value: Any) -> list[str]:
    """The unit codes of a manifest's plan (a manifest is read as untrusted data)."""
    return [k for k in value if isinstance(k, str)] if isinstance(value, list) else []


def read_manifest(out: Path) -> dict[str, Any]:
    """The manifest of an output folder (empty when there is none or it is unreadable)."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_atomic(out / MANIFEST, text.encode("utf-8"))


def _fresh(entry: dict[str, Any] | None, item: Item, profile: str, formats: set[str], out: Path) -> bool:
    """Whether a previous run already rendered this item from the same input, profile, formats and version."""
    if not entry or entry.get("status") != "ok":
        return False
    expected = (item.digest, profile_fingerprint(profile), __version__)  # an edited user profile re-renders
    if (entry.get("input_hash"), entry.get("profile"), entry.get("version")) != expected:
        return False
    if not isinstance(entry.get("formats"), list) or not formats <= set(entry["formats"]):
        return False  # rendered without a format asked for now
    for output in entry.get("outputs", []):
        path = out / output["path"]
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != output["sha256"]:
            return False
    return True


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


class _StopRequest:
    """SIGTERM / SIGINT while workers run: only noted here; the dispatch loop stops at its next turn."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum


@contextmanager
def _noting_signals(stop: _StopRequest) -> Iterator[None]:
    try:
        previous = {s: signal.signal(s, stop) for s in SIGNALS}
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _same_source(entry: dict[str, Any], sources: set[Path]) -> bool:
    return _same_file(Path(str(entry.get("source", "")))) in sources


def _start_manifest(
    out: Path, items: list[Item], failed: list[Entry], all_keys: list[str], profile: str, formats: set[str],
    shard_spec: tuple[int, int] | None,
) -> dict[str, Any]:  # fmt: skip
    """This run's manifest: the entries of earlier runs stay, except where this run re-planned their input."""
    before = read_manifest(out)
    previous = before.get("entries", {}) if isinstance(before.get("entries"), dict) else {}
    sources = {_same_file(Path(i.source)) for i in items} | {_same_file(Path(e.source)) for e in failed}
    planned = set(all_keys)
    dropped = {k for k, e in previous.items() if k not in planned and isinstance(e, dict) and _same_source(e, sources)}
    entries = {k: e for k, e in previous.items() if k not in dropped}
    earlier_plan = [k for k in plan_keys(before.get("plan")) if k not in dropped]
    for entry in failed:
        entries[entry.key] = asdict(entry)
    return {
        "budgetgen": __version__,
        "profile": profile,
        "formats": sorted(formats),
        "plan": sorted({*earlier_plan, *all_keys}),
        "shard": list(shard_spec) if shard_spec else None,
        "entries": entries,
    }


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
    """Render every planned item not already fresh in ``out``; the manifest records all of them.

    Raises ``Interrupted`` after a clean stop (SIGTERM / SIGINT) and ``OutputError`` when ``out``
    or its manifest cannot be written.
    """
    verify_profile(profile)  # a bad profile fails before any work starts
    items, failed = plan(inputs)
    all_keys = sorted([*(i.key for i in items), *(e.key for e in failed)])
    if shard_spec is not None:
        # an unreadable input belongs to one shard too, so that merged shards report it once
        placeholders = [Item(e.key, e.source, None, 1, "") for e in failed]
        chosen = {i.key for i in shard([*items, *placeholders], *shard_spec)}
        items = [i for i in items if i.key in chosen]
        failed = [e for e in failed if e.key in chosen]
    with as_output_error(out):
        out.mkdir(parents=True, exist_ok=True)
    manifest = _start_manifest(out, items, failed, all_keys, profile, formats, shard_spec)
    previous = dict(manifest["entries"])
    todo = [i for i in items if not _fresh(previous.get(i.key), i, profile, formats, out)]
    skipped = [i.key for i in items if i not in todo]
    remove_own_temporaries(out)  # of earlier runs that were killed; never anything else
    write_manifest(out, manifest)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    rendered: list[str] = []

    def record(entry: Entry) -> None:
        manifest["entries"][entry.key] = asdict(entry)
        rendered.append(entry.key)
        if progress is not None:
            progress(entry, len(rendered), len(todo))

    stop = _StopRequest()
    with _noting_signals(stop):
        _dispatch(todo, workers, out, profile, formats, draft, stop, record, lambda: write_manifest(out, manifest))
    if stop.signum is not None:
        raise Interrupted(stop.signum)
    return BatchResult(manifest["entries"], sorted(rendered), sorted(skipped))


def _lost(item: Item, profile: str, formats: set[str], lost: Lost) -> Entry:
    return Entry(item.key, item.source, item.unit, item.digest, profile, __version__, "failed",
                 errors=[lost.reason], formats=sorted(formats))  # fmt: skip


def _dispatch(
    todo: list[Item], count: int, out: Path, profile: str, formats: set[str], draft: bool, stop: _StopRequest,
    record: Callable[[Entry], None], save: Callable[[], None],
) -> None:  # fmt: skip
    """Run the items on ``count`` workers until done or stopped; every worker is ended on the way out."""
    queue = deque(todo)
    busy: dict[Worker, Item] = {}
    idle: list[Worker] = []
    started: list[Worker] = []
    retried: set[str] = set()

    def settle(worker: Worker, result: Entry | Lost) -> None:
        item = busy.pop(worker)
        if isinstance(result, Lost):
            remove_own_temporaries(out / item.key, {result.pid})
            worker.close(time.monotonic())
            if stop.signum is not None:
                return  # abandoned on purpose: not a failure, a rerun renders it
            result = _lost(item, profile, formats, result)
        else:
            idle.append(worker)
        record(result)

    try:
        while (queue or busy) and stop.signum is None:
            while queue and len(busy) < count and stop.signum is None:
                item = queue.popleft()
                worker = idle.pop() if idle else Worker()
                if worker not in started:
                    started.append(worker)
                if not worker.send(UnitJob(item, out, profile, frozenset(formats), draft)):
                    worker.close(time.monotonic())  # died while idle: the item never started
                    if item.key not in retried:
                        retried.add(item.key)
                        queue.appendleft(item)
                    else:
                        busy[worker] = item
                        settle(worker, Lost(worker.pid, "工作进程无法启动，本单位未生成"))
                    continue
                busy[worker] = item
            finished = ready(list(busy), 0.2)
            for worker in sorted(finished, key=lambda w: busy[w].key):
                settle(worker, worker.receive())
            if finished:
                save()
        if stop.signum is not None:
            for worker in busy:
                worker.stop()
            deadline = time.monotonic() + GRACE
            while busy and time.monotonic() < deadline:
                for worker in ready(list(busy), max(0.0, deadline - time.monotonic())):
                    settle(worker, worker.receive())
            save()
    finally:
        deadline = time.monotonic() + GRACE
        for worker in started:
            worker.jobs.close()  # idle workers end at once on EOF
        for worker in started:
            if worker in busy:
                worker.stop()
            worker.close(deadline)
        remove_own_temporaries(out, {w.pid for w in started})
