"""E-mail invitations and reminders: the texts, who gets a mail, the send queue and the sender. No views here.

The studio's mail page (qsort/blueprints/studio/mail.py) works in three steps, each a function here:

1. **Texts.** Each study has an invite and a reminder mail per language (:class:`qsort.models.MailText`), else the
   built-in default of that language (:data:`DEFAULT_TEXTS`). Subject and body may use the placeholders
   ``{name}``, ``{link}`` and ``{study}``; :func:`check_text` refuses any other, naming the field.
2. **Queue.** :func:`queue_batch` writes one :class:`qsort.models.MailMessage` row per chosen participant, with
   the subject and body rendered in the participant's language (what was previewed is what is sent), or as
   ``skipped`` with the reason (no e-mail address, declined, finished...). The send form's one-time ``batch`` id
   makes a second post of the same form (a double click) queue nothing more.
3. **Send.** :func:`send_queued` (``qsort send-mail``, or a short-lived thread started after the send request)
   claims one queued row at a time with an atomic UPDATE (a lease: a sender that died leaves its row to be
   claimed again after :data:`LEASE`), sends it over SMTP and records ``sent`` or ``failed`` with the reason.
   Any number of senders (gunicorn workers, cron) may run at once: a row is claimed by one of them only, and the
   rate limit (``SMTP_PER_MINUTE``) counts the attempts of all of them, in the database.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from . import invites
from .cells import strip_control_characters
from .flow import EMAIL_PATTERN, PREVIEW, LANGUAGES
from .i18n import text as _
from .models import MailMessage, MailText, Participant, Study, utcnow
from .progress import status_of
from .studies import StudyError

log = logging.getLogger("qsort.mail")

KINDS = ("invite", "reminder")
PLACEHOLDERS = ("name", "link", "study")
# Who a send goes to: the participants ticked in the table, or everyone who has not started / not finished.
AUDIENCES = ("selected", "not_started", "not_finished")
MAX_SUBJECT = 200  # the subject as written (placeholders filled in, it is cut at the column's 300)
MAX_BODY = 20000
BATCH_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
LEASE = timedelta(minutes=10)  # a claimed row whose sender has not finished it by then is claimed again
MAX_ATTEMPTS = 3  # tries (one per LEASE) of a mail failing for a passing reason (server down) before it fails
RATE_WINDOW = timedelta(minutes=1)

# The mails a study starts with, per language: (subject, body). Kept here rather than in the UI catalogues because
# they are study content in the participant's language, not the researcher's interface.
DEFAULT_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "invite": {
        "en": ("Invitation: {study}",
               "Dear {name},\n\n"
               "We would like to know what matters most to you as our customer. Would you take about 20 minutes to "
               "sort a set of short statements by how important they are to you?\n\n"
               "Your personal link:\n{link}\n\n"
               "The link is for you only. You can stop at any time and continue later with the same link; nothing "
               "you have done is lost.\n\n"
               "Thank you in advance!"),
        "nl": ("Uitnodiging: {study}",
               "Beste {name},\n\n"
               "Wij willen graag weten wat voor u als klant het belangrijkst is. Wilt u ongeveer 20 minuten nemen "
               "om een reeks korte stellingen te ordenen naar hoe belangrijk ze voor u zijn?\n\n"
               "Uw persoonlijke link:\n{link}\n\n"
               "De link is alleen voor u. U kunt op elk moment stoppen en later met dezelfde link verdergaan; wat "
               "u al gedaan hebt, gaat niet verloren.\n\n"
               "Alvast hartelijk dank!"),
        "nb": ("Invitasjon: {study}",
               "Kjære {name},\n\n"
               "Vi vil gjerne vite hva som er viktigst for deg som kunde. Vil du bruke omtrent 20 minutter på å "
               "sortere noen korte utsagn etter hvor viktige de er for deg?\n\n"
               "Din personlige lenke:\n{link}\n\n"
               "Lenken er bare for deg. Du kan stoppe når som helst og fortsette senere med den samme lenken; "
               "det du allerede har gjort, går ikke tapt.\n\n"
               "På forhånd takk!"),
    },
    "reminder": {
        "en": ("Reminder: {study}",
               "Dear {name},\n\n"
               "A short reminder: we would still very much like to hear what matters most to you. If you have "
               "already started, the link takes you back to where you left off.\n\n"
               "Your personal link:\n{link}\n\n"
               "Thank you!"),
        "nl": ("Herinnering: {study}",
               "Beste {name},\n\n"
               "Een korte herinnering: we horen nog steeds graag wat voor u het belangrijkst is. Bent u al "
               "begonnen, dan brengt de link u terug naar waar u gebleven was.\n\n"
               "Uw persoonlijke link:\n{link}\n\n"
               "Hartelijk dank!"),
        "nb": ("Påminnelse: {study}",
               "Kjære {name},\n\n"
               "En kort påminnelse: vi vil fortsatt gjerne høre hva som er viktigst for deg. Har du allerede "
               "begynt, tar lenken deg tilbake dit du slapp.\n\n"
               "Din personlige lenke:\n{link}\n\n"
               "Tusen takk!"),
    },
}
# {name} of a participant without a name.
NAME_FALLBACK = {"en": "customer", "nl": "klant", "nb": "kunde"}

_TOKEN = re.compile(r"\{([^{}]*)\}")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


# -- texts -----------------------------------------------------------------------------------------------------

def kind_label(kind: str) -> str:
    return {"invite": _("Invitation"), "reminder": _("Reminder")}.get(kind, kind)


def status_labels() -> dict[str, str]:
    """The states of a mail (MailMessage.status) as the studio shows them."""
    return {"queued": _("queued"), "sent": _("sent"), "failed": _("failed"), "skipped": _("skipped")}


def check_text(subject: str, body: str, language: str) -> None:
    """Refuse (StudyError naming the field) a subject or body with an unknown placeholder or a stray brace, a
    subject on more than one line, or a body without ``{link}`` (the participant could not open the study)."""
    where = LANGUAGES.get(language, language)
    for name, value, label in (("subject", subject, _("Subject")), ("body", body, _("Text"))):
        if not value.strip():
            raise StudyError(_("%(field)s (%(language)s): write something here.", field=label, language=where),
                             name)
        tokens = _TOKEN.findall(value)
        unknown = [token for token in tokens if token not in PLACEHOLDERS]
        if unknown:
            raise StudyError(_("%(field)s (%(language)s): unknown placeholder {%(placeholder)s}; use {name}, "
                               "{link} or {study}.", field=label, language=where, placeholder=unknown[0]), name)
        if value.count("{") != len(tokens) or value.count("}") != len(tokens):
            raise StudyError(_("%(field)s (%(language)s): a brace that is not part of a placeholder; write "
                               "placeholders as {name}, {link} or {study}.", field=label, language=where), name)
    if "\n" in subject or "\r" in subject:
        raise StudyError(_("Subject (%(language)s): one line only.", language=where), "subject")
    if len(subject) > MAX_SUBJECT:
        raise StudyError(_("Subject (%(language)s): longer than %(n)d characters.", language=where,
                           n=MAX_SUBJECT), "subject")
    if len(body) > MAX_BODY:
        raise StudyError(_("Text (%(language)s): longer than %(n)d characters.", language=where, n=MAX_BODY),
                         "body")
    if "{link}" not in body:
        raise StudyError(_("Text (%(language)s): the text must contain {link}, the participant's personal link.",
                           language=where), "body")


def default_text(kind: str, language: str) -> tuple[str, str]:
    texts = DEFAULT_TEXTS[kind]
    return texts.get(language) or texts["en"]


def mail_text(session: Session, study: Study, kind: str, language: str) -> tuple[str, str, bool]:
    """``(subject, body, own)``: the study's own text of this kind in ``language``, else the default
    (``own`` False)."""
    row = session.scalar(select(MailText).where(MailText.study_id == study.id, MailText.kind == kind,
                                                MailText.language == language))
    if row is not None:
        return row.subject, row.body, True
    return (*default_text(kind, language), False)


def save_text(session: Session, study: Study, kind: str, language: str, subject: str, body: str) -> None:
    """Check and store the study's text (not committed). Raises StudyError naming the field."""
    if kind not in KINDS:
        raise StudyError(_("Unknown kind of mail."), "kind")
    if language not in (study.languages or []):
        raise StudyError(_("The study has no language %(language)s.", language=language), "language")
    subject = strip_control_characters(subject).strip()
    body = strip_control_characters(body).replace("\r\n", "\n").strip()
    check_text(subject, body, language)
    row = session.scalar(select(MailText).where(MailText.study_id == study.id, MailText.kind == kind,
                                                MailText.language == language))
    if row is None:
        row = MailText(study_id=study.id, kind=kind, language=language)
        session.add(row)
    row.subject, row.body = subject, body


def reset_text(session: Session, study: Study, kind: str, language: str) -> None:
    """Forget the study's own text: the default is used again (not committed)."""
    row = session.scalar(select(MailText).where(MailText.study_id == study.id, MailText.kind == kind,
                                                MailText.language == language))
    if row is not None:
        session.delete(row)


def mail_language(participant: Participant, study: Study) -> str:
    """The participant's language when the study has it, else the study's default language."""
    if participant.language and participant.language in (study.languages or []):
        return participant.language
    return study.default_language


def one_line(value: str) -> str:
    """``value`` for a mail header: line breaks and other control characters become spaces (no header injection,
    however a name was typed or imported)."""
    return re.sub(r"\s+", " ", re.sub(r"[\x00-\x1f\x7f]", " ", value or "")).strip()


def render(subject: str, body: str, *, name: str, link: str, study_title: str, language: str) -> tuple[str, str]:
    """Fill the placeholders (one pass, so a name that contains ``{link}`` stays text)."""
    values = {"name": one_line(name) or NAME_FALLBACK.get(language, NAME_FALLBACK["en"]), "link": link,
              "study": one_line(study_title)}

    def fill(template: str) -> str:
        return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)

    return one_line(fill(subject))[:300], fill(body)


def render_for(session: Session, study: Study, kind: str, participant: Participant, base_url: str,
               texts: tuple[str, str] | None = None) -> tuple[str, str, str]:
    """``(language, subject, body)`` of this participant's mail: ``texts`` (an unsaved edit being previewed) or
    the study's text in the participant's language."""
    language = mail_language(participant, study)
    subject, body = texts or mail_text(session, study, kind, language)[:2]
    subject, body = render(subject, body, name=participant.name, link=invites.invite_link(participant, base_url),
                           study_title=study.participant_title(language), language=language)
    return language, subject, body


# -- who gets a mail -------------------------------------------------------------------------------------------

def study_participants(session: Session, study: Study) -> list[Participant]:
    """The study's participants (never the studio's preview ones), oldest first."""
    return list(session.scalars(
        select(Participant).where(Participant.study_id == study.id, Participant.source != PREVIEW)
        .options(selectinload(Participant.sort)).order_by(Participant.created_at, Participant.id)))


def audience(participants: list[Participant], chosen: str, selected_ids: set[int]) -> list[Participant]:
    """The participants a send is meant for: those ticked, or those not started / not finished (the
    progress table's statuses, qsort/progress.py, built on qsort/flow.py's definitions)."""
    if chosen == "selected":
        return [p for p in participants if p.id in selected_ids]
    wanted = {"not_started": ("not_started",), "not_finished": ("not_started", "in_progress")}[chosen]
    return [p for p in participants if status_of(p) in wanted]


def skip_reason(participant: Participant) -> str | None:
    """Why this participant gets no mail, or None."""
    if participant.source != "invite":
        return _("no personal link (not invited by link)")
    if not participant.email:
        return _("no e-mail address")
    if not EMAIL_PATTERN.match(participant.email) or one_line(participant.email) != participant.email:
        return _("not a valid e-mail address")
    status = status_of(participant)
    if status == "declined":
        return _("declined to take part")
    if status == "completed":
        return _("already finished")
    return None


@dataclass
class Batch:
    """What one send queued: the rows, and whether they were queued by an earlier post of the same form."""

    batch: str
    queued: list[MailMessage] = field(default_factory=list)
    skipped: list[MailMessage] = field(default_factory=list)
    repeated: bool = False


def batch_rows(session: Session, study: Study, batch: str) -> Batch:
    rows = list(session.scalars(select(MailMessage).where(MailMessage.study_id == study.id,
                                                          MailMessage.batch == batch)
                                .options(selectinload(MailMessage.participant)).order_by(MailMessage.id)))
    result = Batch(batch, repeated=True)
    for row in rows:
        (result.skipped if row.status == "skipped" else result.queued).append(row)
    return result


def queue_batch(session: Session, study: Study, kind: str, batch: str, recipients: list[Participant],
                base_url: str, now: datetime | None = None) -> Batch:
    """Queue one mail per recipient (rendered now), or a ``skipped`` row with the reason; commit.

    A ``batch`` id already used for this study queues nothing and returns the earlier rows (``repeated``): the
    same form posted twice sends once, even when both posts arrive together (the unique (batch, participant)
    constraint refuses the second). Raises StudyError when the study's links do not work (draft, closed).
    """
    if kind not in KINDS:
        raise StudyError(_("Unknown kind of mail."), "kind")
    if not BATCH_PATTERN.match(batch or ""):
        raise StudyError(_("The form expired. Please try again."))
    used = session.scalar(select(MailMessage.study_id).where(MailMessage.batch == batch).limit(1))
    if used is not None:
        if used != study.id:
            raise StudyError(_("The form expired. Please try again."))
        return batch_rows(session, study, batch)
    if study.status != "open":
        raise StudyError(_("The study is not open, so its links do not work: open the study before sending."))
    if not recipients:
        raise StudyError(_("Nobody to send to: choose participants first."), "participants")
    now = now or utcnow()
    result = Batch(batch)
    for participant in recipients:
        reason = skip_reason(participant)
        row = MailMessage(study_id=study.id, participant_id=participant.id, batch=batch, kind=kind,
                          to_address=participant.email[:254], queued_at=now, participant=participant)
        if reason:
            row.status, row.error, row.language = "skipped", reason, mail_language(participant, study)
            result.skipped.append(row)
        else:
            row.status = "queued"
            row.language, row.subject, row.body = render_for(session, study, kind, participant, base_url)
            result.queued.append(row)
        session.add(row)
    try:
        session.commit()
    except IntegrityError:  # the same form posted at the same moment: the other post queued it
        session.rollback()
        return batch_rows(session, study, batch)
    return result


def last_mails(session: Session, study: Study) -> dict[int, MailMessage]:
    """participant id -> the newest mail row of each participant of the study (for the progress table)."""
    newest = (select(func.max(MailMessage.id)).where(MailMessage.study_id == study.id)
              .group_by(MailMessage.participant_id))
    rows = session.scalars(select(MailMessage).where(MailMessage.id.in_(newest)))
    return {row.participant_id: row for row in rows}


@dataclass
class BatchSummary:
    batch: str
    kind: str
    queued_at: datetime
    counts: dict[str, int]


def recent_batches(session: Session, study: Study, limit: int = 10) -> list[BatchSummary]:
    """The study's latest sends, newest first, with how many mails are in each state."""
    rows = session.execute(
        select(MailMessage.batch, MailMessage.kind, MailMessage.status, func.min(MailMessage.queued_at),
               func.count()).where(MailMessage.study_id == study.id)
        .group_by(MailMessage.batch, MailMessage.kind, MailMessage.status)).all()
    batches: dict[str, BatchSummary] = {}
    for batch, kind, status, queued_at, count in rows:
        summary = batches.setdefault(batch, BatchSummary(batch, kind, queued_at, {}))
        summary.queued_at = min(summary.queued_at, queued_at)
        summary.counts[status] = count
    return sorted(batches.values(), key=lambda b: b.queued_at, reverse=True)[:limit]


def new_batch_id() -> str:
    return secrets.token_urlsafe(18)


# -- settings --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    ssl: bool
    sender: str
    per_minute: int
    timeout: int


def missing_settings(config) -> list[str]:
    """The settings sending still needs (empty when it is configured)."""
    missing = [f"QSORT_{name}" for name in ("SMTP_HOST", "SMTP_FROM") if not config.get(name)]
    if config.get("SMTP_FROM") and "@" not in parseaddr(str(config["SMTP_FROM"]))[1]:
        missing.append("QSORT_SMTP_FROM")
    return missing


def smtp_settings(config) -> SmtpSettings | None:
    """The SMTP settings (``QSORT_SMTP_*``), or None when sending is not configured."""
    if missing_settings(config):
        return None
    use_ssl = bool(config.get("SMTP_SSL"))
    return SmtpSettings(host=str(config["SMTP_HOST"]), port=int(config.get("SMTP_PORT") or (465 if use_ssl else 587)),
                        username=config.get("SMTP_USERNAME") or None, password=config.get("SMTP_PASSWORD") or None,
                        starttls=bool(config.get("SMTP_STARTTLS")) and not use_ssl, ssl=use_ssl,
                        sender=str(config["SMTP_FROM"]), per_minute=int(config.get("SMTP_PER_MINUTE") or 30),
                        timeout=int(config.get("SMTP_TIMEOUT") or 30))


# -- the message -----------------------------------------------------------------------------------------------

def build_message(settings: SmtpSettings, row: MailMessage, name: str, now: datetime) -> EmailMessage:
    """The mail as it goes out. Every header value goes through EmailMessage's header objects (and
    :func:`one_line`), so no name or subject can add a header or a recipient."""
    message = EmailMessage()
    message["From"] = settings.sender
    local, _at, domain = row.to_address.partition("@")
    message["To"] = Address(display_name=one_line(name), username=local, domain=domain)
    message["Subject"] = one_line(row.subject)
    message["Date"] = format_datetime(now.replace(tzinfo=timezone.utc))
    message["Message-ID"] = make_msgid(domain=parseaddr(settings.sender)[1].rpartition("@")[2] or None)
    message.set_content(row.body)  # (it replaces every Content-* header: the language comes after it)
    message["Content-Language"] = row.language
    return message


class Outbox:
    """One SMTP connection for a sender's run, opened on the first mail and opened again if the server hung up."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.ssl:
            connection = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.starttls:
                connection.starttls(context=ssl.create_default_context())
        if s.username:
            connection.login(s.username, s.password or "")
        return connection

    def send(self, message: EmailMessage, to_address: str) -> None:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = self._connect()
            try:
                # The envelope names the one recipient: whatever a header said, nobody else receives it.
                self.connection.send_message(message, to_addrs=[to_address])
                return
            except smtplib.SMTPServerDisconnected:
                self.connection = None
                if attempt == 2:
                    raise

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.connection = None


def classify(error: Exception) -> tuple[bool, str]:
    """``(permanent, reason)``: whether a mail failing with ``error`` would fail again (a refused recipient), or
    may go through later (server down, busy, a 4xx answer)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()), (550, b"recipient refused"))
        return code >= 500, f"{code} {_decode(text)}"
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500 and not isinstance(error, smtplib.SMTPAuthenticationError), \
            f"{error.smtp_code} {_decode(error.smtp_error)}"
    if isinstance(error, (ValueError, TypeError)):
        return True, str(error) or error.__class__.__name__
    return False, str(error) or error.__class__.__name__


def _decode(text) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


# -- the sender ------------------------------------------------------------------------------------------------

@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0  # failed for a passing reason: left queued for the next run
    stopped: str = ""  # why the run ended before the queue was empty ("rate", "time", "server"), else ""


def sender_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{secrets.token_hex(3)}"


def claim(session: Session, row_id: int, sender: str, now: datetime) -> bool:
    """Take the row for this sender, if it is still queued and nobody holds it (or their lease ran out).

    One UPDATE with the condition in its WHERE: of several senders trying the same row, the database lets
    exactly one change it (rowcount 1); the others see 0 and move on. The attempt counts for the rate limit
    from here on, whatever happens next.
    """
    result = session.execute(
        update(MailMessage)
        .where(MailMessage.id == row_id, MailMessage.status == "queued",
               or_(MailMessage.claimed_at.is_(None), MailMessage.claimed_at < now - LEASE))
        .values(claimed_by=sender, claimed_at=now, attempted_at=now, attempts=MailMessage.attempts + 1)
        .execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount == 1


def claim_next(session: Session, sender: str, now: datetime) -> MailMessage | None:
    """The oldest queued row this sender managed to claim, or None when there is nothing left to claim."""
    candidates = session.scalars(
        select(MailMessage.id).where(MailMessage.status == "queued",
                                     or_(MailMessage.claimed_at.is_(None), MailMessage.claimed_at < now - LEASE))
        .order_by(MailMessage.id).limit(20)).all()
    for row_id in candidates:
        if claim(session, row_id, sender, now):
            session.expire_all()
            return session.get(MailMessage, row_id, options=[selectinload(MailMessage.participant)])
    return None


def rate_wait(session: Session, per_minute: int, now: datetime) -> float:
    """Seconds to wait before the next attempt keeps every minute at ``per_minute`` attempts at most (all
    senders together); 0 when one may go now."""
    recent = session.scalars(select(MailMessage.attempted_at).where(MailMessage.attempted_at > now - RATE_WINDOW)
                             .order_by(MailMessage.attempted_at)).all()
    if len(recent) < per_minute:
        return 0.0
    frees_at = recent[len(recent) - per_minute] + RATE_WINDOW
    return max((frees_at - now).total_seconds(), 0.0) + 0.001


def _finish(session: Session, row: MailMessage, sender: str, **values) -> None:
    """Record the outcome, only while the row is still this sender's (its lease was not taken over)."""
    session.execute(update(MailMessage).where(MailMessage.id == row.id, MailMessage.claimed_by == sender)
                    .values(**values).execution_options(synchronize_session=False))
    session.commit()


def deliver(session: Session, outbox: Outbox, row: MailMessage, sender: str, now: datetime) -> str:
    """Send one claimed row; record and return its outcome: "sent", "failed" or "deferred"."""
    try:
        outbox.send(build_message(outbox.settings, row, row.participant.name, now), row.to_address)
    except (smtplib.SMTPException, OSError, ValueError, TypeError) as error:
        permanent, reason = classify(error)
        if not isinstance(error, (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused, ValueError)):
            outbox.close()  # the connection is in an unknown state: the next mail opens a new one
        if permanent or row.attempts >= MAX_ATTEMPTS:
            _finish(session, row, sender, status="failed", error=reason[:2000])
            log.warning("mail %s to participant %s failed: %s", row.id, row.participant_id, reason)
            return "failed"
        # Back in the queue, but claimed_at stays: nobody tries it again before the lease has run out (a backoff
        # for a server that is down, instead of three tries in three minutes of cron).
        _finish(session, row, sender, claimed_by=None, error=reason[:2000])
        log.warning("mail %s deferred (try %d): %s", row.id, row.attempts, reason)
        return "deferred"
    _finish(session, row, sender, status="sent", sent_at=now, error="")
    return "sent"


def send_queued(session: Session, settings: SmtpSettings, *, clock: Callable[[], datetime] = utcnow,
                sleep: Callable[[float], None] = time.sleep, max_seconds: float = 600,
                sender: str | None = None, limit: int | None = None) -> SendReport:
    """Send queued mails until none is left (or ``limit`` were tried, or ``max_seconds`` would be exceeded by
    waiting for the rate limit). ``clock`` and ``sleep`` are injected by tests, so the rate limit is tested
    without waiting. A mail failing for a passing reason stays queued and ends the run (the server is
    probably down: the next run tries again)."""
    sender = sender or sender_name()
    report = SendReport()
    started = clock()
    outbox = Outbox(settings)
    try:
        while limit is None or report.sent + report.failed + report.deferred < limit:
            wait = rate_wait(session, settings.per_minute, clock())
            if wait:
                if (clock() - started).total_seconds() + wait > max_seconds:
                    report.stopped = "rate"
                    break
                sleep(wait)
                continue
            row = claim_next(session, sender, clock())
            if row is None:
                break
            outcome = deliver(session, outbox, row, sender, clock())
            setattr(report, outcome, getattr(report, outcome) + 1)
            if outcome == "deferred":
                report.stopped = "server"
                break
    finally:
        outbox.close()
    return report


def start_sender_thread(app) -> threading.Thread | None:
    """Send the queue in a short-lived thread of this process (after a send request), so the request answers at
    once. Several such threads (and cron's ``qsort send-mail``) may run together: rows are claimed one by one.
    A process that ends mid-way leaves its claimed row to the next sender after :data:`LEASE`."""
    settings = smtp_settings(app.config)
    if settings is None or not app.config.get("MAIL_SEND_AFTER_REQUEST", True):
        return None

    def run() -> None:
        session = app.extensions["qsort_sessionmaker"]()
        try:
            report = send_queued(session, settings)
            log.info("mail sender: %d sent, %d failed, %d deferred%s", report.sent, report.failed, report.deferred,
                     f" (stopped: {report.stopped})" if report.stopped else "")
        except Exception:  # a thread's error would otherwise vanish
            log.exception("mail sender failed")
        finally:
            session.close()

    thread = threading.Thread(target=run, name="qsort-mail-sender", daemon=True)
    threads = app.extensions.setdefault("qsort_mail_threads", [])
    threads[:] = [t for t in threads if t.is_alive()]
    threads.append(thread)  # tests join them
    thread.start()
    return thread
