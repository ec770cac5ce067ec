"""The signers: one volunteer from the command line, or many from a CSV (name, organisation, address,
email), each checked to be printable in the letter font."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from faxcampaign import csvfile, limits
from faxcampaign.errors import RequestError
from faxcampaign.letters.template import Signer

SIGNER_COLUMNS = ("name", "organisation", "address", "email")


class SignersError(csvfile.CSVError):
    """The signers CSV cannot be used; ``path``, ``line`` and ``column`` say where."""


def too_long(signer: Signer) -> tuple[str, str] | None:
    """(the field, why) when a part of ``signer`` is longer than a line of the letter may be, else None."""
    parts = [("name", signer.name), ("organisation", signer.organisation), ("email", signer.email),
             *(("address", line) for line in signer.address)]
    for field, value in parts:
        problem = limits.too_long(value or "", limits.LINE)
        if problem:
            return field, problem
    return None


def unprintable(signer: Signer) -> str | None:
    """Why the letter font cannot print this signer, naming the characters; None when it can."""
    from faxcampaign.letters.pdf import missing_glyphs

    text = "\n".join(x for x in (signer.name, signer.organisation, *signer.address, signer.email, signer.phone) if x)
    missing = missing_glyphs(text)
    if not missing:
        return None
    shown = " ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:10])
    return f"the letter font cannot print {shown} in the signer {signer.name!r}"


def read_signers(path: Path) -> list[Signer]:
    """Signers from a UTF-8 CSV with a header: name (required), organisation, address, email (optional).

    Separated by commas or, as European spreadsheets save them, by semicolons. An address of several
    lines is written with a line break inside the cell (or, in a comma-separated file, with ``;``).
    """
    try:
        table = csvfile.read(path, what="signers CSV")  # each part of a signer is checked (too_long)
    except csvfile.CSVError as e:
        raise SignersError(e.path, e.line, e.column, e.message) from e
    if "name" not in table.header:
        hint = " (is it separated by something other than commas or semicolons?)" if len(table.header) == 1 else ""
        raise SignersError(path, 1, 0, f"no 'name' column{hint}; the header names name and, if you like, "
                                       f"{', '.join(SIGNER_COLUMNS[1:])}")
    signers: list[Signer] = []
    slugs: dict[str, int] = {}
    separator = ";" if table.delimiter == "," else "\n"
    for row in table.rows:
        cells = row.cells
        name = " ".join(cells.get("name", "").split())
        if not name:
            raise SignersError(path, row.line, 0, "the name is empty")
        address = [part.strip() for part in cells.get("address", "").replace("\n", separator).split(separator)]
        signer = Signer(name, cells.get("organisation") or None, tuple(a for a in address if a),
                        cells.get("email") or None)
        long = too_long(signer)
        if long:
            raise SignersError(path, row.line, row.column(long[0]), f"{long[0]}: {long[1]}")
        problem = unprintable(signer)
        if problem:
            raise SignersError(path, row.line, 0, problem)
        if signer.slug in slugs:
            raise SignersError(path, row.line, row.column("name"), f"{name!r} makes the same folder name "
                               f"({signer.slug}) as line {slugs[signer.slug]}")
        slugs[signer.slug] = row.line
        signers.append(signer)
    if not signers:
        raise SignersError(path, 0, 0, "no signers below the header")
    return signers


def choose(signer: str | None, organisation: str | None, address: Sequence[str], email: str | None,
           signers_file: Path | None) -> tuple[Signer | None, list[Signer] | None]:
    """(one signer or None, many signers or None), from the options that name them, checked as `render`
    checks them."""
    if signer and signers_file:
        raise RequestError("give either --signer or --signers, not both", usage=True)
    if not signer and (organisation or address or email):
        raise RequestError("--organisation, --address and --email describe --signer; give --signer too", usage=True)
    one = Signer(" ".join(signer.split()), organisation, tuple(address), email) if signer and signer.strip() else None
    long = too_long(one) if one else None
    if long:
        raise RequestError(f"{long[0]}: {long[1]}", option="--signer" if long[0] == "name" else f"--{long[0]}")
    problem = unprintable(one) if one else None
    if problem:
        raise RequestError(problem, "--signer")
    return one, read_signers(signers_file) if signers_file else None
