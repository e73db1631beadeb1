"""Loads and validates the knowledge-base YAML files; a broken file stops loading with file, entry and field named."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from policies_kb.schema import Entry, TopicFile

DEFAULT_KB_DIR = Path(__file__).with_name("entries")


class KnowledgeBaseError(ValueError):
    """The knowledge base cannot be loaded; `problems` lists each one as 'file: entry: field: message'."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("knowledge base is invalid:\n  " + "\n  ".join(problems))


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[Entry, ...]
    topic_of: dict[str, str]          # entry id → topic
    file_of: dict[str, str]           # entry id → file name

    def get(self, entry_id: str) -> Entry | None:
        return next((e for e in self.entries if e.id == entry_id), None)


def _describe(error: dict, raw: object) -> str:
    loc = list(error["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int):
        index = loc[1]
        entry_id = None
        if isinstance(raw, dict) and isinstance(raw.get("entries"), list) and index < len(raw["entries"]):
            item = raw["entries"][index]
            entry_id = item.get("id") if isinstance(item, dict) else None
        where = f"entry {entry_id or f'#{index + 1}'}: "
        loc = loc[2:]
    field = ".".join(str(part) for part in loc) or "(file)"
    return f"{where}field {field}: {error['msg']}"


def load_file(path: Path) -> TopicFile:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError([f"{path.name}: not valid YAML: {exc}"]) from exc
    try:
        return TopicFile.model_validate(raw)
    except ValidationError as exc:
        raise KnowledgeBaseError([f"{path.name}: {_describe(e, raw)}" for e in exc.errors()]) from exc


def load_kb(directory: Path = DEFAULT_KB_DIR) -> KnowledgeBase:
    """Every *.yaml under `directory`, validated; ids must be unique across files."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise KnowledgeBaseError([f"{directory}: no *.yaml files"])
    problems: list[str] = []
    entries: list[Entry] = []
    topic_of: dict[str, str] = {}
    file_of: dict[str, str] = {}
    for path in files:
        try:
            topic_file = load_file(path)
        except KnowledgeBaseError as exc:
            problems.extend(exc.problems)
            continue
        for entry in topic_file.entries:
            if entry.id in file_of:
                problems.append(f"{path.name}: entry {entry.id}: field id: duplicate of an entry in {file_of[entry.id]}")
                continue
            entries.append(entry)
            topic_of[entry.id] = topic_file.topic
            file_of[entry.id] = path.name
    if problems:
        raise KnowledgeBaseError(problems)
    return KnowledgeBase(tuple(entries), topic_of, file_of)
