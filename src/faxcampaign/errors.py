"""One exception hierarchy for the core, and the findings that `check` reports."""

from __future__ import annotations

import dataclasses
from typing import Literal

Severity = Literal["error", "warning"]


@dataclasses.dataclass(frozen=True)
class Finding:
    """One problem in a campaign, located as precisely as we can.

    ``line`` and ``column`` are 1-based; 0 means "unknown" (the whole file).
    ``path`` is the YAML path, such as ``recipients[1].fax[0]``; empty for the file itself.
    """

    severity: Severity
    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column}" if self.column else f":{self.line}"
        path = f"{self.path}: " if self.path else ""
        return f"{where}: {self.severity}: {path}{self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "file": self.file,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


class FaxCampaignError(Exception):
    """Base of every error the core raises on purpose; the CLI maps it to exit 1."""


class FindingsError(FaxCampaignError):
    """A file has errors; ``findings`` says every one, with its place (the CLI prints each)."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        errors = [f for f in findings if f.severity == "error"]
        super().__init__("\n".join(str(f) for f in errors) or "invalid file")


class RequestError(FaxCampaignError):
    """A request that does not fit: ``option`` names the option at fault (the CLI's usage error, exit 2),
    ``usage`` marks options that do not go together."""

    def __init__(self, message: str, option: str | None = None, usage: bool = False):
        self.message, self.option, self.usage = message, option, usage
        super().__init__(message)


class ConflictError(FaxCampaignError):
    """The request conflicts with what the log already holds (a key used for another body, an entry
    already voided)."""


class CampaignError(FindingsError):
    """The campaign file could not be loaded; ``findings`` says every reason."""


class TemplateError(FaxCampaignError):
    """A letter or call-script template failed to render; ``file`` and ``line`` say where."""

    def __init__(self, message: str, file: str = "", line: int = 0, column: int = 0):
        self.file, self.line, self.column, self.detail = file, line, column, message
        where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        super().__init__(where + message)


class OutputError(FaxCampaignError):
    """An output file or folder could not be written."""


class ToolMissingError(FaxCampaignError):
    """An external program (Ghostscript) is needed and not installed."""
