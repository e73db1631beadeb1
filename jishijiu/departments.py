"""The twelve social-assistance departments, loaded from data/departments.yaml."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DEPARTMENTS_FILE = Path(__file__).with_name("data") / "departments.yaml"


@dataclass(frozen=True)
class Department:
    id: str
    name: str
    full_name: str


@lru_cache(maxsize=1)
def all_departments() -> tuple[Department, ...]:
    raw = yaml.safe_load(DEPARTMENTS_FILE.read_text(encoding="utf-8"))
    return tuple(Department(**d) for d in raw["departments"])


def by_name() -> dict[str, Department]:
    """Short Chinese name (民政) → department."""
    return {d.name: d for d in all_departments()}


def by_id() -> dict[str, Department]:
    return {d.id: d for d in all_departments()}
