"""Reads one YAML configuration file into a pydantic model, turning every failure into a RulesError."""
from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from triage.errors import RulesError

Model = TypeVar("Model", bound=BaseModel)
# libyaml's C parser where PyYAML was built with it (several times faster on the large rule and corpus files)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def field_path(loc: tuple[int | str, ...]) -> str:
    """('cues', 3, 'level') → 'cues[3].level'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(文件)"


def load_model(path: Path, model: type[Model]) -> Model:
    """Parse `path` and validate it as `model`; the first problem is raised with its field path."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(path, "(文件)", f"无法读取：{exc.strerror or exc}") from exc
    try:
        raw = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行" if mark is not None else "(文件)"
        raise RulesError(path, where, f"不是有效的 YAML：{getattr(exc, 'problem', exc)}") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise RulesError(path, field_path(tuple(first["loc"])), f"取值无效（{first['msg']}）") from exc
