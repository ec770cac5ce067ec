"""`faxcampaign render`: one letter per recipient and signer, written atomically, optionally in parallel."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from faxcampaign.campaign.loader import load
from faxcampaign.campaign.model import Campaign
from faxcampaign.errors import OutputError
from faxcampaign.files import atomic_write
from faxcampaign.letters.template import Letter, LetterTemplate, Signer, build_letter, default_signer

if TYPE_CHECKING:
    import concurrent.futures

    from faxcampaign.letters.fax import Ghostscript

BATCH = 16  # letters a process renders (and Ghostscript converts) at a time
# Ghostscript processes converting at once for one rendering process: Ghostscript takes nearly twice as
# long over a letter as reportlab, so two keep up with it (on two CPUs or more)
CONVERSIONS = max(1, min(2, os.cpu_count() or 1))


@dataclasses.dataclass(frozen=True)
class Options:
    today: dt.date
    paper: str = "a4"
    cover: bool = False
    fmt: str = "pdf"  # or "tiff"
    fonts: tuple[Path, ...] = ()  # fallback fonts for characters the letter font lacks (--font)


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
        from faxcampaign.letters import pdf

        letter = self.letter(task)
        data = pdf.render([letter], self.options.paper, fax=self.options.fmt == "tiff")
        if self.options.fmt == "tiff":
            from faxcampaign.letters.fax import pdf_to_tiff

            data = pdf_to_tiff(data, self.options.paper)
        return letter, data

    def __call__(self, tasks: Sequence[Task]) -> list[Letter]:
        """Render and write one batch of letters."""
        return next(self.run([tasks]))

    def run(self, batches: Iterable[Sequence[Task]]) -> Iterator[list[Letter]]:
        """Render and write batches of letters, yielding each batch's letters once they are written.

        TIFFs come from `CONVERSIONS` Ghostscript processes kept for the whole run, taking batches in
        turn and converting them while this process renders the next; PDFs are written a batch behind.
        """
        import collections
        import contextlib
        import functools

        from faxcampaign.letters import pdf

        tiff = self.options.fmt == "tiff"
        pending: collections.deque[tuple[Sequence[Task], list[Letter], Callable[[], list[bytes]]]] = (
            collections.deque())
        with contextlib.ExitStack() as stack:
            converters: list[Ghostscript] = []
            for number, tasks in enumerate(batches):
                letters = [self.letter(task) for task in tasks]
                if tiff:  # the batch's letters as one PDF, which Ghostscript cuts into a TIFF a letter
                    from faxcampaign.letters.fax import Ghostscript

                    if len(converters) < CONVERSIONS:
                        converters.append(stack.enter_context(Ghostscript(self.options.paper)))
                    gs = converters[number % CONVERSIONS]
                    document, pages = pdf.render_counted(letters, self.options.paper, fax=True)
                    files: Callable[[], list[bytes]] = functools.partial(gs.result, gs.submit([document], [pages]))
                else:
                    pdfs = [pdf.render([letter], self.options.paper) for letter in letters]
                    files = functools.partial(list, pdfs)
                pending.append((tasks, letters, files))
                while len(pending) > (CONVERSIONS if tiff else 1):
                    yield self._write(*pending.popleft())
            while pending:
                yield self._write(*pending.popleft())

    @staticmethod
    def _write(tasks: Sequence[Task], letters: list[Letter], files: Callable[[], list[bytes]]) -> list[Letter]:
        for task, data in zip(tasks, files(), strict=True):
            atomic_write(task.target, data)
        return letters


def documents(campaign: Campaign, options: Options) -> Callable[[str, Signer], bytes]:
    """A function giving one letter's bytes for (recipient id, signer), the template compiled once."""
    worker = _Worker(campaign, options)
    return lambda office_id, signer: worker.document(Task(office_id, signer, Path()))[1]


_WORKER: _Worker | None = None


def _die_with(parent: int) -> None:
    """Make this worker die when the process that started it dies (killed, SIGTERM or SIGKILL), so no
    worker goes on writing letters for a render that was stopped (Linux; elsewhere the pool's own
    shutdown applies)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # it died before we asked
        os._exit(1)


def _init_worker(campaign_path: Path, options: Options, parent: int) -> None:
    global _WORKER
    _die_with(parent)
    if _WORKER is None:  # started afresh (not forked): load the campaign again
        from faxcampaign import collect_less
        from faxcampaign.letters import pdf

        collect_less()
        pdf.use_fonts(options.fonts)
        _WORKER = _Worker(load(campaign_path), options)


def _pool(worker: _Worker, jobs: int) -> concurrent.futures.ProcessPoolExecutor:
    """Worker processes. Where processes fork (Linux), they start from this one as it is: the campaign
    loaded, reportlab imported and the fonts registered once here, instead of once in every worker."""
    import concurrent.futures
    import multiprocessing

    global _WORKER
    initargs = (worker.campaign.path, worker.options, os.getpid())
    if "fork" not in multiprocessing.get_all_start_methods():
        return concurrent.futures.ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=initargs)
    from faxcampaign.letters import pdf

    pdf.prepare(worker.options.fonts)
    _WORKER = worker
    # What the workers inherit is never collected in them: a collection would write to every inherited
    # object and so copy every page of this process into each worker (copy-on-write).
    gc.freeze()
    return concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
                                                  initializer=_init_worker, initargs=initargs)


def _work(tasks: Sequence[Task]) -> list[Letter]:
    from faxcampaign import cache

    assert _WORKER is not None
    letters = _WORKER(tasks)
    cache.flush()  # what this worker learnt (a worker process ends without running atexit)
    return letters


def _batches(tasks: Sequence[Task], size: int) -> list[Sequence[Task]]:
    return [tasks[i:i + size] for i in range(0, len(tasks), size)]


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
        from faxcampaign.letters.fax import ghostscript

        ghostscript()
    if options.fonts:
        from faxcampaign.letters import pdf

        try:
            pdf.use_fonts(options.fonts)
        except pdf.FontError as e:
            raise OutputError(str(e)) from e
    tasks = plan_tasks(campaign, out, signer, signers, only, options.fmt)
    combined = out / f"letters.{'tif' if options.fmt == 'tiff' else 'pdf'}"
    if combine and any(t.target == combined for t in tasks):
        raise OutputError(f"--combine writes {combined}, which is also the letter of the recipient 'letters'; "
                          "render without --combine, or rename that recipient's id")
    for folder in {t.target.parent for t in tasks} - {out}:
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise OutputError(f"{folder} is a link or a file, not a folder: letters are written only into real "
                              "folders inside --out; remove it or choose another --out")
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
        import concurrent.futures

        size = max(1, min(BATCH, len(tasks) // (jobs * 4)))
        with _pool(worker, jobs) as pool:
            try:
                for done in pool.map(_work, _batches(tasks, size)):
                    letters += done
                    if progress:
                        progress(len(done))
            except concurrent.futures.BrokenExecutor as e:
                # A worker could not start (it reloads the campaign file, which may have changed).
                raise OutputError(f"a render process failed ({e}); try again, or with --jobs 1") from e
    else:
        for done in worker.run(_batches(tasks, BATCH)):
            letters += done
            if progress:
                progress(len(done))
    written = [t.target for t in tasks]
    if combine and letters:
        from faxcampaign.letters import pdf

        data = pdf.render(letters, options.paper, fax=options.fmt == "tiff")
        if options.fmt == "tiff":
            from faxcampaign.letters.fax import pdf_to_tiff

            data = pdf_to_tiff(data, options.paper)
        atomic_write(combined, data)
        written.append(combined)
    return written


def count_tasks(campaign: Campaign, signers: Sequence[Signer] | None, only: Sequence[str]) -> int:
    return len(plan_tasks(campaign, Path(), None, signers, only, "pdf"))
