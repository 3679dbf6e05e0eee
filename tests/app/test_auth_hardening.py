"""Login lockout, races, timing, sessions and headers (issue 10, items 13, 14 and 15), and the login form under
fuzzing."""
from __future__ import annotations

import re
import threading
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.middleware.proxy_fix import ProxyFix

import qsort.accounts
from qsort.accounts import create_account
from qsort.models import LoginAttempt, User
from tests.factories import PASSWORD, csrf_from, login
from tests.factories import make_study

WRONG = "wrong password!"


@pytest.fixture
def ana(session):
    return create_account(session, email="ana@example.com", password=PASSWORD, name="Ana")


@pytest.fixture
def hash_calls(monkeypatch):
    """Every password check, counted (thread-safe), by wrapping the hasher the accounts module uses."""
    calls = []
    lock = threading.Lock()
    real = qsort.accounts.check_password_hash

    def counting(stored, password):
        with lock:
            calls.append(stored)
        return real(stored, password)

    monkeypatch.setattr(qsort.accounts, "check_password_hash", counting)
    return calls


@pytest.fixture
def quick_hash(monkeypatch):
    """A password check without scrypt's deliberate cost, for tests of the counting alone."""
    monkeypatch.setattr(qsort.accounts, "check_password_hash", lambda stored, given: given == PASSWORD)


def client_at(app, address: str, **headers):
    """A test client whose requests come from ``address`` (and carry ``headers``)."""
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": address, **{f"HTTP_{k.upper()}": v for k, v in headers.items()}})
    return client


def fail(client, email: str, times: int) -> list[int]:
    return [login(client, email, WRONG).status_code for _ in range(times)]


# -- item 13: per (email, address) ---------------------------------------------------------------------------
def test_failures_for_an_unknown_email_do_not_lock_others_out_from_that_address(app, ana, quick_hash):
    limit = app.config["LOGIN_ATTEMPTS_PER_15_MIN"]
    office = client_at(app, "10.1.1.1")
    assert fail(office, "nobody@example.com", limit) == [401] * limit
    assert login(office, "nobody@example.com", WRONG).status_code == 429
    assert login(office, "ana@example.com", PASSWORD).status_code == 302        # was 429: a shared lock


def test_failures_from_one_address_do_not_lock_the_user_out_elsewhere(app, ana, quick_hash):
    limit = app.config["LOGIN_ATTEMPTS_PER_15_MIN"]
    attacker = client_at(app, "203.0.113.9")
    assert fail(attacker, "ana@example.com", limit) == [401] * limit
    assert login(attacker, "ana@example.com", PASSWORD).status_code == 429     # even the right password
    assert login(client_at(app, "198.51.100.7"), "ana@example.com", PASSWORD).status_code == 302


def test_x_forwarded_for_is_ignored_without_proxy_fix(app, ana, quick_hash):
    limit = app.config["LOGIN_ATTEMPTS_PER_15_MIN"]
    for k in range(limit):
        spoofed = client_at(app, "203.0.113.9", x_forwarded_for=f"192.0.2.{k}")
        assert login(spoofed, "ana@example.com", WRONG).status_code == 401
    fresh = client_at(app, "203.0.113.9", x_forwarded_for="192.0.2.200")
    assert login(fresh, "ana@example.com", PASSWORD).status_code == 429


def test_behind_proxy_fix_each_client_address_counts_on_its_own(app, ana, quick_hash):
    """With ProxyFix configured (the README's reverse-proxy setup) the address is the client's, from the
    proxy's X-Forwarded-For; users behind the one proxy address do not lock each other out."""
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)
    limit = app.config["LOGIN_ATTEMPTS_PER_15_MIN"]
    attacker = client_at(app, "10.0.0.2", x_forwarded_for="203.0.113.9")
    assert fail(attacker, "ana@example.com", limit + 1)[-1] == 429
    colleague = client_at(app, "10.0.0.2", x_forwarded_for="198.51.100.7")
    assert login(colleague, "ana@example.com", PASSWORD).status_code == 302


def test_a_success_clears_only_its_own_pair_and_old_attempts_are_forgotten(app, ana, quick_hash, session):
    limit = app.config["LOGIN_ATTEMPTS_PER_15_MIN"]
    home, elsewhere = client_at(app, "198.51.100.7"), client_at(app, "203.0.113.9")
    fail(home, "ana@example.com", 3)
    fail(elsewhere, "ana@example.com", limit)
    assert login(home, "ana@example.com", PASSWORD).status_code == 302
    rows = session.query(LoginAttempt).all()
    assert {(r.email, r.remote_addr) for r in rows} == {("ana@example.com", "203.0.113.9")} and len(rows) == limit
    # An attempt older than the window is deleted by the next attempt of anyone.
    for row in rows:
        row.at -= timedelta(minutes=16)
    session.commit()
    assert login(elsewhere, "ana@example.com", PASSWORD).status_code == 302
    session.expire_all()
    assert session.query(LoginAttempt).count() == 0


# -- item 14: races and timing ---------------------------------------------------------------------------------
def test_parallel_wrong_passwords_get_at_most_the_limit_of_password_checks(app, ana, hash_calls):
    """40 browsers at once (threads, a file SQLite database): the count and the check cannot interleave so
    that more attempts than the limit reach the password hash."""
    limit = app.config["LOGIN_ATTEMPTS_PER_15_MIN"]
    clients = [client_at(app, "203.0.113.9") for _ in range(40)]
    tokens = [csrf_from(client.get("/auth/login")) for client in clients]
    start = threading.Barrier(len(clients))
    statuses = []

    def attempt(client, token):
        start.wait()
        response = client.post("/auth/login", data={"email": "ana@example.com", "password": WRONG,
                                                    "csrf_token": token})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(clients, tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) == [401, 429]
    assert statuses.count(401) == len(hash_calls) <= limit
    assert statuses.count(429) >= 40 - limit


def test_an_unknown_email_costs_the_same_password_hash_as_a_known_one(client, ana, hash_calls):
    assert login(client, "ana@example.com", WRONG).status_code == 401
    assert len(hash_calls) == 1
    assert login(client, "nobody@example.com", WRONG).status_code == 401
    assert len(hash_calls) == 2
    assert hash_calls[1].split("$")[0] == ana.password_hash.split("$")[0]     # the same method and cost


def test_a_refused_attempt_checks_no_password_known_or_not(app, ana, hash_calls):
    limit = app.config["LOGIN_ATTEMPTS_PER_15_MIN"]
    client = client_at(app, "203.0.113.9")
    for email in ("ana@example.com", "nobody@example.com"):
        fail(client, email, limit)
        before = len(hash_calls)
        assert login(client, email, PASSWORD).status_code == 429
        assert len(hash_calls) == before


# -- item 15: sessions and headers -----------------------------------------------------------------------------
def session_cookie(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_session_cookie_flags_and_expiry_over_http(client, ana):
    cookie = session_cookie(login(client, "ana@example.com", PASSWORD))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert "Secure" not in cookie                                       # plain-HTTP development keeps working


@pytest.mark.parametrize("settings_", [{"PUBLIC_URL": "https://survey.example.com"}, {"HTTPS": True}])
def test_over_https_the_cookie_is_secure_and_hsts_is_sent(tmp_path, settings_):
    from qsort import create_app, db

    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'h.sqlite'}",
                      **settings_})
    db.upgrade_schema(app)
    with app.app_context():
        create_account(db.get_session(), email="ana@example.com", password=PASSWORD)
    client = app.test_client()
    response = login(client, "ana@example.com", PASSWORD)
    assert "Secure" in session_cookie(response)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    app.extensions["qsort_engine"].dispose()


def test_no_hsts_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers


def test_the_login_lasts_its_lifetime_and_no_longer(app, client, ana):
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=2)
    cookie = session_cookie(login(client, "ana@example.com", PASSWORD))
    assert re.search(r"Expires=", cookie)
    assert client.get("/studio/").status_code == 200
    # The signature's age is checked on the server too (a copied cookie with a forged Expires does not help).
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=-1)
    assert client.get("/studio/").status_code == 302


def copied_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_copied_cookie_does_not_work_after_logout(app, client, ana):
    login(client, "ana@example.com", PASSWORD)
    stolen = copied_cookie(client)
    other = app.test_client()
    other.set_cookie("session", stolen)
    assert other.get("/studio/").status_code == 200                     # the copy works while logged in
    client.post("/auth/logout", data={"csrf_token": csrf_from(client.get("/studio/"))})
    assert client.get("/studio/").status_code == 302
    assert other.get("/studio/").status_code == 302                     # and no longer after the logout
    assert login(client, "ana@example.com", PASSWORD).status_code == 302   # a new login works
    assert client.get("/studio/").status_code == 200


def test_a_password_change_ends_every_session(app, client, ana, session):
    from click.testing import CliRunner

    from qsort.cli import main

    login(client, "ana@example.com", PASSWORD)
    assert client.get("/studio/").status_code == 200
    env = {"QSORT_DATABASE_URL": app.config["DATABASE_URL"], "QSORT_SECRET_KEY": "x"}
    result = CliRunner().invoke(main, ["set-password", "ana@example.com", "--password", "a new long password"],
                                env=env)
    assert result.exit_code == 0, result.output
    assert client.get("/studio/").status_code == 302
    assert login(client, "ana@example.com", PASSWORD).status_code == 401
    assert login(client, "ana@example.com", "a new long password").status_code == 302
    result = CliRunner().invoke(main, ["set-password", "ana@example.com", "--password", "short"], env=env)
    assert result.exit_code == 1 and "at least 10 characters" in result.stderr


def test_studio_pages_and_exports_are_not_cached(client, ana, session):
    study, _token = make_study(session)
    study.owner = session.get(User, ana.id)
    session.commit()
    assert client.get("/auth/login").headers["Cache-Control"] == "no-store"
    login(client, "ana@example.com", PASSWORD)
    for url in ("/studio/", f"/studio/{study.id}", f"/studio/{study.id}/participants",
                "/", f"/studio/{study.id}/data/export/json"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    assert response.headers["Content-Disposition"].startswith("attachment")    # the export is among them
    static = client.get("/static/css/app.css")
    static.close()                                                            # send_file keeps the file open
    assert "no-store" not in static.headers.get("Cache-Control", "")


# -- fuzzing the login form -------------------------------------------------------------------------------------
FIELD = st.one_of(st.text(max_size=300), st.sampled_from(["ana@example.com", "ANA@example.com ", PASSWORD, "a@b.c",
                                                           "x" * 5000, "\x00", "@", "ana@example.com\n"]))


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(email=FIELD, password=FIELD, extra=st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=3),
       token=st.sampled_from(["valid", "none", "junk"]), next_=st.one_of(st.none(), st.text(max_size=40)))
def test_fuzz_the_login_form(app, ana, quick_hash, email, password, extra, token, next_):
    client = app.test_client()
    data = {**extra, "email": email, "password": password}
    if token == "valid":
        data["csrf_token"] = csrf_from(client.get("/auth/login"))
    elif token == "junk":
        data["csrf_token"] = "junk"
    url = "/auth/login" if next_ is None else "/auth/login?" + urlencode({"next": next_})
    response = client.post(url, data=data)
    assert response.status_code in (200, 302, 400, 401, 429), response.status_code
    if response.status_code == 302:
        assert token == "valid" and password == PASSWORD and email.strip().lower() == "ana@example.com"
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith("//")
    else:
        with client.session_transaction() as cookie_session:
            assert "user_id" not in cookie_session
