"""The signers: one volunteer from the command line, or many from a CSV (name, organisation, address,
email), each checked to be printable in the letter font."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from faxcampaign import csvfile
from faxcampaign.errors import RequestError
from faxcampaign.letters.template import Signer

SIGNER_COLUMNS = ("name", "organisation", "address", "email")
MAX_SIGNER_FIELD = 500


class SignersError(csvfile.CSVError):
    """The signers CSV cannot be used; ``path``, ``line`` and ``column`` say where."""


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
        table = csvfile.read(path, max_field=MAX_SIGNER_FIELD, what="signers CSV")
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
    problem = unprintable(one) if one else None
    if problem:
        raise RequestError(problem, "--signer")
    return one, read_signers(signers_file) if signers_file else None
