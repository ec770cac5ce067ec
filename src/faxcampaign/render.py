"""`faxcampaign render`: one letter per recipient and signer, written atomically, optionally in parallel."""

from __future__ import annotations

import concurrent.futures
import csv
import dataclasses
import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from faxcampaign.campaign import Campaign, load
from faxcampaign.errors import FaxCampaignError, OutputError
from faxcampaign.files import atomic_write
from faxcampaign.letters import Letter, LetterTemplate, Signer, build_letter, default_signer

SIGNER_COLUMNS = ("name", "organisation", "address", "email")


class SignersError(FaxCampaignError):
    """The signers CSV cannot be used."""


def read_signers(path: Path) -> list[Signer]:
    """Signers from a UTF-8 CSV with a header: name (required), organisation, address, email.

    An address of several lines is written with a line break inside the cell or with ``;`` between lines.
    """
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise SignersError(f"{path}: cannot read: {e.strerror or e}") from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise SignersError(f"{path}:{line}: not UTF-8 (byte 0x{raw[e.start]:02x}); save the file as UTF-8") from e
    reader = csv.DictReader(text.splitlines(keepends=True))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in SIGNER_COLUMNS if c not in header]
    if missing:
        raise SignersError(f"{path}:1: missing column(s) {', '.join(missing)}; "
                           f"the header must name {', '.join(SIGNER_COLUMNS)}")
    reader.fieldnames = header
    signers: list[Signer] = []
    slugs: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        name = (row.get("name") or "").strip()
        if not name:
            raise SignersError(f"{path}:{line}: the name is empty")
        address = [part.strip() for part in (row.get("address") or "").replace("\n", ";").split(";")]
        signer = Signer(name, (row.get("organisation") or "").strip() or None,
                        tuple(a for a in address if a), (row.get("email") or "").strip() or None)
        if signer.slug in slugs:
            raise SignersError(f"{path}:{line}: {name!r} makes the same folder name ({signer.slug}) as line "
                               f"{slugs[signer.slug]}")
        slugs[signer.slug] = line
        signers.append(signer)
    if not signers:
        raise SignersError(f"{path}: no signers below the header")
    return signers


@dataclasses.dataclass(frozen=True)
class Options:
    today: dt.date
    paper: str = "a4"
    cover: bool = False
    fmt: str = "pdf"  # or "tiff"


@dataclasses.dataclass(frozen=True)
class Task:
    office_id: str
    signer: Signer
    target: Path


def plan_tasks(campaign: Campaign, out: Path, signer: Signer | None, signers: Sequence[Signer] | None,
               only: Sequence[str], fmt: str) -> list[Task]:
    """One signer (``signer``, else the campaign's sender): DIR/<id>.pdf; many: DIR/<signer>/<id>.pdf."""
    offices = [o for o in campaign.offices if not only or o.id in only]
    suffix = "tif" if fmt == "tiff" else "pdf"
    if signers is None:
        one = signer or default_signer(campaign)
        return [Task(o.id, one, out / f"{o.id}.{suffix}") for o in offices]
    return [Task(o.id, s, out / s.slug / f"{o.id}.{suffix}") for s in signers for o in offices]


class _Worker:
    """Renders tasks; one per process, holding the loaded campaign and compiled template."""

    def __init__(self, campaign: Campaign, options: Options):
        self.campaign = campaign
        self.template = LetterTemplate(campaign)
        self.options = options

    def letter(self, task: Task) -> Letter:
        office = self.campaign.office(task.office_id)
        return build_letter(self.campaign, self.template, office, task.signer, self.options.today,
                            self.options.cover)

    def document(self, task: Task) -> tuple[Letter, bytes]:
        """The letter and its file's bytes (PDF, or fax TIFF)."""
        from faxcampaign import pdf

        letter = self.letter(task)
        data = pdf.render([letter], self.options.paper)
        if self.options.fmt == "tiff":
            from faxcampaign.fax import pdf_to_tiff

            data = pdf_to_tiff(data, self.options.paper)
        return letter, data

    def __call__(self, task: Task) -> Letter:
        letter, data = self.document(task)
        atomic_write(task.target, data)
        return letter


def documents(campaign: Campaign, options: Options) -> Callable[[str, Signer], bytes]:
    """A function giving one letter's bytes for (recipient id, signer), the template compiled once."""
    worker = _Worker(campaign, options)
    return lambda office_id, signer: worker.document(Task(office_id, signer, Path()))[1]


_WORKER: _Worker | None = None


def _init_worker(campaign_path: Path, options: Options) -> None:
    global _WORKER
    _WORKER = _Worker(load(campaign_path), options)


def _work(task: Task) -> Letter:
    assert _WORKER is not None
    return _WORKER(task)


def render_all(
    campaign: Campaign,
    out: Path,
    options: Options,
    signer: Signer | None = None,
    signers: Sequence[Signer] | None = None,
    only: Sequence[str] = (),
    combine: bool = False,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[Path]:
    """Write every letter under ``out``; return the paths written, in order.

    Every template is rendered before any file is written, so a template error leaves nothing behind.
    Each file is written whole (temporary file, then rename), so a run that is stopped leaves no
    truncated file under a final name.
    """
    if options.fmt == "tiff":
        from faxcampaign.fax import ghostscript

        ghostscript()
    tasks = plan_tasks(campaign, out, signer, signers, only, options.fmt)
    worker = _Worker(campaign, options)
    for task in tasks:  # fail before writing anything
        worker.template.render(campaign.office(task.office_id), task.signer, options.today)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create {out}: {e.strerror or e}") from e
    if not os.access(out, os.W_OK):
        raise OutputError(f"cannot write to {out}: permission denied")
    letters: list[Letter] = []
    if jobs > 1 and len(tasks) > jobs:
        chunk = max(1, min(16, len(tasks) // (jobs * 4)))
        with concurrent.futures.ProcessPoolExecutor(
            max_workers=jobs, initializer=_init_worker, initargs=(campaign.path, options)
        ) as pool:
            try:
                for letter in pool.map(_work, tasks, chunksize=chunk):
                    letters.append(letter)
                    if progress:
                        progress(1)
            except concurrent.futures.BrokenExecutor as e:
                # A worker could not start (it reloads the campaign file, which may have changed).
                raise OutputError(f"a render process failed ({e}); try again, or with --jobs 1") from e
    else:
        for task in tasks:
            letters.append(worker(task))
            if progress:
                progress(1)
    written = [t.target for t in tasks]
    if combine and letters:
        from faxcampaign import pdf

        data = pdf.render(letters, options.paper)
        suffix = "pdf"
        if options.fmt == "tiff":
            from faxcampaign.fax import pdf_to_tiff

            data, suffix = pdf_to_tiff(data, options.paper), "tif"
        atomic_write(out / f"letters.{suffix}", data)
        written.append(out / f"letters.{suffix}")
    return written


def count_tasks(campaign: Campaign, signers: Sequence[Signer] | None, only: Sequence[str]) -> int:
    return len(plan_tasks(campaign, Path(), None, signers, only, "pdf"))
