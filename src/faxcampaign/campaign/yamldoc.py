"""A YAML file as a stranger may have written it: read with the safe loader, plain tags only, no duplicate
keys, no recursive aliases or alias bombs, and every problem a finding at its line and column. The line and
column of every value are kept (`Marks`) for findings made later. PyYAML only: no validation here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from faxcampaign.campaign.paths import Path_, format_path
from faxcampaign.errors import Finding

MAX_NODES = 2_000_000  # expanded YAML nodes: stops alias bombs before validation walks them

# PyYAML's words for common mistakes, and what to do about them
_YAML_HINTS = [
    ("mapping values are not allowed", "a ':' where a plain value was expected: check the indentation, or quote "
                                       "a value that contains ': '"),
    ("found character '\\t' that cannot start any token", "a tab: indent with spaces, not tabs"),
    ("found a tab character", "a tab: indent with spaces, not tabs"),
    ("found character that cannot start any token", "a character that cannot start a value: quote the value"),
    ("could not find expected ':'", "a line without 'key: value': check the indentation and the quotes"),
    ("did not find expected key", "check the indentation: keys of one mapping line up"),
    ("found undefined alias", "an alias (*name) with no anchor (&name)"),
]


def _yaml_problem(problem: str) -> str:
    for words, hint in _YAML_HINTS:
        if words in problem:
            return f"{hint} ({problem})"
    return problem


_SAFE_TAGS = frozenset(t for t in yaml.SafeLoader.yaml_constructors if t)


class TooBig(Exception):
    """More than `MAX_NODES` values once aliases are expanded."""


class Marks:
    """Line and column (1-based) of every value and key in the document, by YAML path."""

    def __init__(self) -> None:
        # The nodes themselves: their marks are read only for the few paths a finding names.
        self.values: dict[Path_, yaml.Node] = {}
        self.keys: dict[Path_, yaml.Node] = {}

    def at(self, path: Path_, key: bool = False) -> tuple[int, int]:
        table = self.keys if key else self.values
        while path:
            if path in table:
                return _mark(table[path])
            path = path[:-1]
            table = self.values
        return _mark(self.values[()]) if () in self.values else (1, 1)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class Document:
    """A YAML file read into plain data with its marks; what is wrong with it goes to ``findings``.

    Subclasses name what the file is and what its top level holds."""

    what = "the file"
    empty = "the file is empty"
    top = "the top level must be a mapping"
    holds = "the file holds plain data"
    max_bytes = 50_000_000

    def __init__(self, path: Path):
        self.path = path
        self.file = str(path)
        self.findings: list[Finding] = []
        self.marks = Marks()

    def add(self, severity: str, path: Path_, message: str, where: tuple[int, int] | None = None,
            key: bool = False) -> None:
        line, column = where or self.marks.at(path, key)
        self.findings.append(
            Finding(severity, self.file, line, column, format_path(path), message)  # type: ignore[arg-type]
        )

    @property
    def failed(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    # -- text and YAML --

    def read(self) -> Any:
        """The document as plain data; None (with findings) if it cannot be read."""
        try:
            return self._read()
        except TooBig:
            self.add("error", (), f"the document expands to more than {MAX_NODES} values (aliases?)", (1, 1))
            return None

    def _read(self) -> Any:
        try:
            if not self.path.is_file():
                what = "a folder" if self.path.is_dir() else ("missing" if not self.path.exists() else
                                                            "not a regular file")
                self.add("error", (), f"cannot read {self.what}: {what}", (0, 0))
                return None
            if self.path.stat().st_size > self.max_bytes:
                self.add("error", (), f"{self.what} is larger than {self.max_bytes // 1_000_000} MB", (0, 0))
                return None
            raw = self.path.read_bytes()
        except OSError as e:
            self.add("error", (), f"cannot read {self.what}: {e.strerror or e}", (0, 0))
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            before = raw[: e.start]
            line = before.count(b"\n") + 1
            column = e.start - (before.rfind(b"\n") + 1) + 1
            self.add("error", (), f"not UTF-8: byte 0x{raw[e.start]:02x} cannot be decoded; "
                     "save the file as UTF-8", (line, column))
            return None
        if text.startswith("\ufeff"):
            text = text[1:]
        try:
            loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            root = yaml.compose(text, Loader=loader_cls)
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            where = (mark.line + 1, mark.column + 1) if mark else (0, 0)
            self.add("error", (), f"not valid YAML: {_yaml_problem(str(e.problem or e.context))}", where)
            return None
        except yaml.reader.ReaderError as e:
            preceding = text[: e.position]
            where = (preceding.count("\n") + 1, e.position - (preceding.rfind("\n") + 1) + 1)
            character = chr(e.character) if isinstance(e.character, int) else str(e.character)
            self.add("error", (), f"the character U+{ord(character[:1] or ' '):04X} is not allowed in a YAML "
                     "file; remove it", where)
            return None
        except yaml.YAMLError as e:
            self.add("error", (), f"not valid YAML: {e}", (0, 0))
            return None
        if root is None:
            self.add("error", (), self.empty, (1, 1))
            return None
        if not isinstance(root, yaml.MappingNode):
            self.add("error", (), self.top, _mark(root))
            return None
        try:
            self.index(root, (), set(), [0])
        except RecursionError:
            self.add("error", (), "the document is nested too deeply", _mark(root))
        if self.failed:
            return None
        try:
            return construct(root)
        except yaml.constructor.ConstructorError as e:
            mark = e.problem_mark
            where = (mark.line + 1, mark.column + 1) if mark else (0, 0)
            self.add("error", (), f"not allowed: {e.problem}", where)
        except (ValueError, TypeError, KeyError, OverflowError, RecursionError) as e:
            path, node = self.bad_scalar()
            value = f" {node.value!r}" if node is not None else ""
            hint = ""
            if node is not None and node.tag.endswith(":timestamp"):
                hint = "; write dates as YYYY-MM-DD"
            elif node is not None and node.tag.endswith(":bool"):
                hint = "; write true or false"
            self.add("error", path, f"the value{value} cannot be read: {e}{hint}",
                     _mark(node) if node is not None else (0, 0))
        return None

    def bad_scalar(self) -> tuple[Path_, yaml.Node | None]:
        """The first value that PyYAML cannot construct (a bad !!timestamp, !!bool, ...), with its path."""
        for path, node in self.marks.values.items():
            if isinstance(node, yaml.ScalarNode):
                try:
                    yaml.constructor.SafeConstructor().construct_object(node)
                except (ValueError, TypeError, KeyError, OverflowError, yaml.constructor.ConstructorError):
                    return path, node
        return (), None

    def index(self, node: yaml.Node, path: Path_, stack: set[int], count: list[int]) -> None:
        """Record marks, find duplicate keys and refuse unsafe tags, recursion and alias bombs."""
        count[0] += 1
        if count[0] > MAX_NODES:
            raise TooBig
        self.marks.values.setdefault(path, node)
        if node.tag not in _SAFE_TAGS:
            self.add("error", path, f"tag {node.tag!r} is not allowed: {self.holds}",
                     _mark(node))
            return
        if id(node) in stack:
            self.add("error", path, "a recursive alias is not allowed", _mark(node))
            return
        if isinstance(node, yaml.MappingNode):
            stack.add(id(node))
            seen: set[Any] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.add("error", path, "keys must be plain text", _mark(key_node))
                    continue
                key = key_node.value
                if key in seen:
                    self.add("error", path + (key,), f"duplicate key {key!r}", _mark(key_node))
                seen.add(key)
                self.marks.keys.setdefault(path + (key,), key_node)
                self._child(value_node, path + (key,), stack, count)
            stack.discard(id(node))
        elif isinstance(node, yaml.SequenceNode):
            stack.add(id(node))
            for i, item in enumerate(node.value):
                self._child(item, path + (i,), stack, count)
            stack.discard(id(node))

    def _child(self, node: yaml.Node, path: Path_, stack: set[int], count: list[int]) -> None:
        """A plain scalar is a leaf: recorded here, without a call to `index` (most nodes are)."""
        if type(node) is yaml.ScalarNode and node.tag in _SAFE_TAGS:
            count[0] += 1
            if count[0] > MAX_NODES:
                raise TooBig
            self.marks.values.setdefault(path, node)
        else:
            self.index(node, path, stack, count)


_STR, _MAP, _SEQ = (f"tag:yaml.org,2002:{name}" for name in ("str", "map", "seq"))
_SPECIAL_KEYS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})


def construct(root: yaml.Node) -> Any:
    """The values of a document's nodes, as PyYAML's safe constructor makes them, made directly for what
    most campaign files hold: strings, plain mappings and lists. Anything else (numbers, dates, merge keys,
    sets, ...) is made by PyYAML itself. An anchor's value is made once and shared by its aliases, as in
    PyYAML. Call it on a document that `Document.index` found no fault with (no recursion, safe tags)."""
    pyyaml = yaml.constructor.SafeConstructor()
    made: dict[int, Any] = {}

    def value(node: yaml.Node) -> Any:
        kind, tag = type(node), node.tag
        if kind is yaml.ScalarNode:
            return node.value if tag == _STR else pyyaml.construct_object(node)
        if id(node) in made:
            return made[id(node)]
        if kind is yaml.MappingNode and tag == _MAP and not any(k.tag in _SPECIAL_KEYS for k, _ in node.value):
            mapping: dict[Any, Any] = {}
            made[id(node)] = mapping
            for key_node, value_node in node.value:
                mapping[value(key_node)] = value(value_node)
            return mapping
        if kind is yaml.SequenceNode and tag == _SEQ:
            items: list[Any] = []
            made[id(node)] = items
            items.extend(value(item) for item in node.value)
            return items
        made[id(node)] = pyyaml.construct_object(node, deep=True)
        return made[id(node)]

    return value(root)


def read_marks(path: Path) -> Marks | None:
    """Where each value stands in a YAML file; None if it no longer reads."""
    document = Document(path)
    document.read()
    return None if document.failed else document.marks
