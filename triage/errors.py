"""Typed errors raised by triage: broken configuration files, unknown deadline rules, naive datetimes."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class RulesError(ValueError):
    """A triage, deadline or holiday file is missing or invalid; names the file and the field."""

    def __init__(self, file: Path | str, field: str, message: str) -> None:
        self.file = str(file)
        self.field = field
        self.message = message
        super().__init__(f"{self.file}: 字段 {field}: {message}")


class UnknownRule(KeyError):
    """A deadline rule name that the deadline file does not define; lists the valid ones."""

    def __init__(self, rule: str, valid: Iterable[str]) -> None:
        self.rule = rule
        self.valid = tuple(valid)
        super().__init__(f"未知的期限规则 {rule!r}，可用的规则：{', '.join(self.valid)}")

    def __str__(self) -> str:  # KeyError would otherwise print the repr of the message
        return str(self.args[0])


class NaiveDatetime(ValueError):
    """A start time without a time zone: deadlines need tz-aware datetimes."""

    def __init__(self, value: object) -> None:
        self.value = value
        super().__init__(f"时间必须带时区（例如 2026-03-09T09:00:00+08:00），收到：{value!r}")
