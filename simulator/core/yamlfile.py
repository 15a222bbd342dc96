"""Load YAML into pydantic models with errors that say file, line, field and what is wrong."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class FileError(Exception):
    """One or more problems in a config or scenario file; ``problems`` are printable lines."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.source = source
        self.problems = problems


def unknown(kind: str, value: str, known: Iterable[str]) -> str:
    """``unknown vendor 'kxx'; did you mean kx? (known: …)``: the one wording for a name not in a list."""
    known = list(known)
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"unknown {kind} {value!r}{hint} (known: {', '.join(known)})"


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if str(k.value) == str(part):
                    nxt = v
                    line = k.start_mark.line + 1
                    break
            if nxt is None:
                return line
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


MAX_TEXT = 1 << 20  # bytes of YAML accepted (a config or scenario is a few KiB)
MAX_NODES = 100_000  # values once aliases are expanded: a "billion laughs" file is refused, not built


def expanded_size(root: yaml.Node | None, limit: int) -> int:
    """How many values the document holds with every alias expanded; stops counting past ``limit``
    (a cycle counts as past it).  Aliases make a 600-byte file expand to billions of values, which
    pydantic would then walk: 1.7 GB and 16 s before this check."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_:
            return limit + 1
        open_.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            children = []
        for child in children:
            total += size(child)
            if total > limit:
                break
        open_.discard(key)
        sizes[key] = total
        return total

    return size(root) if root is not None else 0


def parse_yaml(text: str | bytes, model: type[M], source: str = "<text>") -> M:
    if len(text) > MAX_TEXT:
        raise FileError(source, [f"{source}: larger than {MAX_TEXT >> 20} MiB"])
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if expanded_size(node, MAX_NODES) > MAX_NODES:
            problem = f"more than {MAX_NODES:,} values once aliases are expanded (or a recursive alias)"
            raise FileError(source, [f"{source}: {problem}"])
        data = yaml.safe_load(text)
    except RecursionError:
        raise FileError(source, [f"{source}: nested too deeply"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise FileError(source, [f"{where}: not valid YAML: {problem}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FileError(source, [f"{source}:1: the top level must be a mapping, not {type(data).__name__}"])
    return validate_data(data, model, source, node)


_BOUNDS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}  # the value is named too


def _internal(part: Any) -> bool:
    """A location part that is pydantic's or a union tag's (``~range``), not a field the user wrote."""
    return isinstance(part, str) and (part.startswith(("function-", "~")) or part == "[key]")


def validate_data(data: Any, model: type[M], source: str, node: yaml.Node | None = None) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems: list[tuple[int, str]] = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not _internal(p))
            field = ".".join(str(p) for p in loc) or "(top level)"
            line = _line_of(node, loc)
            where = f"{source}:{line}" if line else source
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] in _BOUNDS:
                msg = f"{msg}, not {err['input']!r}"
            problems.append((line or 0, f"{where}: {field}: {msg}"))
        problems.sort(key=lambda p: p[0])  # in the file's order (stable: fields of one line keep theirs)
        raise FileError(source, [p for _, p in problems]) from None


def load_yaml_file(path: str | Path, model: type[M]) -> M:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise FileError(str(p), [f"{p}: cannot read: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise FileError(str(p), [f"{p}: not UTF-8 text"]) from None
    return parse_yaml(text, model, str(p))
