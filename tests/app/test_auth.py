"""Login, logout, rate limiting and the login_required guard."""
import pytest

from qsort.accounts import AccountError, create_account
from tests.factories import PASSWORD, csrf_from, login


def test_password_is_hashed(researcher):
    assert PASSWORD not in researcher.password_hash
    assert researcher.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_account_validation_names_the_field(session):
    with pytest.raises(AccountError, match="password"):
        create_account(session, email="b@example.com", password="short")
    with pytest.raises(AccountError, match="email"):
        create_account(session, email="not-an-email", password=PASSWORD)


def test_studio_requires_login(client):
    response = client.get("/studio/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_login_and_logout(client, researcher):
    response = login(client, "ANA@example.com", PASSWORD)
    assert response.status_code == 302
    assert client.get("/studio/").status_code == 200
    token = csrf_from(client.get("/studio/"))
    client.post("/auth/logout", data={"csrf_token": token})
    assert client.get("/studio/").status_code == 302


def test_the_language_chosen_on_the_login_page_stays_after_login(client, researcher):
    """The login starts a new session (no fixation); the language picked before it is kept, not the browser's."""
    client.get("/auth/login?lang=nb", headers={"Accept-Language": "en"})
    token = csrf_from(client.get("/auth/login", headers={"Accept-Language": "en"}))
    response = client.post("/auth/login", data={"email": "ana@example.com", "password": PASSWORD, "csrf_token": token},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 302
    page = client.get("/studio/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="nb"' in page


def test_login_without_csrf_is_refused(client, researcher):
    response = client.post("/auth/login", data={"email": "ana@example.com", "password": PASSWORD})
    assert response.status_code == 400


def test_wrong_password_then_rate_limited(client, researcher, app):
    for _ in range(app.config["LOGIN_ATTEMPTS_PER_15_MIN"]):
        assert login(client, "ana@example.com", "wrong password").status_code == 401
    # Even the right password is refused while the limit holds.
    assert login(client, "ana@example.com", PASSWORD).status_code == 429


def test_next_is_never_an_open_redirect(client, researcher):
    token = csrf_from(client.get("/auth/login"))
    response = client.post("/auth/login?next=//evil.example.com/x",
                           data={"email": "ana@example.com", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/studio/"


def test_interviewer_lands_on_their_studies_not_a_403(client, session):
    create_account(session, email="ivo@example.com", password=PASSWORD, role="interviewer")
    response = login(client, "ivo@example.com", PASSWORD)
    assert response.headers["Location"] == "/interview/"
    page = client.get("/interview/").get_data(as_text=True)
    assert "ivo@example.com" in page and "Your studies" in page and "/studio/" not in page
    page = client.get("/").get_data(as_text=True)
    assert "Open the studio" not in page and "/interview/" in page
