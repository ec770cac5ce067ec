"""The outcome log: the only module that speaks SQL (schema, migrations, queries).

Two backends with one schema and one set of migrations: a SQLite file per campaign by default (beside
the campaign file), or a PostgreSQL database (``postgresql://...``) that a team shares; the few places
where their SQL differs are named in `Dialect` and in the `_sqlite_*` / `_pg_*` functions. Several
campaigns may share one database, since every row carries the campaign's key (its reference, or its
title). The log is append-only: an attempt is never updated or deleted (triggers refuse it); a
correction is a row in `void` that names the attempt it voids.

Concurrency: every write is one transaction (SQLite: WAL, a busy timeout and BEGIN IMMEDIATE), so cron
and several volunteers can write at once; `send` runs are serialised with `Log.exclusive`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from faxcampaign.errors import FaxCampaignError
from faxcampaign.outcomes import DEAD_LINE, GOT_THROUGH, NOT_COUNTED, OUTCOMES

APPLICATION_ID = 0x46415843  # "FAXC" in the SQLite header: marks the file as ours
BUSY_TIMEOUT_S = 30.0
ENV = "FAXCAMPAIGN_LOG"


class LogError(FaxCampaignError):
    """The log cannot be opened, read or written; nothing was changed."""


class Attempt(NamedTuple):
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
    key: str | None = None  # unique: recording the same key twice records it once (a random one if None)
    # proof, from a backend that reports it (migration 5)
    pages_total: int | None = None  # pages in the letter
    remote_id: str | None = None  # the far end's station id (CSI)
    provider_job: str | None = None  # the provider's own id for the fax
    error_code: str | None = None  # the provider's error code, as it gives it
    completed_at: dt.datetime | None = None  # when the call ended, by the provider's clock

    @property
    def unconfirmed(self) -> bool:
        """A delivery that an older version recorded when an email-to-fax gateway accepted the message,
        before any report said the fax went (the log is append-only: such entries stay, marked)."""
        return self.outcome == "delivered" and self.source == "smtp" and (self.note or "").startswith(
            LEGACY_GATEWAY_NOTE)


LEGACY_GATEWAY_NOTE = "handed to the email-to-fax gateway"


class Entry(NamedTuple):
    id: int
    attempt: Attempt
    voided_by: int | None = None
    void_note: str | None = None


class Summary(NamedTuple):
    """The log of one campaign, counted (voided attempts left out); times are UTC text."""

    counts: list[tuple[str, str, int, str]]  # recipient, outcome, attempts, latest
    numbers: list[tuple[str, str, int]]  # recipient, number, attempts
    last: list[tuple[Any, ...]]  # recipient, at, number, outcome, volunteer, then its proof (pages, pages_total,
    # remote_id, provider_job, error_code, completed_at) and whether it is unconfirmed: the latest attempt of
    # each recipient (the last row of a recipient wins when two share that moment)
    health: list[tuple[str, str, str, int]]  # recipient, number, its last outcome, its attempts since its
    # last delivered or partial (all of them if it never got through), line errors left out
    dead: list[tuple[str, str, str, str]]  # recipient, number, first and last `at` of its wrong-number and
    # not-fax attempts since its last delivered or partial, one row per UTC date (the office's dates are
    # told from them by the clock module: a UTC date's attempts fall on at most two of the office's dates)
    delivered_since: list[tuple[str, str]]  # recipient, at
    unconfirmed: list[tuple[str, int]] = []  # recipient, deliveries recorded on a gateway's acceptance alone
    jobs: list[Job] = []  # jobs not yet ended


class RotaSlot(NamedTuple):
    """One slot of a saved rota (migration 3): an office's call slot and who has it."""

    recipient: str
    start: dt.datetime  # aware
    end: dt.datetime
    volunteer: str | None  # None: nobody covers it
    timezone: str | None = None  # the volunteer's zone and the country they dial from
    dial_from: str | None = None


class Job(NamedTuple):
    """A fax job handed to a sending backend (the send issue's table; see migration 2)."""

    backend: str
    job: str
    recipient: str
    number: str
    signer: str | None
    send_at: dt.datetime
    kill_at: dt.datetime
    submitted: dt.datetime
    provider_job: str | None = None  # the provider's id, when `job` is our own label (job_ref)
    pages_total: int | None = None  # pages in the letter


@functools.lru_cache(maxsize=4096)
def utc_text(instant: dt.datetime) -> str:
    """``instant`` as the log writes it, 2026-12-01T09:30:00Z (remembered: a saved rota writes each slot
    boundary thousands of times)."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime given where an instant is needed")
    utc = instant.astimezone(dt.timezone.utc)
    if utc.year < 1000:  # strftime does not pad the year to four digits
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return utc.isoformat(timespec="seconds")[:19] + "Z"


def from_utc_text(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.rstrip("Z")).replace(tzinfo=dt.timezone.utc)


def row_key(*parts: object) -> str:
    """A stable key for a row that may be recorded twice (an imported CSV row, a backend's result)."""
    return hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:32]


# --- schema --------------------------------------------------------------------------------------


class Link(NamedTuple):
    """A personal link to the web app: whose, in which role, until when; never the token itself."""

    id: int
    name: str
    role: str  # volunteer or organiser
    details: str  # JSON: the volunteer's timezone, country, languages, offices, cap, email
    created: dt.datetime
    expires: dt.datetime
    revoked: dt.datetime | None
    last_used: dt.datetime | None


class Dialect(NamedTuple):
    """What differs between the SQL of SQLite and PostgreSQL."""

    name: str
    serial: str  # an auto-numbered integer primary key
    placeholder: str
    begin: str  # opens a write transaction that waits for other writers
    # rows of a VALUES list per query (`Log._rows_at`), well inside the driver's limit on parameters:
    # SQLite probes its index row by row, so a batch costs little; PostgreSQL joins a batch by scanning the
    # campaign's attempts once, so it gets them all at once
    batch: int

    def sql(self, statement: str) -> str:
        return statement.replace("?", self.placeholder) if self.placeholder != "?" else statement


SQLITE = Dialect("sqlite", "INTEGER PRIMARY KEY", "?", "BEGIN IMMEDIATE", 200)  # 999 parameters before 3.32
POSTGRES = Dialect("postgresql", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "%s", "BEGIN", 10_000)
PG_SCHEMA = "faxcampaign"  # every table lives in this schema: a shared database's other tables are not touched
_PG_LOCK = 0x46415843  # pg_advisory_xact_lock key while migrating

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
            key TEXT NOT NULL UNIQUE,
            recorded TEXT NOT NULL)""",
        # covering indexes for `summary`'s queries
        "CREATE INDEX attempt_by_time ON attempt (campaign, at, recipient, number, outcome)",
        "CREATE INDEX attempt_by_outcome ON attempt (campaign, recipient, outcome, at)",
        "CREATE INDEX attempt_by_number ON attempt (campaign, recipient, number, outcome, at)",
        """CREATE TABLE void (
            id {serial},
            attempt BIGINT NOT NULL UNIQUE REFERENCES attempt (id),
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
    [
        # the team's rota (`rota --save`): a plan, not a record, so saving a rota again replaces the
        # slots of the days it covers; a slot nobody has carries no volunteer
        """CREATE TABLE rota_slot (
            id {serial},
            campaign TEXT NOT NULL,
            recipient TEXT NOT NULL,
            start_at TEXT NOT NULL,
            end_at TEXT NOT NULL,
            volunteer TEXT,
            timezone TEXT,
            dial_from TEXT,
            saved TEXT NOT NULL)""",
        "CREATE INDEX rota_slot_by_time ON rota_slot (campaign, start_at)",
    ],
    [
        # the team's personal links (`invite`): only each token's hash is kept; inviting a name again
        # revokes their older link. `details` is the volunteer's row of the volunteers file, as JSON.
        """CREATE TABLE link (
            id {serial},
            campaign TEXT NOT NULL,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            details TEXT NOT NULL,
            created TEXT NOT NULL,
            expires TEXT NOT NULL,
            revoked TEXT,
            last_used TEXT)""",
        "CREATE INDEX link_by_name ON link (campaign, name)",
    ],
    [
        # proof on every attempt, from backends that report it
        "ALTER TABLE attempt ADD COLUMN pages_total INTEGER",
        "ALTER TABLE attempt ADD COLUMN remote_id TEXT",
        "ALTER TABLE attempt ADD COLUMN provider_job TEXT",
        "ALTER TABLE attempt ADD COLUMN error_code TEXT",
        "ALTER TABLE attempt ADD COLUMN completed_at TEXT",
        "ALTER TABLE job ADD COLUMN pages_total INTEGER",
        # deliveries older versions recorded on an email gateway's acceptance (`status`'s unconfirmed)
        "CREATE INDEX attempt_by_gateway ON attempt (campaign, recipient, note) WHERE source = 'smtp' AND "
        "outcome = 'delivered'",
        # the provider's id for a job whose intent was recorded before the provider named it (`job.job` is
        # then our own idempotency label); set once, when the provider answers or is found to have it
        """CREATE TABLE job_ref (
            id {serial},
            backend TEXT NOT NULL,
            job TEXT NOT NULL,
            provider_job TEXT NOT NULL,
            recorded TEXT NOT NULL,
            UNIQUE (backend, job))""",
        # the gateway reports read so far (`sync --reports`), by Message-ID: never counted twice, whatever
        # the mailbox's flags say
        """CREATE TABLE report (
            id {serial},
            campaign TEXT NOT NULL,
            message_id TEXT NOT NULL,
            backend TEXT,
            job TEXT,
            outcome TEXT,
            recorded TEXT NOT NULL,
            UNIQUE (campaign, message_id))""",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)

_APPEND_ONLY = ("attempt", "void", "job", "job_end", "job_ref", "report")
_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action} BEFORE {action.upper()} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END"
    for table in _APPEND_ONLY for action in ("update", "delete")
]
_PG_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'the log is append-only'; END $$",
    *(f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
      "FOR EACH ROW EXECUTE FUNCTION append_only()" for table in _APPEND_ONLY),
]


def default_path(campaign_path: Path) -> Path:
    """campaign.yaml -> campaign.log.sqlite, beside it."""
    return campaign_path.with_name(campaign_path.stem + ".log.sqlite")


def location(option: str | None, campaign_path: Path) -> str:
    """Where the log is: --log, else $FAXCAMPAIGN_LOG, else beside the campaign file."""
    return option or os.environ.get(ENV) or str(default_path(campaign_path))


def is_url(where: str) -> bool:
    return where.startswith(("postgresql://", "postgres://"))


def public(where: str) -> str:
    """``where`` fit to print: any password in a URL is hidden (urls.mask)."""
    from faxcampaign.urls import mask

    return mask(where) if is_url(where) else where


def has_password(where: str) -> bool:
    from faxcampaign.urls import has_secret

    return is_url(where) and has_secret(where)


# --- the log -------------------------------------------------------------------------------------


class Log:
    """A campaign's outcome log. Use `open_log`; close it (or use it in a ``with``)."""

    def __init__(self, connection: Any, where: str, campaign: str, dialect: Dialect = SQLITE,
                 pool: Pool | None = None):
        self._db = connection  # a sqlite3 or psycopg connection in autocommit mode; None: no log yet
        self.where = where
        self.campaign = campaign
        self.dialect = dialect
        self._pool = pool  # closing gives the connection back to it

    def __enter__(self) -> Log:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._db is not None:
            if self._pool is not None:
                self._pool.give(self._db)
            else:
                self._db.close()
            self._db = None

    @property
    def exists(self) -> bool:
        return self._db is not None

    def _query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self._db is None:
            return []
        try:
            rows: list[tuple[Any, ...]] = self._db.execute(self.dialect.sql(statement), params).fetchall()
            return rows
        except _errors() as e:
            raise LogError(f"{public(self.where)}: cannot read the log: {_reason(e)}") from e

    def _write(self) -> _Transaction:
        if self._db is None:
            raise LogError(f"{public(self.where)}: the log was opened for reading only")
        return _Transaction(self._db, self.where, self.dialect, self._pool.writing if self._pool else None)

    def _insert(self, db: Any, statement: str, params: Sequence[Any]) -> int | None:
        """Run an INSERT ... ON CONFLICT DO NOTHING; the new row's id, or None if it was already there."""
        if self.dialect is POSTGRES:
            row = db.execute(self.dialect.sql(statement + " RETURNING id"), params).fetchone()
            return int(row[0]) if row else None
        cursor = db.execute(statement, params)
        return int(cursor.lastrowid) if cursor.rowcount == 1 and cursor.lastrowid is not None else None

    def _insert_many(self, db: Any, statement: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run one prepared INSERT for every row (taken as they come); how many rows it added."""
        if self.dialect is POSTGRES:
            with db.cursor() as cursor:
                cursor.executemany(self.dialect.sql(statement), rows)
                return max(int(cursor.rowcount), 0)
        before = db.total_changes
        db.executemany(statement, rows)
        return int(db.total_changes - before)

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """One holder at a time per campaign log (a `send` run): an flock on the SQLite file (SQLite's own
        locks are separate), a session advisory lock on PostgreSQL."""
        if self._db is None:
            yield
            return
        if self.dialect is POSTGRES:
            key = int(hashlib.sha256(self.campaign.encode()).hexdigest()[:15], 16)
            self._db.execute("SELECT pg_advisory_lock(%s)", (key,))
            try:
                yield
            finally:
                self._db.execute("SELECT pg_advisory_unlock(%s)", (key,))
            return
        import fcntl

        with open(self.where, "rb") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # writing

    _ATTEMPT_COLUMNS = ("at, recipient, number, outcome, volunteer, signer, pages, note, source, job, key, recorded, "
                        "pages_total, remote_id, provider_job, error_code, completed_at")
    _INSERT_ATTEMPT = (f"INSERT INTO attempt (campaign, {_ATTEMPT_COLUMNS}) VALUES ({', '.join(['?'] * 18)}) "
                       "ON CONFLICT (key) DO NOTHING")

    def _attempt_row(self, a: Attempt, recorded: str) -> tuple[Any, ...]:
        import uuid

        return (self.campaign, utc_text(a.at), a.recipient, a.number, a.outcome, a.volunteer, a.signer, a.pages,
                a.note, a.source, a.job, a.key or uuid.uuid4().hex, recorded, a.pages_total, a.remote_id,
                a.provider_job, a.error_code, utc_text(a.completed_at) if a.completed_at else None)

    def record(self, attempts: Iterable[Attempt], now: dt.datetime) -> list[int]:
        """Record attempts in one transaction (all or none); return the ids of those recorded.

        An attempt whose `key` is already in the log is not recorded again."""
        recorded = utc_text(now)
        ids = []
        with self._write() as db:
            for a in attempts:
                new = self._insert(db, self._INSERT_ATTEMPT, self._attempt_row(a, recorded))
                if new is not None:
                    ids.append(new)
        return ids

    def record_all(self, attempts: Iterable[Attempt], now: dt.datetime) -> int:
        """Record many attempts with one prepared statement in one transaction (all or none); how many
        were new (an attempt whose `key` is in the log already is not recorded again)."""
        recorded = utc_text(now)
        rows = [self._attempt_row(a, recorded) for a in attempts]
        with self._write() as db:
            return self._insert_many(db, self._INSERT_ATTEMPT, rows)

    def void(self, attempt_id: int, note: str, volunteer: str | None, now: dt.datetime) -> None:
        if self._db is None:
            raise LogError(f"{public(self.where)}: no attempt {attempt_id}: there is no log yet")
        with self._write() as db:
            found = db.execute(self.dialect.sql(
                "SELECT a.id, v.id FROM attempt a LEFT JOIN void v ON v.attempt = a.id WHERE a.id = ? AND "
                "a.campaign = ?"), (attempt_id, self.campaign)).fetchone()
            if found is None:
                raise LogError(f"{public(self.where)}: no attempt {attempt_id} in this campaign's log")
            if found[1] is not None:
                raise LogError(f"{public(self.where)}: attempt {attempt_id} is already voided (by entry {found[1]})")
            db.execute(self.dialect.sql("INSERT INTO void (attempt, volunteer, note, recorded) VALUES (?, ?, ?, ?)"),
                       (attempt_id, volunteer, note, utc_text(now)))

    # reading

    _ENTRY = ("SELECT a.id, a.at, a.recipient, a.number, a.outcome, a.volunteer, a.signer, a.pages, a.note, "
              "a.source, a.job, a.key, v.id, v.note, a.pages_total, a.remote_id, a.provider_job, a.error_code, "
              "a.completed_at FROM attempt a LEFT JOIN void v ON v.attempt = a.id")

    @staticmethod
    def _entry(r: Sequence[Any]) -> Entry:
        completed = from_utc_text(r[18]) if r[18] else None
        return Entry(r[0], Attempt(from_utc_text(r[1]), r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10],
                                   r[11], r[14], r[15], r[16], r[17], completed), r[12], r[13])

    def each_entry(self, page: int = 2000) -> Iterator[Entry]:
        """Every attempt of this campaign, oldest first, voided ones marked, a page of rows at a time (by
        the position of the last one read: the same on both backends, and memory does not grow with the
        log)."""
        after: tuple[Any, ...] = ("", -1)
        while True:
            rows = self._query(self._ENTRY + " WHERE a.campaign = ? AND a.at >= ? AND (a.at > ? OR a.id > ?) ORDER BY "
                               f"a.at, a.id LIMIT {int(page)}", (self.campaign, after[0], after[0], after[1]))
            for r in rows:
                yield self._entry(r)
            if len(rows) < page:
                return
            after = (rows[-1][1], rows[-1][0])

    def entries(self) -> list[Entry]:
        """Every attempt of this campaign, oldest first, voided ones marked."""
        return list(self.each_entry())

    def summary(self, since: dt.datetime) -> Summary:
        """What `status` and call sheets need, counted by the database rather than row by row here:
        see `Summary`. ``since`` bounds `Summary.delivered_since` (the earliest "today" of any office).

        Two passes over the attempts: one grouping them per office, number and outcome in the covering
        index (counts, latest times, and each number's *mark*, its latest delivered or partial); then each
        number's *tail*, its attempts from the mark on, read by index range from the mark (per outcome, per
        UTC date for the dead-line outcomes; a row of its own only for an attempt that shares the mark's or
        the latest second, whose order the ids decide). Rows reaching Python are per office, number and
        outcome, never per attempt."""
        live = "a.id NOT IN (SELECT attempt FROM void)"
        key = (self.campaign,)
        unconfirmed = (f"(a.outcome = 'delivered' AND a.source = 'smtp' AND "
                       f"substr(a.note, 1, {len(LEGACY_GATEWAY_NOTE)}) = '{LEGACY_GATEWAY_NOTE}')")
        groups = self._query(f"SELECT recipient, number, outcome, count(*), max(at) FROM attempt a WHERE campaign = ? "
                             f"AND {live} GROUP BY recipient, number, outcome", key)
        counts: dict[tuple[str, str], list[Any]] = {}
        per_number: dict[tuple[str, str], list[Any]] = {}  # attempts, mark, latest
        latest: dict[str, str] = {}
        for recipient, number, outcome, count, at in groups:
            c = counts.setdefault((recipient, outcome), [0, at])
            c[0] += count
            c[1] = max(c[1], at)
            n = per_number.setdefault((recipient, number), [0, "", ""])
            n[0] += count
            if outcome in GOT_THROUGH:
                n[1] = max(n[1], at)
            n[2] = max(n[2], at)
            latest[recipient] = max(latest.get(recipient, ""), at)
        health, dead, newest = self._tails(per_number, live)
        last_id: dict[str, int] = {}  # each office's latest attempt: the greatest id at its latest second
        for (recipient, number), attempt_id in newest.items():
            if per_number[recipient, number][2] == latest[recipient]:
                last_id[recipient] = max(last_id.get(recipient, -1), attempt_id)
        last = self._by_id(
            "SELECT a.recipient, a.at, a.number, a.outcome, a.volunteer, a.pages, a.pages_total, a.remote_id, "
            f"a.provider_job, a.error_code, a.completed_at, {unconfirmed} FROM attempt a", sorted(last_id.values()))
        return Summary(
            counts=[(r, o, c[0], c[1]) for (r, o), c in counts.items()],
            numbers=[(r, n, v[0]) for (r, n), v in per_number.items()],
            last=last,
            health=health,
            dead=dead,
            delivered_since=self._query(f"SELECT recipient, at FROM attempt a WHERE campaign = ? AND "
                                        f"outcome = 'delivered' AND at >= ? AND {live}", (*key, utc_text(since))),
            unconfirmed=self._query(f"SELECT recipient, count(*) FROM attempt a WHERE campaign = ? AND "
                                    f"a.source = 'smtp' AND a.outcome = 'delivered' AND {live} AND {unconfirmed} "
                                    "GROUP BY recipient", key),
            jobs=self.open_jobs(),
        )

    def _rows_at(self, statement: str, pairs: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """``statement`` run over ``pairs`` in batches: ``{values}`` in it is a VALUES list of a batch, and
        its one other parameter, after the list, the campaign."""
        rows: list[tuple[Any, ...]] = []
        width = len(pairs[0]) if pairs else 0
        size = self.dialect.batch
        for start in range(0, len(pairs), size):
            batch = pairs[start:start + size]
            values = "VALUES " + ", ".join("(" + ", ".join(["?"] * width) + ")" for _ in batch)
            listed = tuple(v for pair in batch for v in pair)
            rows += self._query(statement.replace("{values}", values), (*listed, self.campaign))
        return rows

    def _by_id(self, select: str, ids: Sequence[int]) -> list[tuple[Any, ...]]:
        """``select`` (``SELECT ... FROM attempt a``) of the attempts with these ids (of this campaign), in
        order of id, in batches. By id alone: given the campaign too, SQLite scans the campaign's index."""
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(ids), self.dialect.batch):
            batch = tuple(ids[start:start + self.dialect.batch])
            rows += self._query(f"{select} WHERE a.id IN ({', '.join(['?'] * len(batch))}) ORDER BY a.id", batch)
        return rows

    def _tails(self, per_number: dict[tuple[str, str], list[Any]],
               live: str) -> tuple[list[Any], list[Any], dict[tuple[str, str], int]]:
        """`Summary.health` and `Summary.dead` from each number's attempts from its mark on, and each number's
        latest attempt (the greatest id at its latest second)."""
        outcomes = ", ".join(f"'{o}'" for o in OUTCOMES)
        dead_line = ", ".join(f"'{o}'" for o in sorted(DEAD_LINE))
        pairs = [(r, n, v[1], v[2]) for (r, n), v in per_number.items()]
        rows = self._rows_at(
            "WITH m (recipient, number, mark, latest) AS ({values}) SELECT m.recipient, m.number, a.outcome, "
            "count(*), min(a.at), max(a.at), CASE WHEN a.at = m.mark OR a.at = m.latest THEN a.id END AS tie, "
            "min(a.at) = m.mark, max(a.at) = m.latest FROM m JOIN attempt a ON a.campaign = ? AND "
            "a.recipient = m.recipient AND "
            f"a.number = m.number AND a.outcome IN ({outcomes}) AND a.at >= m.mark WHERE {live} GROUP BY m.recipient, "
            f"m.number, m.mark, m.latest, a.outcome, CASE WHEN a.outcome IN ({dead_line}) THEN substr(a.at, 1, 10) "
            "END, tie", pairs)
        # the mark's own id: the greatest id of a delivered or partial at the mark's second
        mark_id: dict[tuple[str, str], int] = {}
        for recipient, number, outcome, _, _, _, tie, at_mark, _ in rows:
            if tie is not None and at_mark and outcome in GOT_THROUGH and per_number[recipient, number][1]:
                mark_id[recipient, number] = max(mark_id.get((recipient, number), -1), int(tie))
        failures: dict[tuple[str, str], int] = {}
        last: dict[tuple[str, str], tuple[int, str]] = {}  # the greatest id at the latest second, its outcome
        dead: dict[tuple[str, str, str], list[str]] = {}  # per number and UTC date: first and last
        for recipient, number, outcome, count, first, final, tie, at_mark, at_latest in rows:
            pair = (recipient, number)
            if tie is not None and at_latest and int(tie) > last.get(pair, (-1, ""))[0]:
                last[pair] = (int(tie), outcome)
            if tie is not None and at_mark and int(tie) <= mark_id.get(pair, -1):
                continue  # at the mark's second, not after it
            if outcome not in NOT_COUNTED:
                failures[pair] = failures.get(pair, 0) + int(count)
            if outcome in DEAD_LINE:
                day = dead.setdefault((recipient, number, first[:10]), [first, final])
                day[0], day[1] = min(day[0], first), max(day[1], final)
        health = [(r, n, last[r, n][1], failures.get((r, n), 0)) for (r, n) in per_number]
        return (health, [(r, n, first, final) for (r, n, _), (first, final) in dead.items()],
                {pair: attempt_id for pair, (attempt_id, _) in last.items()})

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
            db.execute(self.dialect.sql("INSERT INTO roster (digest, data) VALUES (?, ?) ON CONFLICT (digest) DO "
                                        "UPDATE SET data = excluded.data"), (digest, data))

    # the rota (`rota --save`, `callsheet --volunteer`, `status`)

    def save_rota(self, slots: Iterable[RotaSlot], first: dt.datetime, last: dt.datetime, now: dt.datetime) -> int:
        """Replace the saved slots that start in [first, last) with ``slots``, in one transaction."""
        saved = utc_text(now)
        rows = ((self.campaign, s.recipient, utc_text(s.start), utc_text(s.end), s.volunteer, s.timezone, s.dial_from,
                 saved) for s in slots)
        with self._write() as db:
            db.execute(self.dialect.sql("DELETE FROM rota_slot WHERE campaign = ? AND start_at >= ? AND start_at < ?"),
                       (self.campaign, utc_text(first), utc_text(last)))
            return self._insert_many(db, "INSERT INTO rota_slot (campaign, recipient, start_at, end_at, volunteer, "
                                     "timezone, dial_from, saved) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def rota(self) -> list[RotaSlot]:
        """The saved rota, in order of time."""
        rows = self._query("SELECT recipient, start_at, end_at, volunteer, timezone, dial_from FROM rota_slot "
                           "WHERE campaign = ? ORDER BY start_at, recipient, id", (self.campaign,))
        return [RotaSlot(r[0], from_utc_text(r[1]), from_utc_text(r[2]), *r[3:6]) for r in rows]

    def reports(self) -> list[tuple[str, str, str]]:
        """(recipient, volunteer, at) of every live attempt that names its volunteer, oldest first."""
        return self._query("SELECT recipient, volunteer, at FROM attempt a WHERE campaign = ? AND volunteer IS NOT "
                           "NULL AND a.id NOT IN (SELECT attempt FROM void) ORDER BY at", (self.campaign,))

    # jobs (sending)

    def add_job(self, job: Job) -> None:
        with self._write() as db:
            db.execute(self.dialect.sql(
                "INSERT INTO job (campaign, backend, job, recipient, number, signer, send_at, kill_at, submitted, "
                "pages_total) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                       (self.campaign, job.backend, job.job, job.recipient, job.number, job.signer,
                        utc_text(job.send_at), utc_text(job.kill_at), utc_text(job.submitted), job.pages_total))

    def end_job(self, backend: str, job: str, state: str, now: dt.datetime,
                attempt: Attempt | None = None, report: tuple[str, str | None] | None = None) -> bool:
        """Mark a job finished (``state``: done, failed, cancelled), with its outcome, in one transaction;
        ``report`` is the (Message-ID, outcome) of the gateway report that ended it, remembered so that it is
        never read twice. False if the job had ended already (a duplicated or late result changes nothing)."""
        stamp = utc_text(now)
        with self._write() as db:
            ended = db.execute(self.dialect.sql(
                "INSERT INTO job_end (backend, job, state, recorded) VALUES (?, ?, ?, ?) ON CONFLICT (backend, job) "
                "DO NOTHING"), (backend, job, state, stamp)).rowcount
            if report is not None:
                self._add_report(db, report[0], backend, job, report[1], stamp)
            if not ended:
                return False
            if attempt is not None:
                self._insert(db, self._INSERT_ATTEMPT, self._attempt_row(attempt, stamp))
        return True

    def name_job(self, backend: str, job: str, provider_job: str, now: dt.datetime) -> None:
        """Note the provider's id for a job recorded under our own label (the first name given stays)."""
        with self._write() as db:
            db.execute(self.dialect.sql("INSERT INTO job_ref (backend, job, provider_job, recorded) VALUES "
                                        "(?, ?, ?, ?) ON CONFLICT (backend, job) DO NOTHING"),
                       (backend, job, provider_job, utc_text(now)))

    def _add_report(self, db: Any, message_id: str, backend: str | None, job: str | None, outcome: str | None,
                    stamp: str) -> None:
        db.execute(self.dialect.sql("INSERT INTO report (campaign, message_id, backend, job, outcome, recorded) VALUES "
                                    "(?, ?, ?, ?, ?, ?) ON CONFLICT (campaign, message_id) DO NOTHING"),
                   (self.campaign, message_id, backend, job, outcome, stamp))

    def seen_reports(self) -> set[str]:
        """The Message-IDs of the gateway reports already recorded for this campaign."""
        return {r[0] for r in self._query("SELECT message_id FROM report WHERE campaign = ?", (self.campaign,))}

    _JOB = ("SELECT j.backend, j.job, j.recipient, j.number, j.signer, j.send_at, j.kill_at, j.submitted, "
            "r.provider_job, j.pages_total, e.id FROM job j LEFT JOIN job_end e ON e.backend = j.backend AND "
            "e.job = j.job LEFT JOIN job_ref r ON r.backend = j.backend AND r.job = j.job WHERE j.campaign = ?")

    @staticmethod
    def _job(r: Sequence[Any]) -> Job:
        return Job(r[0], r[1], r[2], r[3], r[4], from_utc_text(r[5]), from_utc_text(r[6]), from_utc_text(r[7]), r[8],
                   r[9])

    def open_jobs(self, backend: str | None = None) -> list[Job]:
        """Jobs submitted and not yet ended (submitted to a gateway or provider, no outcome yet)."""
        rows = self._query(self._JOB + " AND e.id IS NULL" + (" AND j.backend = ?" if backend else "") +
                           " ORDER BY j.send_at, j.id", (self.campaign, backend) if backend else (self.campaign,))
        return [self._job(r) for r in rows]

    def job(self, backend: str, job: str) -> tuple[Job, bool] | None:
        """One of this campaign's jobs, and whether it has ended."""
        rows = self._query(self._JOB + " AND j.backend = ? AND j.job = ?", (self.campaign, backend, job))
        return (self._job(rows[0]), rows[0][10] is not None) if rows else None

    def deliveries_by_hour(self) -> list[tuple[dt.datetime, int]]:
        """(the start of a UTC hour, deliveries not voided in it), oldest first: a row per hour, however
        many deliveries the log holds."""
        rows = self._query("SELECT substr(at, 1, 13), count(*) FROM attempt a WHERE campaign = ? AND outcome = "
                           "'delivered' AND a.id NOT IN (SELECT attempt FROM void) GROUP BY substr(at, 1, 13) "
                           "ORDER BY 1", (self.campaign,))
        return [(dt.datetime.fromisoformat(r[0] + ":00:00+00:00"), int(r[1])) for r in rows]

    # personal links (services/links.py)

    _LINK = "SELECT id, name, role, details, created, expires, revoked, last_used FROM link"

    @staticmethod
    def _link(row: Sequence[Any]) -> Link:
        return Link(int(row[0]), row[1], row[2], row[3], from_utc_text(row[4]), from_utc_text(row[5]),
                    from_utc_text(row[6]) if row[6] else None, from_utc_text(row[7]) if row[7] else None)

    def add_link(self, name: str, role: str, token_hash: str, details: str, now: dt.datetime,
                 expires: dt.datetime) -> None:
        """A new link for ``name``; their older links stop working, in the same transaction."""
        stamp = utc_text(now)
        with self._write() as db:
            db.execute(self.dialect.sql("UPDATE link SET revoked = ? WHERE campaign = ? AND name = ? AND revoked IS "
                                        "NULL"), (stamp, self.campaign, name))
            db.execute(self.dialect.sql("INSERT INTO link (campaign, name, role, token_hash, details, created, "
                                        "expires) VALUES (?, ?, ?, ?, ?, ?, ?)"),
                       (self.campaign, name, role, token_hash, details, stamp, utc_text(expires)))

    def revoke_links(self, name: str, now: dt.datetime) -> int:
        with self._write() as db:
            cursor = db.execute(self.dialect.sql("UPDATE link SET revoked = ? WHERE campaign = ? AND name = ? AND "
                                                 "revoked IS NULL"), (utc_text(now), self.campaign, name))
            return max(int(cursor.rowcount), 0)

    def links(self) -> list[Link]:
        """Every link of the campaign, newest last."""
        return [self._link(r) for r in self._query(self._LINK + " WHERE campaign = ? ORDER BY id", (self.campaign,))]

    def link(self, token_hash: str) -> Link | None:
        rows = self._query(self._LINK + " WHERE campaign = ? AND token_hash = ?", (self.campaign, token_hash))
        return self._link(rows[0]) if rows else None

    def touch_link(self, link_id: int, now: dt.datetime) -> None:
        """Note when a link was last used (at most once a minute: a write per request would be wasteful)."""
        stamp = utc_text(now)
        early = utc_text(now - dt.timedelta(minutes=1))
        with self._write() as db:
            db.execute(self.dialect.sql("UPDATE link SET last_used = ? WHERE id = ? AND (last_used IS NULL OR "
                                        "last_used < ?)"), (stamp, link_id, early))

    def record_once(self, attempt: Attempt, now: dt.datetime) -> tuple[Entry, bool]:
        """Record ``attempt`` unless an attempt with its `key` is already in the log, in one statement:
        (the entry, True) when new; (the entry already recorded under the key, False) else."""
        assert attempt.key is not None
        if self._db is None:
            raise LogError(f"{public(self.where)}: the log was opened for reading only")
        lock = self._pool.writing if self._pool else None
        try:
            if lock is not None:
                lock.acquire()
            new = self._insert(self._db, self._INSERT_ATTEMPT, self._attempt_row(attempt, utc_text(now)))
        except _errors() as e:
            raise LogError(f"{public(self.where)}: cannot write to the log: {_reason(e)}; nothing was "
                           "recorded") from e
        finally:
            if lock is not None:
                lock.release()
        if new is not None:
            return Entry(new, attempt), True
        rows = self._query(self._ENTRY + " WHERE a.key = ?", (attempt.key,))
        return self._entry(rows[0]), False

    def entry(self, entry_id: int) -> Entry | None:
        rows = self._query(self._ENTRY + " WHERE a.campaign = ? AND a.id = ?", (self.campaign, entry_id))
        return self._entry(rows[0]) if rows else None

    def entries_since(self, since: dt.datetime) -> list[Entry]:
        """The attempts made at or after ``since``, oldest first (a day's feed)."""
        rows = self._query(self._ENTRY + " WHERE a.campaign = ? AND a.at >= ? ORDER BY a.at, a.id",
                           (self.campaign, utc_text(since)))
        return [self._entry(r) for r in rows]


def copy_log(source: Log, target: Log) -> tuple[int, int, int]:
    """Copy one campaign's log from ``source`` into ``target`` (either backend to either) in one
    transaction; what ``target`` already has (by each attempt's key, each job's backend and id) is not
    copied again. Returns (attempts, voids, jobs) copied."""
    rows = source._query(f"SELECT {Log._ATTEMPT_COLUMNS} FROM attempt WHERE campaign = ? ORDER BY id",
                         (source.campaign,))
    voids = source._query("SELECT a.key, v.volunteer, v.note, v.recorded FROM void v JOIN attempt a ON "
                          "a.id = v.attempt WHERE a.campaign = ? ORDER BY v.id", (source.campaign,))
    jobs = source._query("SELECT backend, job, recipient, number, signer, send_at, kill_at, submitted, pages_total "
                         "FROM job WHERE campaign = ? ORDER BY id", (source.campaign,))
    ends = source._query("SELECT e.backend, e.job, e.state, e.recorded FROM job_end e JOIN job j ON "
                         "j.backend = e.backend AND j.job = e.job WHERE j.campaign = ? ORDER BY e.id",
                         (source.campaign,))
    slots = [] if target.rota() else source._query(  # a rota already in the target is the target's own
        "SELECT recipient, start_at, end_at, volunteer, timezone, dial_from, saved FROM rota_slot WHERE campaign = ? "
        "ORDER BY id", (source.campaign,))
    links = source._query("SELECT name, role, token_hash, details, created, expires, revoked, last_used FROM link "
                          "WHERE campaign = ? ORDER BY id", (source.campaign,))
    refs = source._query("SELECT r.backend, r.job, r.provider_job, r.recorded FROM job_ref r JOIN job j ON "
                         "j.backend = r.backend AND j.job = r.job WHERE j.campaign = ? ORDER BY r.id",
                         (source.campaign,))
    reports = source._query("SELECT message_id, backend, job, outcome, recorded FROM report WHERE campaign = ? "
                            "ORDER BY id", (source.campaign,))
    sql = target.dialect.sql
    copied = [0, 0, 0]
    with target._write() as db:
        for row in slots:
            db.execute(sql("INSERT INTO rota_slot (campaign, recipient, start_at, end_at, volunteer, timezone, "
                           "dial_from, saved) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"), (target.campaign, *row))
        for row in rows:
            if target._insert(db, target._INSERT_ATTEMPT, (target.campaign, *row)) is not None:
                copied[0] += 1
        for key, volunteer, note, recorded in voids:
            cursor = db.execute(sql("INSERT INTO void (attempt, volunteer, note, recorded) SELECT id, ?, ?, ? FROM "
                                    "attempt WHERE key = ? AND campaign = ? ON CONFLICT (attempt) DO NOTHING"),
                                (volunteer, note, recorded, key, target.campaign))
            copied[1] += max(cursor.rowcount, 0)
        for row in jobs:
            cursor = db.execute(sql("INSERT INTO job (campaign, backend, job, recipient, number, signer, send_at, "
                                    "kill_at, submitted, pages_total) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON "
                                    "CONFLICT (backend, job) DO NOTHING"), (target.campaign, *row))
            copied[2] += max(cursor.rowcount, 0)
        for row in ends:
            db.execute(sql("INSERT INTO job_end (backend, job, state, recorded) VALUES (?, ?, ?, ?) ON CONFLICT "
                           "(backend, job) DO NOTHING"), row)
        for row in refs:
            db.execute(sql("INSERT INTO job_ref (backend, job, provider_job, recorded) VALUES (?, ?, ?, ?) ON CONFLICT "
                           "(backend, job) DO NOTHING"), row)
        for row in reports:
            db.execute(sql("INSERT INTO report (campaign, message_id, backend, job, outcome, recorded) VALUES "
                           "(?, ?, ?, ?, ?, ?) ON CONFLICT (campaign, message_id) DO NOTHING"), (target.campaign, *row))
        for row in links:  # the team's links go on working against the copy (only hashes are kept)
            db.execute(sql("INSERT INTO link (campaign, name, role, token_hash, details, created, expires, revoked, "
                           "last_used) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (token_hash) DO NOTHING"),
                       (target.campaign, *row))

    if target.dialect is POSTGRES and copied[0]:
        target._db.execute("ANALYZE attempt")  # fresh statistics after a bulk copy: the planner needs them
    return copied[0], copied[1], copied[2]


class _Transaction:
    """``with`` block around one write: BEGIN (IMMEDIATE on SQLite: it waits for other writers), then
    COMMIT, or ROLLBACK on any error."""

    def __init__(self, db: Any, where: str, dialect: Dialect, lock: Any = None):
        self.db, self.where, self.dialect, self.lock = db, where, dialect, lock

    def __enter__(self) -> Any:
        if self.lock is not None:
            self.lock.acquire()
        try:
            self.db.execute(self.dialect.begin)
        except _errors() as e:
            self._release()
            raise LogError(f"{public(self.where)}: cannot write to the log: {_reason(e)}") from e
        return self.db

    def _release(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self._finish(kind, value)
        finally:
            self._release()

    def _finish(self, kind: type[BaseException] | None, value: BaseException | None) -> None:
        if kind is None:
            try:
                self.db.execute("COMMIT")
                return
            except _errors() as e:
                self._rollback()
                raise LogError(f"{public(self.where)}: cannot write to the log: {_reason(e)}; nothing was "
                               "recorded") from e
        self._rollback()
        if value is not None and isinstance(value, _errors()):
            raise LogError(f"{public(self.where)}: cannot write to the log: {_reason(value)}; nothing was "
                           "recorded") from value

    def _rollback(self) -> None:
        try:
            self.db.execute("ROLLBACK")
        except _errors():
            pass  # the connection is gone: the server rolls back on its own


def _errors() -> tuple[type[BaseException], ...]:
    """The database errors of both drivers (psycopg's only when it is loaded)."""
    import sys

    found: list[type[BaseException]] = [sqlite3.Error]
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        found.append(psycopg.Error)
    return tuple(found)


def _reason(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


class Pool:
    """At most ``size`` open connections to one log, kept for reuse by a long-running process (`serve`).

    While a pool is installed for a log (`install_pool`), `open_log` takes a connection from it and a Log's
    `close` gives it back; a caller that finds every connection busy waits up to ``wait`` seconds, then gets
    a `LogError`. A connection that broke is dropped, not given back."""

    def __init__(self, where: str, size: int, wait: float = 10.0):
        import queue
        import threading

        self.where, self.size, self.wait = where, size, wait
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)
        self.dialect = POSTGRES if is_url(where) else SQLITE
        # SQLite takes one writer at a time and makes the others sleep and retry (its busy handler):
        # this process's writers queue here instead, and hand the file over at once
        self.writing = threading.Lock() if self.dialect is SQLITE else None

    def take(self, campaign: str) -> Log:
        import queue

        if not self._slots.acquire(timeout=self.wait):
            raise LogError(f"{public(self.where)}: every connection to the log is busy; try again")
        try:
            db = self._idle.get_nowait()
        except queue.Empty:
            try:
                opened = (_pg_open if self.dialect is POSTGRES else _sqlite_open)(self.where, campaign, True)
            except BaseException:
                self._slots.release()
                raise
            db, opened._db = opened._db, None
        return Log(db, self.where, campaign, self.dialect, pool=self)

    def give(self, db: Any) -> None:
        broken = False
        if self.dialect is POSTGRES:
            import psycopg

            broken = db.closed or db.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
        if broken:
            with contextlib.suppress(Exception):
                db.close()
        else:
            self._idle.put(db)
        self._slots.release()

    def close(self) -> None:
        import queue

        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


_pools: dict[str, Pool] = {}


def install_pool(where: str, size: int) -> Pool:
    """Keep connections to the log at ``where`` in a pool of ``size`` from now on (creating the log)."""
    pool = _pools.get(where)
    if pool is None:
        pool = _pools[where] = Pool(where, size)
    return pool


def open_log(where: str, campaign: str, create: bool) -> Log:
    """Open the log at ``where`` (a SQLite file's path, or a postgresql:// URL) for ``campaign`` (its key).

    With ``create`` a missing log is created and an old one migrated; without it a missing log reads as
    empty and nothing is written. A file or database that is not a faxcampaign log, or is one from a
    newer version, is an error and is left untouched.
    """
    pool = _pools.get(where)
    if pool is not None:
        return pool.take(campaign)
    if is_url(where):
        return _pg_open(where, campaign, create)
    return _sqlite_open(where, campaign, create)


def _sqlite_open(where: str, campaign: str, create: bool) -> Log:
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
        _sqlite_identity(db, where)
        if create:
            _sqlite_migrate(db, where)
        elif db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            db.close()
            return _sqlite_open(where, campaign, create=True)  # an older log: bring it up to date first
    except BaseException:
        db.close()
        raise
    return Log(db, where, campaign)


def _sqlite_identity(db: sqlite3.Connection, where: str) -> None:
    try:
        # One snapshot for the three: read one by one, a log another process creates meanwhile could
        # show its tables but not yet its application id, and pass for another database.
        application_id, version, tables = db.execute(
            "SELECT (SELECT application_id FROM pragma_application_id), (SELECT user_version FROM "
            "pragma_user_version), (SELECT count(*) FROM sqlite_master)").fetchone()
    except sqlite3.DatabaseError as e:
        raise LogError(f"{where}: not a faxcampaign log ({e}); left untouched") from e
    if application_id != APPLICATION_ID and (application_id or tables):
        raise LogError(f"{where}: not a faxcampaign log (another SQLite database); left untouched")
    _check_version(version, where)


def _check_version(version: int, where: str) -> None:
    if version > SCHEMA_VERSION:
        raise LogError(f"{public(where)}: this log was written by a newer faxcampaign (schema {version}; this one "
                       f"knows {SCHEMA_VERSION}); upgrade faxcampaign. The log is left untouched")


def _sqlite_migrate(db: sqlite3.Connection, where: str) -> None:
    """Bring the log to this version's schema, in one transaction. Processes that create a new log at once
    race to switch it to WAL, which SQLite refuses at once rather than waiting while another holds it: a
    "locked" answer is tried again until the busy timeout has passed."""
    import time

    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            _sqlite_migrate_once(db, where)
            return
        except LogError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_migrate_once(db: sqlite3.Connection, where: str) -> None:
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


UNREACHABLE = ("nothing was read from it or recorded in it: try again later; a command that records can record "
               "into a file meanwhile (--log local.sqlite), to copy over when the server is back: faxcampaign "
               "log-copy CAMPAIGN local.sqlite URL")


def _pg_open(where: str, campaign: str, create: bool) -> Log:
    try:
        import psycopg
    except ImportError as e:
        raise LogError("a postgresql:// log needs psycopg: pip install 'faxcampaign[postgresql]'") from e
    try:
        db = psycopg.connect(where, autocommit=True, connect_timeout=10, application_name="faxcampaign")
    except psycopg.Error as e:
        raise LogError(f"{public(where)}: cannot reach the log: {_reason(e)}; {UNREACHABLE}") from e
    try:
        version = _pg_version(db, where)
        if version is None and not create:
            db.close()
            return Log(None, where, campaign, POSTGRES)
        if version is None or version < SCHEMA_VERSION:
            _pg_migrate(db, where)
        db.execute(f"SET search_path TO {PG_SCHEMA}")
        # The log's queries are short: compiling them (PostgreSQL's JIT, on for costly-looking plans) took
        # longer than running them, half a second of `status` over 100,000 attempts.
        db.execute("SET jit = off")
    except psycopg.Error as e:
        db.close()
        raise LogError(f"{public(where)}: cannot use the log: {_reason(e)}") from e
    except BaseException:
        db.close()
        raise
    return Log(db, where, campaign, POSTGRES)


def _pg_version(db: Any, where: str) -> int | None:
    """The schema version of the faxcampaign log in this database; None when there is none yet."""
    tables = {r[0] for r in db.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                                       (PG_SCHEMA,)).fetchall()}
    if not tables:
        return None
    if "meta" not in tables:
        raise LogError(f"{public(where)}: not a faxcampaign log (the schema {PG_SCHEMA!r} holds other tables); "
                       "left untouched")
    rows = dict(db.execute(f"SELECT key, value FROM {PG_SCHEMA}.meta").fetchall())
    if rows.get("application") != "faxcampaign":
        raise LogError(f"{public(where)}: not a faxcampaign log; left untouched")
    version = int(rows.get("schema_version", "0"))
    _check_version(version, where)
    return version


def _pg_migrate(db: Any, where: str) -> None:
    db.execute("BEGIN")
    try:
        db.execute("SELECT pg_advisory_xact_lock(%s)", (_PG_LOCK,))  # one migration at a time
        db.execute(f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}")
        db.execute(f"SET LOCAL search_path TO {PG_SCHEMA}")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        rows = dict(db.execute("SELECT key, value FROM meta").fetchall())
        version = int(rows.get("schema_version", "0"))
        _check_version(version, where)
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                db.execute(statement.format(serial=POSTGRES.serial))
        for trigger in _PG_TRIGGERS:
            db.execute(trigger)
        for key, value in (("application", "faxcampaign"), ("schema_version", str(SCHEMA_VERSION))):
            db.execute("INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = "
                       "excluded.value", (key, value))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
