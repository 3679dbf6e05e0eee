"""Inviting participants: one by one or from a CSV, and the links they open.

Every invited participant gets a single-use link ``/s/<token>`` (the token is 256 random bits, see
``models.new_token``); a study's open link ``/s/open/<open_link_token>`` asks for a participant code instead.

The fields a researcher knows about a B2B contact are fixed columns of the invite form and the CSV;
``code``, ``name``, ``email`` and ``language`` are columns of ``Participant``, the others (customer account, CRM
id, relationship stage, revenue band) and any extra CSV columns are stored in ``Participant.attributes``.

A participant's ``language`` (one of the study's languages, or none) is the language their invitation and
reminders are written in and the one their link opens in (``?lang=``); they can still switch on the page, and the
language they consent in is kept from then on.

A CSV import is all or nothing: every row is checked first, and the first problems are reported with their
line and column; nothing is saved unless every row is right.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from flask import current_app, has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from .cells import spreadsheet_row, strip_control_characters
from .flow import EMAIL_PATTERN, LANGUAGES
from .i18n import text as _
from .models import Participant, Study

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

# The attributes every invite form and CSV knows, in display order: (attribute key, English label).
KNOWN_ATTRIBUTES = (
    ("account", "Customer account"),
    ("crm_id", "CRM id"),
    ("relationship_stage", "Relationship stage"),
    ("revenue_band", "Revenue band"),
)

# CSV header -> field. Headers are compared lower-cased with spaces, dashes and underscores removed,
# so "Contact name", "contact_name" and "CONTACT-NAME" are the same column.
HEADER_ALIASES = {
    "code": "code", "participantcode": "code", "participant": "code", "participantid": "code", "id": "code",
    "name": "name", "contactname": "name", "contact": "name",
    "email": "email", "emailaddress": "email", "mail": "email",
    "account": "account", "customeraccount": "account", "customer": "account", "company": "account",
    "crmid": "crm_id", "crm": "crm_id",
    "relationshipstage": "relationship_stage", "stage": "relationship_stage",
    "revenueband": "revenue_band", "revenue": "revenue_band",
    "language": "language", "lang": "language", "locale": "language", "taal": "language", "språk": "language",
}
# What a language cell may say, lower-cased: the code, the language's own name, or its English name.
LANGUAGE_WORDS = {
    **{code: code for code in LANGUAGES}, **{name.lower(): code for code, name in LANGUAGES.items()},
    "english": "en", "engels": "en", "engelsk": "en",
    "dutch": "nl", "nederlands": "nl", "nederlandsk": "nl", "nederlandse": "nl",
    "norwegian": "nb", "norsk": "nb", "no": "nb", "bokmål": "nb", "noors": "nb", "nb-no": "nb", "no-nb": "nb",
    "en-gb": "en", "en-us": "en", "nl-nl": "nl", "nl-be": "nl",
}
MAX_ROWS = 5000
MAX_FIELD = 500
# Lines of the import's error message at most (the rest is summed up as "... and N more").
MAX_ERRORS_SHOWN = 20


class InviteError(ValueError):
    """Invites could not be created. ``problems`` lists each one as "line 4, column email: ..."."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:MAX_ERRORS_SHOWN]
        more = len(problems) - len(shown)
        super().__init__("; ".join(shown) + ("; " + _("... and %(n)d more", n=more) if more > 0 else ""))


@dataclass
class Invitee:
    """One person to invite, as read from the form or a CSV row (not yet saved)."""

    code: str = ""
    name: str = ""
    email: str = ""
    language: str = ""  # as written; "" = not set (the browser's language, else the study's default)
    attributes: dict[str, str] = field(default_factory=dict)
    line: int | None = None  # the CSV line, for error messages


def _where(line: int | None, column: str) -> str:
    return _("line %(line)d, column %(column)s", line=line, column=column) if line is not None else column


def language_code(written: str) -> str | None:
    """The language code a researcher meant by ``written`` ("nb", "Norsk", "Dutch", "nl-BE"), None if unknown;
    "" stays "" (not set)."""
    if not written.strip():
        return ""
    return LANGUAGE_WORDS.get(written.strip().lower())


def check_invitee(invitee: Invitee, taken_codes: set[str], languages: list[str]) -> list[str]:
    """The problems with one invitee (empty when it can be saved); ``taken_codes`` are lower-cased,
    ``languages`` the study's."""
    problems = []
    if language_code(invitee.language) not in ("", *languages):
        problems.append(_where(invitee.line, "language") + ": " + _(
            "%(value)r is not one of this study's languages (%(languages)s)", value=invitee.language,
            languages=", ".join(languages)))
    if invitee.code and not CODE_PATTERN.match(invitee.code):
        problems.append(_where(invitee.line, "code") + ": " + _(
            "%(code)r is not a valid participant code (letters, digits, '.', '_' or '-', at most 100, "
            "starting with a letter or digit)", code=invitee.code))
    elif invitee.code and invitee.code.lower() in taken_codes:
        problems.append(_where(invitee.line, "code") + ": " + _("participant code %(code)r is already used",
                                                                code=invitee.code))
    if invitee.email and not EMAIL_PATTERN.match(invitee.email):
        problems.append(_where(invitee.line, "email") + ": " + _("%(email)r is not an email address",
                                                                 email=invitee.email))
    if len(invitee.name) > 200:
        problems.append(_where(invitee.line, "name") + ": " + _("longer than %(n)d characters", n=200))
    if len(invitee.email) > 254:
        problems.append(_where(invitee.line, "email") + ": " + _("longer than %(n)d characters", n=254))
    for key, value in invitee.attributes.items():
        if len(str(value)) > MAX_FIELD:
            problems.append(_where(invitee.line, key) + ": " + _("longer than %(n)d characters", n=MAX_FIELD))
    return problems


def existing_codes(session: Session, study: Study) -> set[str]:
    """The study's participant codes, lower-cased (codes are compared without case)."""
    codes = session.scalars(select(Participant.code).where(Participant.study_id == study.id,
                                                           Participant.code.is_not(None)))
    return {code.lower() for code in codes}


def next_free_code(taken_codes: set[str], prefix: str = "P") -> str:
    """The first of P001, P002, ... that is not taken (for invitees without a code)."""
    number = 1
    while f"{prefix}{number:03d}".lower() in taken_codes:
        number += 1
    return f"{prefix}{number:03d}"


def check_invitees(session: Session, study: Study, invitees: list[Invitee]) -> list[str]:
    """Every problem with these invitees (codes must be new to the study and unique among them)."""
    taken = existing_codes(session, study)
    languages = list(study.languages or [study.default_language])
    problems = []
    for invitee in invitees:
        found = check_invitee(invitee, taken, languages)
        problems.extend(found)
        if not found and invitee.code:
            taken.add(invitee.code.lower())
    return problems


def create_participants(session: Session, study: Study, invitees: list[Invitee]) -> list[Participant]:
    """Check every invitee, then save them all (or raise InviteError and save none).

    Invitees without a code get the next free ``P001``-style code, so every participant has a stable id
    in exports and analysis.
    """
    problems = check_invitees(session, study, invitees)
    if problems:
        raise InviteError(problems)
    taken = existing_codes(session, study)
    participants = []
    for invitee in invitees:
        code = invitee.code or next_free_code(taken)
        taken.add(code.lower())
        participant = Participant(study=study, code=code, name=invitee.name, email=invitee.email,
                                  language=language_code(invitee.language) or None,
                                  attributes={k: v for k, v in invitee.attributes.items() if v != ""},
                                  source="invite")
        session.add(participant)
        participants.append(participant)
    session.commit()
    return participants


def import_invite_csv(session: Session, study: Study, data: bytes | str) -> list[Participant]:
    """Invite everyone in the CSV, or no one: InviteError lists every problem found, by line."""
    invitees, problems = parse_invite_csv(data)
    problems += check_invitees(session, study, invitees)
    if problems:
        raise InviteError(sorted(problems, key=_line_number))
    return create_participants(session, study, invitees)


def _line_number(problem: str) -> int:
    match = re.search(r"\d+", problem)  # the line number comes first in every language
    return int(match.group(0)) if match else 0


def parse_invite_csv(data: bytes | str) -> tuple[list[Invitee], list[str]]:
    """Parse an invite CSV (comma or semicolon separated, UTF-8 with or without BOM).

    The header row names the columns (see HEADER_ALIASES); unknown columns become attributes under
    their header as written. Returns the readable rows and the problems of the others; a file that cannot be
    read at all (encoding, header, no rows) raises InviteError.
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise InviteError([_("line %(line)d: the file is not UTF-8 text (save it as 'CSV UTF-8')",
                                 line=line)]) from None
    else:
        text = data.lstrip("\ufeff")
    text = strip_control_characters(text)  # a NUL or a vertical tab never reaches a name or an attribute
    if not text.strip():
        raise InviteError([_("the file is empty: the first line must name the columns, e.g. code,name,email")])
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as error:
        raise InviteError([_csv_problem(1, error)]) from None
    columns, problems = _columns(header)
    if problems:
        raise InviteError(problems)
    invitees: list[Invitee] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(columns):
                problems.append(_("line %(line)d: %(n)d fields, but the header names %(columns)d columns",
                                  line=line, n=len(row), columns=len(columns)))
                continue
            invitee = Invitee(line=line)
            for (name, target), cell in zip(columns, row + [""] * (len(columns) - len(row))):
                value = cell.strip()
                if target in ("code", "name", "email", "language"):
                    setattr(invitee, target, value)
                else:
                    invitee.attributes[target] = value
            invitees.append(invitee)
            if len(invitees) > MAX_ROWS:
                raise InviteError([_("line %(line)d: more than %(n)d participants in one file", line=line,
                                     n=MAX_ROWS)])
    except csv.Error as error:
        problems.append(_csv_problem(reader.line_num, error))
    if not invitees and not problems:
        raise InviteError([_("the file has a header but no participants")])
    return invitees, problems


def _csv_problem(line: int, error: csv.Error) -> str:
    """A line the csv module cannot read: most often a field over its 128 KiB limit (a quote left open)."""
    return _("line %(line)d: this line cannot be read as CSV (%(error)s); a field holds at most 128 KiB.", line=line,
             error=error)


def _columns(header: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """(header as written, field or attribute key) per column, and the problems with the header."""
    columns, problems, seen = [], [], {}
    for index, raw in enumerate(header, start=1):
        name = raw.strip()
        if not name:
            problems.append(_("line %(line)d, column %(column)s: the header is empty (name every column)",
                              line=1, column=index))
            continue
        key = re.sub(r"[\s_\-]+", "", name.lower())
        target = HEADER_ALIASES.get(key, name)
        if target in seen:
            problems.append(_("line %(line)d, column %(column)s: the same column as column %(other)s",
                              line=1, column=name, other=seen[target]))
            continue
        seen[target] = name
        columns.append((name, target))
    if not problems and not ({"code", "name", "email"} & set(seen)):
        problems.append(_("line %(line)d: no code, name or email column; the first line must name the "
                          "columns, e.g. code,name,email,account", line=1))
    return columns, problems


# -- links ------------------------------------------------------------------------------------------

def public_base_url() -> str:
    """The site's address for links people open elsewhere: PUBLIC_URL, else the address of this request."""
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return "http://127.0.0.1:5000"


def invite_link(participant: Participant, base_url: str | None = None) -> str:
    """The absolute single-use link of an invited participant; with ``?lang=`` when their language is known, so
    the first page opens in it whatever the browser says (qsort.i18n remembers it for the visit)."""
    link = (base_url or public_base_url()) + f"/s/{participant.token}"
    return f"{link}?lang={participant.language}" if participant.language in LANGUAGES else link


def open_link(study: Study, base_url: str | None = None) -> str:
    """The absolute open link of a study (it asks for a participant code)."""
    return (base_url or public_base_url()) + f"/s/open/{study.open_link_token}"


def links_csv(participants: list[Participant], base_url: str | None = None) -> str:
    """code, name, email, link, language, then every attribute any of them has (sorted), one row per
    participant."""
    base = base_url or public_base_url()
    keys = [key for key, _ in KNOWN_ATTRIBUTES]
    extra = sorted({key for p in participants for key in (p.attributes or {})} - set(keys))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    # Names and attributes come from invite CSVs: every cell through the one neutraliser (qsort/cells.py).
    writer.writerow(spreadsheet_row(["code", "name", "email", "link", "language", *keys, *extra]))
    for p in participants:
        attributes = p.attributes or {}
        writer.writerow(spreadsheet_row([p.code or "", p.name, p.email, invite_link(p, base), p.language or "",
                                         *[attributes.get(k, "") for k in keys + extra]]))
    return out.getvalue()
