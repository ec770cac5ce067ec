"""The one CSV reader: every CSV the program takes (signers, volunteers, call sheets sent back) is read here.

A file is read whole (under a size cap), decoded as UTF-8 with or without a byte-order mark, and split
by ``,`` or, as European spreadsheets save them, by ``;`` (whichever the header has more of). The field
size limit of Python's csv module is process-wide: it is set once, here, to the largest file any reader
takes; each reader's own limit on a cell is checked per cell. Errors carry the file, line and column as
data (`CSVError`), so that `check` can report them as findings.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

from faxcampaign import limits
from faxcampaign.errors import FaxCampaignError

MAX_BYTES = 20_000_000  # the largest CSV any reader takes
csv.field_size_limit(MAX_BYTES)


class CSVError(FaxCampaignError):
    """A CSV cannot be used: ``path``, ``line`` and ``column`` (1-based; 0 when unknown) say where."""

    def __init__(self, path: Path | str, line: int, column: int, message: str):
        self.path, self.line, self.column, self.message = Path(path), line, column, message
        where = f"{path}:{line}" + (f":{column}" if column else "") if line else str(path)
        super().__init__(f"{where}: {message}")


@dataclasses.dataclass(frozen=True, slots=True)
class Row:
    """One record below the header: its first line's number and text, and its cells, stripped."""

    line: int
    text: str
    cells: dict[str, str]

    def column(self, name: str, offset: int = 0) -> int:
        """The 1-based column where the cell ``name`` starts in the row's text, plus ``offset``."""
        value = self.cells.get(name, "").split("\n", 1)[0]  # a cell of many lines: its first
        at = self.text.find(value) if value else -1
        return (at + 1 + offset) if at >= 0 else 1


@dataclasses.dataclass(frozen=True, slots=True)
class Table:
    path: Path
    header: list[str]  # stripped (and lower-cased if asked)
    header_text: str  # the header's line as written
    delimiter: str
    rows: list[Row]

    def header_column(self, name: str) -> int:
        at = self.header_text.lower().find(name.lower())
        return at + 1 if at >= 0 else 1


def read(path: Path, *, max_bytes: int = MAX_BYTES, max_field: int | None = None, lower: bool = True,
         what: str = "CSV") -> Table:
    """The header and every row of ``path``. ``max_field`` caps a cell's length (an error names its
    column); ``lower`` lower-cases the header's names. Empty rows are kept (a reader may skip them)."""
    try:
        if not path.is_file():
            raise CSVError(path, 0, 0, "not a regular file" if path.exists() else "no such file")
        if path.stat().st_size > max_bytes:
            raise CSVError(path, 0, 0, f"larger than {max_bytes:,} bytes; is this a {what}?")
        raw = path.read_bytes()
    except OSError as e:
        raise CSVError(path, 0, 0, f"cannot read: {e.strerror or e}") from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        column = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise CSVError(path, line, column, f"not UTF-8 (byte 0x{raw[e.start]:02x}); save the file as UTF-8") from e
    lines = text.splitlines()
    first = lines[0] if lines else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    try:
        header = [(h.strip().lower() if lower else h.strip()) for h in next(reader, [])]
        for values in reader:
            if not values:
                continue  # a blank line
            # the line the record starts on: where it ends, less the line breaks inside its cells
            start = reader.line_num - "".join(values).count("\n")
            cells = {k: v.strip() for k, v in zip(header, values, strict=False)}  # beyond the header: dropped
            row = Row(start, lines[start - 1] if start - 1 < len(lines) else "", cells)
            if max_field is not None:
                for name, value in cells.items():
                    if len(value) > max_field:
                        raise CSVError(path, start, row.column(name), f"{name}: {limits.too_long(value, max_field)}")
            rows.append(row)
    except csv.Error as e:
        raise CSVError(path, reader.line_num, 0, f"not a readable CSV: {e}") from e
    return Table(path, header, first, delimiter, rows)
