"""The outcome log: the only module that speaks SQL (schema, migrations, queries).

One SQLite file per campaign by default (beside the campaign file); several campaigns may share one
database, since every row carries the campaign's key (its reference, or its title). The log is
append-only: an attempt is never updated or deleted (triggers refuse it); a correction is a row in
`void` that names the attempt it voids.

The schema is written once, in the SQL both SQLite and PostgreSQL understand; the few places where
they differ are named in `Dialect`. Concurrency: WAL mode and a busy timeout, and every write is one
`BEGIN IMMEDIATE` transaction, so cron and several volunteers on one machine can write at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from faxcampaign.errors import FaxCampaignError
from faxcampaign.outcomes import GOT_THROUGH

APPLICATION_ID = 0x46415843  # "FAXC" in the SQLite header: marks the file as ours
BUSY_TIMEOUT_S = 30.0
ENV = "FAXCAMPAIGN_LOG"


class LogError(FaxCampaignError):
    """The log cannot be opened, read or written; nothing was changed."""


@dataclasses.dataclass(frozen=True)
class Attempt:
    """One attempt to get a letter to one number, as recorded."""

    at: dt.datetime  # aware; stored as UTC
    recipient: str
    number: str  # E.164
    outcome: str
    volunteer: str | None = None
    signer: str | None = None
    pages: int | None = None
    note: str | None = None
    source: str = "manual"  # manual, import, or a sending backend's name
    job: str | None = None  # the backend's job id
    key: str | None = None  # a unique key: recording the same key twice records it once


@dataclasses.dataclass(frozen=True)
class Entry:
    id: int
    attempt: Attempt
    voided_by: int | None = None
    void_note: str | None = None


@dataclasses.dataclass(frozen=True)
class Summary:
    """The log of one campaign, counted (voided attempts left out); times are UTC text."""

    counts: list[tuple[str, str, int, str]]  # recipient, outcome, attempts, latest
    numbers: list[tuple[str, str, int]]  # recipient, number, attempts
    last: list[tuple[str, str, str, str, str | None]]  # recipient, at, number, outcome, volunteer: the
    # latest attempt of each recipient (the last row of a recipient wins when two share that moment)
    tails: list[tuple[str, str, str, str]]  # recipient, number, outcome, at: from each number's last
    # delivered or partial on (all of its attempts if it never got through), oldest first
    delivered_since: list[tuple[str, str]]  # recipient, at


@dataclasses.dataclass(frozen=True)
class Job:
    """A fax job handed to a sending backend (the send issue's table; see migration 2)."""

    backend: str
    job: str
    recipient: str
    number: str
    signer: str | None
    send_at: dt.datetime
    kill_at: dt.datetime
    submitted: dt.datetime


def utc_text(instant: dt.datetime) -> str:
    if instant.tzinfo is None:
        raise ValueError("naive datetime given where an instant is needed")
    return instant.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_utc_text(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.rstrip("Z")).replace(tzinfo=dt.timezone.utc)


def row_key(*parts: object) -> str:
    """A stable key for a row that may be recorded twice (an imported CSV row, a backend's result)."""
    return hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:32]


# --- schema --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Dialect:
    """What differs between the SQL of SQLite and PostgreSQL."""

    name: str
    serial: str  # an auto-numbered integer primary key
    placeholder: str

    def sql(self, statement: str) -> str:
        return statement.replace("?", self.placeholder) if self.placeholder != "?" else statement


SQLITE = Dialect("sqlite", "INTEGER PRIMARY KEY", "?")

# Migrations: MIGRATIONS[n] takes the schema from version n to n + 1. `{serial}` is the dialect's.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE attempt (
            id {serial},
            campaign TEXT NOT NULL,
            at TEXT NOT NULL,
            recipient TEXT NOT NULL,
            number TEXT NOT NULL,
            outcome TEXT NOT NULL,
            volunteer TEXT,
            signer TEXT,
            pages INTEGER,
            note TEXT,
            source TEXT NOT NULL,
            job TEXT,
            key TEXT UNIQUE,
            recorded TEXT NOT NULL)""",
        # covering indexes for `summary`'s queries
        "CREATE INDEX attempt_by_time ON attempt (campaign, at, recipient, number, outcome)",
        "CREATE INDEX attempt_by_outcome ON attempt (campaign, recipient, outcome, at)",
        "CREATE INDEX attempt_by_number ON attempt (campaign, recipient, number, outcome, at)",
        """CREATE TABLE void (
            id {serial},
            attempt INTEGER NOT NULL UNIQUE REFERENCES attempt (id),
            volunteer TEXT,
            note TEXT NOT NULL,
            recorded TEXT NOT NULL)""",
        # a cache, not part of the log: each campaign file's roster by its digest (roster.py)
        "CREATE TABLE roster (digest TEXT PRIMARY KEY, data TEXT NOT NULL)",
    ],
    [
        """CREATE TABLE job (
            id {serial},
            campaign TEXT NOT NULL,
            backend TEXT NOT NULL,
            job TEXT NOT NULL,
            recipient TEXT NOT NULL,
            number TEXT NOT NULL,
            signer TEXT,
            send_at TEXT NOT NULL,
            kill_at TEXT NOT NULL,
            submitted TEXT NOT NULL,
            UNIQUE (backend, job))""",
        """CREATE TABLE job_end (
            id {serial},
            backend TEXT NOT NULL,
            job TEXT NOT NULL,
            state TEXT NOT NULL,
            recorded TEXT NOT NULL,
            UNIQUE (backend, job))""",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)

_APPEND_ONLY = ("attempt", "void", "job", "job_end")
_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action} BEFORE {action.upper()} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END"
    for table in _APPEND_ONLY for action in ("update", "delete")
]


def default_path(campaign_path: Path) -> Path:
    """campaign.yaml -> campaign.log.sqlite, beside it."""
    return campaign_path.with_name(campaign_path.stem + ".log.sqlite")


def location(option: str | None, campaign_path: Path) -> str:
    """Where the log is: --log, else $FAXCAMPAIGN_LOG, else beside the campaign file."""
    return option or os.environ.get(ENV) or str(default_path(campaign_path))


# --- the log -------------------------------------------------------------------------------------


class Log:
    """A campaign's outcome log. Use `open_log`; close it (or use it in a ``with``)."""

    def __init__(self, connection: sqlite3.Connection | None, where: str, campaign: str,
                 dialect: Dialect = SQLITE):
        self._db = connection
        self.where = where
        self.campaign = campaign
        self.dialect = dialect

    def __enter__(self) -> Log:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def exists(self) -> bool:
        return self._db is not None

    def _query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self._db is None:
            return []
        try:
            return self._db.execute(self.dialect.sql(statement), params).fetchall()
        except sqlite3.Error as e:
            raise LogError(f"{self.where}: cannot read the log: {e}") from e

    def _write(self) -> _Transaction:
        if self._db is None:
            raise LogError(f"{self.where}: the log was opened for reading only")
        return _Transaction(self._db, self.where)

    # writing

    def record(self, attempts: Iterable[Attempt], now: dt.datetime) -> list[int]:
        """Record attempts in one transaction (all or none); return the ids of those recorded.

        An attempt whose `key` is already in the log is not recorded again."""
        recorded = utc_text(now)
        ids = []
        with self._write() as db:
            for a in attempts:
                cursor = db.execute(
                    "INSERT INTO attempt (campaign, at, recipient, number, outcome, volunteer, signer, pages, "
                    "note, source, job, key, recorded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (key) DO NOTHING",
                    (self.campaign, utc_text(a.at), a.recipient, a.number, a.outcome, a.volunteer, a.signer,
                     a.pages, a.note, a.source, a.job, a.key, recorded))
                if cursor.rowcount == 1 and cursor.lastrowid is not None:
                    ids.append(cursor.lastrowid)
        return ids

    def void(self, attempt_id: int, note: str, volunteer: str | None, now: dt.datetime) -> None:
        if self._db is None:
            raise LogError(f"{self.where}: no attempt {attempt_id}: there is no log yet")
        with self._write() as db:
            found = db.execute("SELECT a.id, v.id FROM attempt a LEFT JOIN void v ON v.attempt = a.id "
                               "WHERE a.id = ? AND a.campaign = ?", (attempt_id, self.campaign)).fetchone()
            if found is None:
                raise LogError(f"{self.where}: no attempt {attempt_id} in this campaign's log")
            if found[1] is not None:
                raise LogError(f"{self.where}: attempt {attempt_id} is already voided (by entry {found[1]})")
            db.execute("INSERT INTO void (attempt, volunteer, note, recorded) VALUES (?, ?, ?, ?)",
                       (attempt_id, volunteer, note, utc_text(now)))

    # reading

    def entries(self) -> list[Entry]:
        """Every attempt of this campaign, oldest first, voided ones marked."""
        rows = self._query(
            "SELECT a.id, a.at, a.recipient, a.number, a.outcome, a.volunteer, a.signer, a.pages, a.note, "
            "a.source, a.job, a.key, v.id, v.note FROM attempt a LEFT JOIN void v ON v.attempt = a.id "
            "WHERE a.campaign = ? ORDER BY a.at, a.id", (self.campaign,))
        return [Entry(r[0], Attempt(from_utc_text(r[1]), *r[2:12]), r[12], r[13]) for r in rows]

    def attempts(self) -> Iterator[Attempt]:
        """The attempts that count: every one not voided, oldest first."""
        return (e.attempt for e in self.entries() if e.voided_by is None)

    def summary(self, since: dt.datetime) -> Summary:
        """What `status` and call sheets need, counted by the database rather than row by row here:
        see `Summary`. ``since`` bounds `Summary.delivered_since` (the earliest "today" of any office)."""
        live = "a.id NOT IN (SELECT attempt FROM void)"
        key = (self.campaign,)
        through = ", ".join(f"'{o}'" for o in sorted(GOT_THROUGH))
        return Summary(
            counts=self._query(f"SELECT recipient, outcome, count(*), max(at) FROM attempt a WHERE campaign = ? "
                               f"AND {live} GROUP BY recipient, outcome", key),
            numbers=self._query(f"SELECT recipient, number, count(*) FROM attempt a WHERE campaign = ? AND {live} "
                                "GROUP BY recipient, number", key),
            last=self._query(
                f"WITH latest AS (SELECT recipient, max(at) AS at FROM attempt a WHERE campaign = ? AND {live} "
                "GROUP BY recipient) SELECT a.recipient, a.at, a.number, a.outcome, a.volunteer FROM latest l "
                f"JOIN attempt a ON a.campaign = ? AND a.recipient = l.recipient AND a.at = l.at WHERE {live} "
                "ORDER BY a.id", key * 2),
            tails=self._query(
                f"WITH through AS (SELECT recipient, number, max(at) AS at FROM attempt a WHERE campaign = ? AND "
                f"outcome IN ({through}) AND {live} GROUP BY recipient, number) "
                "SELECT a.recipient, a.number, a.outcome, a.at FROM attempt a LEFT JOIN through t ON "
                "t.recipient = a.recipient AND t.number = a.number WHERE a.campaign = ? AND "
                f"(t.at IS NULL OR a.at >= t.at) AND {live} ORDER BY a.at, a.id", key * 2),
            delivered_since=self._query(f"SELECT recipient, at FROM attempt a WHERE campaign = ? AND "
                                        f"outcome = 'delivered' AND at >= ? AND {live}", (*key, utc_text(since))),
        )

    def letters(self) -> list[tuple[str, str | None, int, int]]:
        """Per recipient and signer: letters delivered, and attempts (line errors left out)."""
        return self._query(
            "SELECT recipient, signer, count(*) FILTER (WHERE outcome = 'delivered'), "
            "count(*) FILTER (WHERE outcome <> 'line-error') FROM attempt a WHERE campaign = ? AND "
            "a.id NOT IN (SELECT attempt FROM void) GROUP BY recipient, signer", (self.campaign,))

    # the roster cache (roster.py)

    def cached_roster(self, digest: str) -> str | None:
        rows = self._query("SELECT data FROM roster WHERE digest = ?", (digest,))
        return rows[0][0] if rows else None

    def cache_roster(self, digest: str, data: str) -> None:
        with self._write() as db:
            db.execute("INSERT INTO roster (digest, data) VALUES (?, ?) ON CONFLICT (digest) DO UPDATE SET "
                       "data = excluded.data", (digest, data))

    # jobs (sending)

    def add_job(self, job: Job) -> None:
        with self._write() as db:
            db.execute("INSERT INTO job (campaign, backend, job, recipient, number, signer, send_at, kill_at, "
                       "submitted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (self.campaign, job.backend, job.job, job.recipient, job.number, job.signer,
                        utc_text(job.send_at), utc_text(job.kill_at), utc_text(job.submitted)))

    def end_job(self, backend: str, job: str, state: str, now: dt.datetime,
                attempt: Attempt | None = None) -> None:
        """Mark a job finished (``state``: done, failed, cancelled), with its outcome, in one transaction."""
        with self._write() as db:
            db.execute("INSERT INTO job_end (backend, job, state, recorded) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (backend, job) DO NOTHING", (backend, job, state, utc_text(now)))
            if attempt is not None:
                a = attempt
                db.execute(
                    "INSERT INTO attempt (campaign, at, recipient, number, outcome, volunteer, signer, pages, "
                    "note, source, job, key, recorded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (key) DO NOTHING",
                    (self.campaign, utc_text(a.at), a.recipient, a.number, a.outcome, a.volunteer, a.signer,
                     a.pages, a.note, a.source, a.job, a.key, utc_text(now)))

    def open_jobs(self, backend: str | None = None) -> list[Job]:
        """Jobs submitted and not yet ended."""
        rows = self._query(
            "SELECT j.backend, j.job, j.recipient, j.number, j.signer, j.send_at, j.kill_at, j.submitted "
            "FROM job j LEFT JOIN job_end e ON e.backend = j.backend AND e.job = j.job "
            "WHERE j.campaign = ? AND e.id IS NULL" + (" AND j.backend = ?" if backend else "") +
            " ORDER BY j.send_at, j.id", (self.campaign, backend) if backend else (self.campaign,))
        return [Job(r[0], r[1], r[2], r[3], r[4], from_utc_text(r[5]), from_utc_text(r[6]), from_utc_text(r[7]))
                for r in rows]


class _Transaction:
    """``with`` block around one write: BEGIN IMMEDIATE (waits for other writers), then COMMIT or ROLLBACK."""

    def __init__(self, db: sqlite3.Connection, where: str):
        self.db, self.where = db, where

    def __enter__(self) -> sqlite3.Connection:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise LogError(f"{self.where}: cannot write to the log: {e}") from e
        return self.db

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is None:
            try:
                self.db.execute("COMMIT")
                return
            except sqlite3.Error as e:
                self.db.execute("ROLLBACK")
                raise LogError(f"{self.where}: cannot write to the log: {e}") from e
        self.db.execute("ROLLBACK")
        if isinstance(value, sqlite3.Error):
            raise LogError(f"{self.where}: cannot write to the log: {value}") from value


def open_log(where: str, campaign: str, create: bool) -> Log:
    """Open the log at ``where`` for ``campaign`` (its key).

    With ``create`` a missing log is created and an old one migrated; without it a missing log reads as
    empty and nothing is written to disk. A file that is not a faxcampaign log, or is one from a newer
    version, is an error and is left untouched.
    """
    path = Path(where)
    if not path.exists():
        if not create:
            return Log(None, where, campaign)
        if not path.parent.is_dir():
            raise LogError(f"{where}: cannot create the log: no folder {path.parent}")
    elif not path.is_file():
        raise LogError(f"{where}: not a faxcampaign log (not a regular file)")
    try:
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as e:
        raise LogError(f"{where}: cannot open the log: {e}") from e
    try:
        _check_identity(db, where)
        if create:
            _migrate(db, where)
        else:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version < SCHEMA_VERSION:
                db.close()
                return open_log(where, campaign, create=True)  # an older log: bring it up to date first
    except BaseException:
        db.close()
        raise
    return Log(db, where, campaign)


def _check_identity(db: sqlite3.Connection, where: str) -> None:
    try:
        application_id = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as e:
        raise LogError(f"{where}: not a faxcampaign log ({e}); left untouched") from e
    if application_id != APPLICATION_ID and (application_id or tables):
        raise LogError(f"{where}: not a faxcampaign log (another SQLite database); left untouched")
    if version > SCHEMA_VERSION:
        raise LogError(f"{where}: this log was written by a newer faxcampaign (schema {version}; this one "
                       f"knows {SCHEMA_VERSION}); upgrade faxcampaign. The log is left untouched")


def _migrate(db: sqlite3.Connection, where: str) -> None:
    try:
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        if db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]  # another process may have done it
            for statements in MIGRATIONS[version:]:
                for statement in statements:
                    db.execute(statement.format(serial=SQLITE.serial))
            for trigger in _SQLITE_TRIGGERS:
                db.execute(trigger)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    except sqlite3.Error as e:
        raise LogError(f"{where}: cannot set up the log: {e}") from e
