"""``batch merge``: join the folders of batch shards into one, trusting nothing their manifests say.

A manifest is data from elsewhere (another machine, a CI artefact): every key must be a unit code of
the plan and a plain folder name, every listed file a regular file inside that unit's folder with the
recorded content. Only listed files are copied, each unit's files as a set; anything else is refused
(BG-E050) before anything is written.
"""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from budgetgen.batch import MANIFEST, key_problem, plan_keys, read_manifest, write_manifest
from budgetgen.diagnostics import Diagnostic, Location
from budgetgen.files import as_output_error, write_set


def _output_problem(folder: Path, key: str, output: Any) -> str | None:
    """Why one listed output of a shard cannot be copied (None: it can): it must be a plain file
    ``<key>/<name>`` inside the shard's folder with the recorded content.
    """
    if not isinstance(output, dict) or not isinstance(output.get("path"), str):
        return "的输出记录格式不对"
    parts = output["path"].split("/")
    if len(parts) != 2 or parts[0] != key or key_problem(parts[1]) is not None:
        return f"列出的文件 {output['path']!r} 不在它自己的文件夹中"
    source = folder / key / parts[1]
    try:
        plain = stat.S_ISDIR((folder / key).lstat().st_mode) and stat.S_ISREG(source.lstat().st_mode)
    except OSError:
        return f"列出的文件 {source} 不存在"
    if not plain:
        return f"列出的 {source} 不是普通文件（符号链接或其他）"
    if hashlib.sha256(source.read_bytes()).hexdigest() != output.get("sha256"):
        return f"列出的文件 {source} 与记录的内容不符"
    return None


def _entry_problem(folder: Path, key: str, entry: Any, planned: set[str], out: Path) -> str | None:
    """Why a shard's manifest entry cannot be merged (None: it can)."""
    if not isinstance(entry, dict):
        return "格式不对"
    if key not in planned:
        return "不在计划（单位清单）中"
    outputs = entry.get("outputs", [])
    if not isinstance(outputs, list) or (outputs and entry.get("status") != "ok"):
        return "的输出记录格式不对"
    if entry.get("status") == "ok":
        problem = key_problem(key)
        if problem is not None:
            return problem
        if (out / key).is_symlink():
            return f"在输出中的文件夹 {out / key} 是符号链接"
    for output in outputs:
        problem = _output_problem(folder, key, output)
        if problem is not None:
            return problem
    return None


def merge(folders: Sequence[Path], out: Path) -> list[Diagnostic]:
    """Join shard folders into ``out``: copy their listed files, join their manifests, check the plan is
    covered once. Every key must be one of the plan's unit codes and every file a plain file inside
    its shard's unit folder; anything else is refused (BG-E050) before anything is written.
    """
    problems: list[Diagnostic] = []
    manifests = [(folder, read_manifest(folder)) for folder in folders]
    plans = {tuple(m.get("plan", [])) if isinstance(m.get("plan"), list) else () for _, m in manifests if m}
    if len(plans) > 1:
        problems.append(Diagnostic("BG-E050", "各分片的计划（单位清单）不一致，不能合并", Location(str(folders[0]))))
    joined: dict[str, Any] = {}
    owner: dict[str, Path] = {}
    for folder, manifest in manifests:
        if not manifest:
            problems.append(Diagnostic("BG-E050", f"{folder} 中没有 {MANIFEST}", Location(str(folder))))
            continue
        planned = set(plan_keys(manifest.get("plan")))
        entries = manifest.get("entries", {})
        for key, entry in entries.items() if isinstance(entries, dict) else []:
            where = Location(str(folder / MANIFEST))
            problem = _entry_problem(folder, key, entry, planned, out)
            if problem is not None:
                problems.append(Diagnostic("BG-E050", f"条目 {key!r} {problem}，不能合并", where))
                continue
            if key in owner:
                problems.append(Diagnostic("BG-E050", f"单位 {key} 在 {owner[key]} 和 {folder} 中都有", where))
                continue
            owner[key] = folder
            joined[key] = entry
    whole_plan = {k for k in next(iter(plans)) if isinstance(k, str)} if plans else set()
    for key in sorted(whole_plan - set(joined)):
        problems.append(Diagnostic("BG-E050", f"单位 {key} 不在任何分片中", Location(str(folders[0]))))
    if problems:
        return problems
    with as_output_error(out):
        out.mkdir(parents=True, exist_ok=True)
    for key, folder in owner.items():
        files = {out / o["path"]: (folder / o["path"]).read_bytes() for o in joined[key].get("outputs", [])}
        if files:
            write_set(files)
    before = read_manifest(out)
    kept = before.get("entries", {}) if isinstance(before.get("entries"), dict) else {}
    earlier_plan = plan_keys(before.get("plan"))
    first = manifests[0][1]
    merged = {
        **first,
        "plan": sorted({*earlier_plan, *whole_plan}),
        "shard": None,
        "entries": dict(sorted({**kept, **joined}.items())),
    }
    write_manifest(out, merged)
    return []
