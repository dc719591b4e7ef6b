"""Config problems: where (file, line, key path) and what, in Chinese; pydantic errors translated."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from config.yamlsrc import LineMap

Path = tuple[str | int, ...]

# pydantic error type -> Chinese sentence (pydantic ships English messages only).
_MESSAGES = {
    "missing": "缺少必填项",
    "int_parsing": "必须是整数",
    "int_type": "必须是整数",
    "int_from_float": "必须是整数",
    "float_parsing": "必须是数字",
    "float_type": "必须是数字",
    "bool_parsing": "必须是 true 或 false",
    "bool_type": "必须是 true 或 false",
    "string_type": "必须是字符串",
    "string_too_short": "不能为空",
    "list_type": "必须是列表",
    "dict_type": "必须是映射（键: 值）",
    "model_type": "必须是映射（键: 值）",
    "model_attributes_type": "必须是映射（键: 值）",
    "tuple_type": "必须是列表",
    "too_short": "不能为空",
    "too_long": "元素太多",
    "greater_than": "太小",
    "greater_than_equal": "太小",
    "less_than": "太大",
    "less_than_equal": "太大",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a config: ``path`` is the key path inside the document, ``line`` 1-based or None."""

    path: Path
    message: str
    line: int | None = None

    def render(self, source: str = "") -> str:
        where = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in self.path).replace(".[", "[")
        head = f"{source} " if source else ""
        line = f"第{self.line}行 " if self.line else ""
        return f"{head}{line}{where or '（顶层）'}：{self.message}".replace("  ", " ")


class ConfigError(ValueError):
    """A config a user wrote is invalid; ``str()`` lists every problem, one a line."""

    def __init__(self, problems: Sequence[Problem], source: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__("\n".join(p.render(source) for p in self.problems))


def suggestion(key: str, allowed: Iterable[str]) -> str:
    """' page_budjet -> page_budget?' as a Chinese hint; difflib because the typos are one or two letters."""
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    return f"（是否应为 {close[0]}？）" if close else ""


def unknown_key_message(key: str, allowed: Iterable[str]) -> str:
    allowed = sorted(allowed)
    hint = suggestion(key, allowed)
    return f"未知的键 {key!r}{hint}" if hint else f"未知的键 {key!r}（可用：{', '.join(allowed)}）"


def _allowed_keys(model: type[BaseModel], loc: Path) -> list[str]:
    """The field names (and aliases) of the sub-model that ``loc`` points into; [] when unknown."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or not (isinstance(current, type) and issubclass(current, BaseModel)):
            continue
        field = current.model_fields.get(part)
        if field is None:
            if part[:1].isupper():  # a union member's name in the loc, not a key
                continue
            return []
        current = _model_inside(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _model_inside(annotation: Any) -> Any:
    """The BaseModel inside ``X | None`` or ``list[X]``, else the annotation itself."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        inner = _model_inside(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return annotation


def _data_path(data: Any, loc: Sequence[str | int]) -> Path:
    """The part of a pydantic ``loc`` that names real keys of the data (drops union member names)."""
    out: list[str | int] = []
    node = data
    for part in loc:
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_list or (isinstance(node, dict) and part in node)):
            continue
        node = node[part]
        out.append(part)
    return tuple(out)


def translate(
    exc: ValidationError, model: type[BaseModel], data: Any, lines: LineMap, prefix: Path = ()
) -> list[Problem]:
    """pydantic errors -> Chinese problems with lines, one per key path (a union's members give several)."""
    problems: dict[Path, Problem] = {}
    for err in exc.errors():
        loc = tuple(err["loc"])
        kind = err["type"]
        path = _data_path(data, loc)
        if kind in ("extra_forbidden", "missing"):
            key = str(loc[-1])
            parent = _data_path(data, loc[:-1])
            path = (*parent, key)
            message = (
                unknown_key_message(key, _allowed_keys(model, loc[:-1]))
                if kind == "extra_forbidden"
                else "缺少必填项"
            )
        elif kind == "value_error":
            message = str(err.get("ctx", {}).get("error", err["msg"]))
        elif kind == "literal_error":
            message = f"必须是 {err.get('ctx', {}).get('expected', '')} 之一，而不是 {err.get('input')!r}"
        else:
            base = _MESSAGES.get(kind, err["msg"])
            limit = (
                next(iter((err.get("ctx") or {}).values()), None)
                if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal")
                else None
            )
            bound = {
                "greater_than": "大于",
                "greater_than_equal": "至少为",
                "less_than": "小于",
                "less_than_equal": "至多为",
            }.get(kind, "")
            message = f"必须{bound} {limit}" if limit is not None else base
            if err.get("input") not in ("", None) and not isinstance(err["input"], dict | list):
                message += f"，而不是 {err['input']!r}"
        full = (*prefix, *path)
        problems.setdefault(full, Problem(full, message, lines.line(full)))
    # A union reports every member: keep the most specific problem (a deeper path wins over its parent).
    return [
        p for p in problems.values() if not any(q != p.path and q[: len(p.path)] == p.path for q in problems)
    ]
