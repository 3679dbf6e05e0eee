"""E-mail invitations and reminders, against a real SMTP server on loopback (aiosmtpd, tests/smtpserver.py): the
texts and their placeholders, the preview, who is sent what in which language, the queue (a double click sends
once, two senders racing send each mail once, a dead sender's mail is sent again), failures recorded and shown
per participant, header injection, and the rate limit with an injected clock."""
from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from qsort import mail
from qsort.models import MailMessage, MailText, Participant, Study
from qsort.studies import StudyError
from tests.factories import csrf_from, make_participant, make_study
from tests.smtpserver import SmtpServer

PUBLIC_URL = "https://survey.example.com"


@pytest.fixture
def smtp(app):
    with SmtpServer() as server:
        app.config.update(server.settings(), PUBLIC_URL=PUBLIC_URL, MAIL_SEND_AFTER_REQUEST=False)
        yield server


@pytest.fixture
def study(session, researcher):
    """An open study of Ana's in en/nl/nb, with: Anna (Dutch, not started), Bob (no language, in progress),
    Cleo (finished), Dirk (no e-mail address) and the factory's own participant (no e-mail address)."""
    study, _token = make_study(session, title="Supplier study")
    study.owner = researcher
    study.texts = {**study.texts, "title": {"en": "What matters to you", "nl": "Wat voor u telt",
                                            "nb": "Hva som betyr noe for deg"}}
    make_participant(session, study, "ANNA", name="Anna de Vries")
    make_participant(session, study, "BOB", state="started", name="Bob Smith")
    make_participant(session, study, "CLEO", state="submitted", name="Cleo Berg")
    dirk = make_participant(session, study, "DIRK", name="Dirk")
    dirk.email = ""
    anna = person(session, study, "ANNA")
    anna.language = "nl"
    session.commit()
    return study


def person(session, study, code) -> Participant:
    return session.scalar(select(Participant).where(Participant.study_id == study.id, Participant.code == code))


def link_of(participant) -> str:
    return f"{PUBLIC_URL}/s/{participant.token}"


def hidden(response, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', response.get_data(as_text=True))
    assert match, f"no hidden {name} field on the page"
    return match.group(1)


def send_form(client, study, **fields):
    """GET the mail page and POST its send form with ``fields`` (as the browser would)."""
    page = client.get(f"/studio/{study.id}/mail")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page), "batch": hidden(page, "batch"), "kind": "invite", "audience": "selected"}
    data.update(fields)
    return data


def run_sender(app, **kwargs) -> mail.SendReport:
    session = app.extensions["qsort_sessionmaker"]()
    try:
        return mail.send_queued(session, mail.smtp_settings(app.config), **kwargs)
    finally:
        session.close()


# -- texts --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("subject, body, field, words", [
    ("Hello {naam}", "{link}", "subject", ["Subject (Nederlands)", "{naam}"]),
    ("Hello", "Dear {Name}, {link}", "body", ["Text (Nederlands)", "{Name}"]),
    ("Hello", "Dear {name, {link}", "body", ["Text (Nederlands)", "brace"]),
    ("Hello", "Dear {name}, see you", "body", ["Text (Nederlands)", "{link}"]),
    ("Hello\nBcc: x@example.com", "{link}", "subject", ["Subject (Nederlands)", "one line"]),
    ("", "{link}", "subject", ["Subject (Nederlands)"]),
])
def test_check_text_names_the_field(subject, body, field, words):
    with pytest.raises(StudyError) as caught:
        mail.check_text(subject, body, "nl")
    assert caught.value.field == field
    for word in words:
        assert word in caught.value.message


def test_defaults_in_every_language_are_valid_and_translated():
    for kind in mail.KINDS:
        bodies = set()
        for language in ("en", "nl", "nb"):
            subject, body = mail.default_text(kind, language)
            mail.check_text(subject, body, language)
            bodies.add(body)
        assert len(bodies) == 3  # no language copies another's text


def test_render_fills_placeholders_once():
    subject, body = mail.render("Hi {name}", "Dear {name}: {link} ({study})", name="Eve {link}",
                                link="https://x/s/T", study_title="Study", language="en")
    assert subject == "Hi Eve {link}" and body == "Dear Eve {link}: https://x/s/T (Study)"
    assert mail.render("{name}", "{link}", name="", link="L", study_title="S", language="nb")[0] == "kunde"


def test_edit_preview_and_save_a_text(client, auth, study, session, app):
    app.config["PUBLIC_URL"] = PUBLIC_URL
    auth.login()
    anna = person(session, study, "ANNA")
    url = f"/studio/{study.id}/mail?kind=invite&language=nl"
    page = client.get(url)
    assert "Uitnodiging: {study}" in page.get_data(as_text=True)  # the Dutch default, ready to edit
    data = {"csrf_token": csrf_from(page), "subject": "Uw mening over {study}",
            "body": "Beste {name},\n\nKlik hier: {link}\n\nDank!", "preview_for": str(anna.id), "action": "preview"}
    preview = client.post(url, data=data)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert 'id="preview-subject">Uw mening over Wat voor u telt<' in html
    assert "Beste Anna de Vries," in html and link_of(anna) in html
    assert session.scalar(select(MailText).where(MailText.study_id == study.id)) is None  # a preview saves nothing

    saved = client.post(url, data={**data, "action": "save"})
    assert saved.status_code == 302
    session.expire_all()
    row = session.scalar(select(MailText).where(MailText.study_id == study.id))
    assert (row.kind, row.language, row.subject) == ("invite", "nl", "Uw mening over {study}")
    assert "Uw mening over {study}" in client.get(url).get_data(as_text=True)


def test_unknown_placeholder_is_refused_beside_its_field(client, auth, study, session):
    auth.login()
    url = f"/studio/{study.id}/mail?kind=reminder&language=en"
    page = client.get(url)
    response = client.post(url, data={"csrf_token": csrf_from(page), "subject": "Reminder {voornaam}",
                                      "body": "{link}", "action": "save"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="subject-error">Subject (English): unknown placeholder {voornaam}' in html
    assert session.scalar(select(MailText).where(MailText.study_id == study.id)) is None


def test_without_smtp_settings_the_page_says_so_and_nothing_is_sent(client, auth, study, session):
    auth.login()
    page = client.get(f"/studio/{study.id}/mail")
    html = page.get_data(as_text=True)
    assert "Sending is not configured." in html and "QSORT_SMTP_HOST, QSORT_SMTP_FROM" in html
    assert 'id="preview-body"' in html  # editing and preview still work
    anna = person(session, study, "ANNA")
    response = client.post(f"/studio/{study.id}/mail/send",
                           data={"csrf_token": csrf_from(page), "batch": hidden(page, "batch"), "kind": "invite",
                                 "audience": "selected", "participants": [anna.id]})
    assert response.status_code == 400 and "nothing was sent" in response.get_data(as_text=True)
    assert session.scalar(select(MailMessage)) is None


# -- sending ------------------------------------------------------------------------------------------------

def test_invites_are_delivered_in_each_participants_language(client, auth, study, session, app, smtp):
    auth.login()
    ids = [person(session, study, code).id for code in ("ANNA", "BOB", "CLEO", "DIRK")]
    response = client.post(f"/studio/{study.id}/mail/send", data=send_form(client, study, participants=ids))
    assert response.status_code == 302
    batch_page = client.get(response.headers["Location"]).get_data(as_text=True)
    # Cleo finished and Dirk has no address: both listed as skipped, with the reason
    assert "already finished" in batch_page and "no e-mail address" in batch_page
    assert smtp.messages == []  # the request only queued

    report = run_sender(app)
    assert (report.sent, report.failed) == (2, 0)
    anna, bob = person(session, study, "ANNA"), person(session, study, "BOB")
    [to_anna] = smtp.to("anna@ex.com")
    assert to_anna["Subject"] == "Uitnodiging: Wat voor u telt"
    assert to_anna["To"].addresses[0].display_name == "Anna de Vries"
    assert to_anna["From"] == "Survey team <survey@example.com>"
    assert to_anna["Content-Language"] == "nl"
    body = to_anna.get_content()
    assert body.startswith("Beste Anna de Vries,") and f"{link_of(anna)}?lang=nl" in body  # opens in Dutch
    [to_bob] = smtp.to("bob@ex.com")
    assert to_bob["Subject"] == "Invitation: What matters to you"
    assert "Dear Bob Smith," in to_bob.get_content() and link_of(bob) in to_bob.get_content()
    assert f"{link_of(bob)}?lang" not in to_bob.get_content()  # no language known: the browser's decides
    assert len(smtp.messages) == 2

    session.expire_all()
    statuses = {row.participant.code: row.status for row in session.scalars(select(MailMessage))}
    assert statuses == {"ANNA": "sent", "BOB": "sent", "CLEO": "skipped", "DIRK": "skipped"}
    table = client.get(f"/studio/{study.id}/participants").get_data(as_text=True)
    row_of_anna = table.split(f'id="p-{anna.id}"')[1].split("</tr>")[0]
    assert "Invitation: sent" in row_of_anna


def test_a_refused_recipient_is_recorded_and_shown(client, auth, study, session, app, smtp):
    auth.login()
    smtp.refuse.add("anna@ex.com")
    ids = [person(session, study, code).id for code in ("ANNA", "BOB")]
    client.post(f"/studio/{study.id}/mail/send", data=send_form(client, study, participants=ids))
    report = run_sender(app)
    assert (report.sent, report.failed) == (1, 1)
    assert [m["To"].addresses[0].addr_spec for m in smtp.messages] == ["bob@ex.com"]
    session.expire_all()
    anna = person(session, study, "ANNA")
    row = session.scalar(select(MailMessage).where(MailMessage.participant_id == anna.id))
    assert row.status == "failed" and row.error.startswith("550") and "mailbox unavailable" in row.error
    table = client.get(f"/studio/{study.id}/participants").get_data(as_text=True)
    row_of_anna = table.split(f'id="p-{anna.id}"')[1].split("</tr>")[0]
    assert "Invitation: failed" in row_of_anna and "mailbox unavailable" in row_of_anna
    mail_page = client.get(f"/studio/{study.id}/mail").get_data(as_text=True)
    assert "mailbox unavailable" in mail_page.split(f'id="m-{anna.id}"')[1].split("</tr>")[0]


def test_a_double_click_sends_once(client, auth, study, session, app, smtp):
    auth.login()
    data = send_form(client, study, participants=[person(session, study, "ANNA").id])
    first = client.post(f"/studio/{study.id}/mail/send", data=data)
    second = client.post(f"/studio/{study.id}/mail/send", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert "nothing was queued again" in client.get(second.headers["Location"]).get_data(as_text=True)
    run_sender(app)
    assert len(smtp.messages) == 1
    assert session.scalar(select(MailMessage.id).where(MailMessage.id > 1)) is None


def test_the_send_form_checks_its_token_and_batch(client, auth, study, session, smtp):
    auth.login()
    data = send_form(client, study, participants=[person(session, study, "ANNA").id])
    assert client.post(f"/studio/{study.id}/mail/send", data={**data, "csrf_token": "x"}).status_code == 400
    assert client.post(f"/studio/{study.id}/mail/send", data={**data, "batch": "short"}).status_code == 400
    assert client.post(f"/studio/{study.id}/mail/send", data={**data, "participants": ["999999"]}).status_code == 400
    nobody = client.post(f"/studio/{study.id}/mail/send", data={**data, "participants": []})
    assert nobody.status_code == 400 and "Nobody to send to" in nobody.get_data(as_text=True)
    assert session.scalar(select(MailMessage)) is None


def test_reminders_go_to_who_has_not_started_or_not_finished(client, auth, study, session, app, smtp):
    auth.login()
    declined = make_participant(session, study, "EVA", name="Eva")
    declined.consent = "declined"
    session.commit()
    client.post(f"/studio/{study.id}/mail/send",
                data=send_form(client, study, kind="reminder", audience="not_started"))
    run_sender(app)
    assert [m["To"].addresses[0].addr_spec for m in smtp.messages] == ["anna@ex.com"]
    assert smtp.messages[0]["Subject"] == "Herinnering: Wat voor u telt"
    client.post(f"/studio/{study.id}/mail/send",
                data=send_form(client, study, kind="reminder", audience="not_finished"))
    run_sender(app)
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp.messages[1:]) == ["anna@ex.com", "bob@ex.com"]
    assert "Dear Bob Smith" in smtp.to("bob@ex.com")[0].get_content()


def test_a_draft_study_sends_nothing(client, auth, study, session, smtp):
    auth.login()
    study.status = "draft"
    session.commit()
    response = client.post(f"/studio/{study.id}/mail/send",
                           data=send_form(client, study, participants=[person(session, study, "ANNA").id]))
    assert response.status_code == 400 and "open the study before sending" in response.get_data(as_text=True)
    assert session.scalar(select(MailMessage)) is None


def test_the_sender_thread_after_the_request_sends(client, auth, study, session, app, smtp):
    app.config["MAIL_SEND_AFTER_REQUEST"] = True
    auth.login()
    client.post(f"/studio/{study.id}/mail/send",
                data=send_form(client, study, participants=[person(session, study, "BOB").id]))
    for thread in app.extensions["qsort_mail_threads"]:
        thread.join(timeout=30)
    assert [m["To"].addresses[0].addr_spec for m in smtp.messages] == ["bob@ex.com"]


def test_no_header_injection_through_a_name(client, auth, study, session, app, smtp):
    auth.login()
    bob = person(session, study, "BOB")
    bob.name = "Bob\r\nBcc: mallory@evil.example\r\nSubject: pwned"
    session.add(MailText(study_id=study.id, kind="invite", language="en", subject="For {name}",
                         body="Hi {name}\n{link}"))
    session.commit()
    client.post(f"/studio/{study.id}/mail/send", data=send_form(client, study, participants=[bob.id]))
    run_sender(app)
    [(envelope_from, recipients)] = smtp.envelopes
    assert recipients == ["bob@ex.com"]
    [message] = smtp.messages
    assert message["Bcc"] is None and len(message.get_all("Subject")) == 1
    assert message["Subject"] == "For Bob Bcc: mallory@evil.example Subject: pwned"
    assert [a.addr_spec for a in message["To"].addresses] == ["bob@ex.com"]


# -- the queue: claims, leases, the rate limit ---------------------------------------------------------------

def queue_many(session, study, count: int) -> list[Participant]:
    people = [make_participant(session, study, f"Q{i:03d}", name=f"Quinn {i}") for i in range(count)]
    mail.queue_batch(session, study, "invite", mail.new_batch_id(), people, PUBLIC_URL)
    return people


def test_two_senders_racing_send_each_mail_once(app, study, session, smtp):
    people = queue_many(session, study, 24)
    app.config["SMTP_PER_MINUTE"] = 1000
    reports = []
    start = threading.Barrier(2)

    def sender():
        start.wait()
        reports.append(run_sender(app))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    delivered = sorted(recipient for _from, rcpts in smtp.envelopes for recipient in rcpts)
    assert delivered == sorted(p.email for p in people)  # every one once, none twice
    assert sum(report.sent for report in reports) == 24
    session.expire_all()
    assert {row.status for row in session.scalars(select(MailMessage))} == {"sent"}


def test_a_claim_is_taken_once_and_a_dead_senders_lease_runs_out(study, session):
    queue_many(session, study, 1)
    row_id = session.scalar(select(MailMessage.id))
    now = datetime(2026, 5, 1, 9, 0)
    assert mail.claim(session, row_id, "worker-a", now)
    assert not mail.claim(session, row_id, "worker-b", now + timedelta(seconds=5))
    assert mail.claim_next(session, "worker-b", now + timedelta(seconds=5)) is None
    # worker-a died: after the lease the row is claimed again, and worker-a's late answer no longer counts
    later = now + mail.LEASE + timedelta(seconds=1)
    row = mail.claim_next(session, "worker-b", later)
    assert row is not None and row.id == row_id and row.claimed_by == "worker-b" and row.attempts == 2
    mail._finish(session, row, "worker-a", status="failed", error="late")
    session.expire_all()
    assert session.get(MailMessage, row_id).status == "queued"


def test_the_rate_limit_with_an_injected_clock(app, study, session, smtp):
    queue_many(session, study, 5)
    app.config["SMTP_PER_MINUTE"] = 2
    now = [datetime(2026, 5, 1, 9, 0)]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += timedelta(seconds=seconds)

    report = run_sender(app, clock=lambda: now[0], sleep=sleep)
    assert report.sent == 5 and len(smtp.messages) == 5
    assert [round(s) for s in sleeps] == [60, 60]
    session.expire_all()
    times = sorted(row.attempted_at for row in session.scalars(select(MailMessage)))
    for first in times:  # no minute holds more than 2 attempts
        assert sum(first <= t < first + timedelta(minutes=1) for t in times) <= 2


def test_the_rate_limit_ends_a_run_that_would_wait_too_long(app, study, session, smtp):
    queue_many(session, study, 3)
    app.config["SMTP_PER_MINUTE"] = 1
    now = [datetime(2026, 5, 1, 9, 0)]
    report = run_sender(app, clock=lambda: now[0], sleep=lambda s: pytest.fail("must not wait"), max_seconds=30)
    assert (report.sent, report.stopped) == (1, "rate")
    session.expire_all()
    assert sorted(row.status for row in session.scalars(select(MailMessage))) == ["queued", "queued", "sent"]


def test_a_server_that_is_down_defers_then_fails(app, study, session):
    from tests.smtpserver import free_port

    queue_many(session, study, 2)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_FROM="s@example.com",
                      SMTP_STARTTLS=False)
    now = [datetime(2026, 5, 1, 9, 0)]
    for attempt in range(1, mail.MAX_ATTEMPTS + 1):
        report = run_sender(app, clock=lambda: now[0], sleep=lambda s: None)
        session.expire_all()
        first = session.scalar(select(MailMessage).order_by(MailMessage.id))
        assert first.attempts == attempt and first.error  # the reason is kept (connection refused)
        if attempt < mail.MAX_ATTEMPTS:
            assert (report.deferred, report.stopped, first.status) == (1, "server", "queued")
            # tried again only once the lease has run out (a backoff), not by the next run a minute later
            retry = run_sender(app, clock=lambda: now[0] + timedelta(minutes=1), sleep=lambda s: None)
            assert (retry.deferred, retry.failed) == (1, 0)  # it tried the second mail, not the first again
        now[0] += mail.LEASE + timedelta(minutes=1)
    assert first.status == "failed" and report.failed == 1


def test_send_mail_command(app, study, session, smtp, monkeypatch, tmp_path):
    """``qsort send-mail`` sends the queue with the settings from the environment (as cron runs it)."""
    from click.testing import CliRunner

    from qsort.cli import main

    queue_many(session, study, 2)
    env = {"QSORT_DATABASE_URL": app.config["DATABASE_URL"], "QSORT_SECRET_KEY": "x",
           "QSORT_SMTP_HOST": "127.0.0.1", "QSORT_SMTP_PORT": str(smtp.port), "QSORT_SMTP_STARTTLS": "false",
           "QSORT_SMTP_FROM": "survey@example.com"}
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["send-mail"], env=env)
    assert result.exit_code == 0, result.output
    assert "2 sent, 0 failed" in result.output and len(smtp.messages) == 2
    unconfigured = CliRunner().invoke(main, ["send-mail"], env={**env, "QSORT_SMTP_HOST": ""})
    assert unconfigured.exit_code == 1 and "QSORT_SMTP_HOST" in unconfigured.output
    wrong = CliRunner().invoke(main, ["send-mail"], env={**env, "QSORT_SMTP_PORT": "smtp"})
    assert wrong.exit_code == 2 and "QSORT_SMTP_PORT must be a whole number" in wrong.output
    assert "Traceback" not in wrong.output


def test_settings_are_checked():
    from qsort import create_app

    with pytest.raises(ValueError, match="QSORT_SMTP_PORT"):
        create_app({"SECRET_KEY": "x", "DATABASE_URL": "sqlite://", "SMTP_PORT": "abc"})
    with pytest.raises(ValueError, match="QSORT_SMTP_STARTTLS"):
        create_app({"SECRET_KEY": "x", "DATABASE_URL": "sqlite://", "SMTP_STARTTLS": "yes"})


def test_two_posts_of_one_form_at_the_same_moment_queue_once(app, study, session):
    """The second post passed the "batch already used?" check before the first committed: the unique
    (batch, participant) constraint refuses its rows, and it answers with the first post's."""
    from sqlalchemy import event

    anna = person(session, study, "ANNA")
    batch = mail.new_batch_id()
    other = app.extensions["qsort_sessionmaker"]()
    first: list[mail.Batch] = []

    def the_other_post_commits_first(this_session, _context, _instances):
        if not first:
            first.append(mail.queue_batch(other, other.get(Study, study.id), "invite", batch,
                                          [other.get(Participant, anna.id)], PUBLIC_URL))

    event.listen(session, "before_flush", the_other_post_commits_first)
    try:
        second = mail.queue_batch(session, study, "invite", batch, [anna], PUBLIC_URL)
    finally:
        event.remove(session, "before_flush", the_other_post_commits_first)
        other.close()
    assert not first[0].repeated and second.repeated
    assert [row.id for row in second.queued] == [row.id for row in first[0].queued]
    assert len(session.scalars(select(MailMessage)).all()) == 1


def test_recent_sends_are_listed_on_the_mail_page(client, auth, study, session, smtp):
    auth.login()
    response = client.post(f"/studio/{study.id}/mail/send",
                           data=send_form(client, study, participants=[person(session, study, "DIRK").id]))
    html = client.get(f"/studio/{study.id}/mail").get_data(as_text=True)
    assert response.headers["Location"] in html


@pytest.mark.parametrize("batch", ["%00%ff" * 3, "x", "a" * 65, "no such batch id yet"])
def test_a_malformed_or_unknown_batch_id_is_404(client, auth, study, batch):
    auth.login()
    assert client.get(f"/studio/{study.id}/mail/batches/{batch}").status_code == 404
