"""The wheel (what `pip install qsort` gets) carries every module, template, static file, catalogue and migration,
and an app installed from it starts, migrates its database and serves pages in every language.

`make` installs in editable mode (the checkout on sys.path), which would hide a file missing from the wheel;
so these tests build the real wheel with the project's backend (hatchling) and run the app from it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The top-level folders DESIGN.md puts beside the packages, and where the wheel puts them.
ASSET_FOLDERS = {"templates": "qsort/templates", "static": "qsort/static"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "--wheel-dir", str(out), str(REPO)],
                   check=True, capture_output=True, text=True)
    (built,) = out.glob("qsort-*.whl")
    return built


def files_in_checkout() -> set[str]:
    """Every file the wheel must hold, by its path in the wheel (bytecode aside)."""
    wanted = set()
    for top, inside in [("qsort", "qsort"), ("analysis", "analysis"), *ASSET_FOLDERS.items()]:
        for path in (REPO / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                wanted.add(f"{inside}/{path.relative_to(REPO / top).as_posix()}")
    return wanted


def test_wheel_holds_the_checkout_and_nothing_else(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    payload = {name for name in names if not name.split("/")[0].endswith(".dist-info")}
    expected = files_in_checkout()
    assert expected - payload == set(), "missing from the wheel"
    assert payload - expected == set(), "in the wheel but not in qsort/, analysis/, templates/ or static/"


def test_wheel_holds_what_the_app_needs_at_runtime(wheel):
    """The same, spelled out for the files an installation cannot do without (a clear message when one goes)."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in [
        "qsort/__init__.py", "analysis/__init__.py", "analysis/formats/__init__.py",
        "qsort/blueprints/studio/__init__.py", "qsort/demo/content.py",
        "qsort/templates/base.html", "qsort/static/css/app.css",
        "qsort/static/vendor/sortablejs/sortable.esm.js", "qsort/static/vendor/sortablejs/LICENSE",
        "qsort/translations/nl/LC_MESSAGES/messages.mo", "qsort/translations/nb/LC_MESSAGES/messages.mo",
        "qsort/migrations/env.py", "qsort/migrations/script.py.mako",
        "qsort/migrations/versions/0001_initial_schema.py",
    ]:
        assert name in names, name
    assert not any(name.startswith(("tests/", "templates/", "static/")) for name in names)
    (entry_points,) = [name for name in names if name.endswith(".dist-info/entry_points.txt")]
    assert "qsort = qsort.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


# Runs in a separate interpreter whose qsort is the unpacked wheel (PYTHONPATH comes before the venv's
# site-packages and its editable-install path), with the working directory outside the checkout.
INSTALLED_APP = """
import json, sys
from qsort import create_app, db
app = create_app({"SECRET_KEY": "x", "DATABASE_URL": "sqlite:///" + sys.argv[1]})
db.upgrade_schema(app)
client = app.test_client()
login_nl = client.get("/auth/login?lang=nl")
script = client.get("/static/vendor/sortablejs/sortable.esm.js")
print(json.dumps({
    "qsort": __import__("qsort").__file__, "analysis": __import__("analysis").__file__,
    "templates": app.template_folder, "static": app.static_folder, "instance": app.instance_path,
    "login_status": login_nl.status_code, "login_nl": "Inloggen" in login_nl.get_data(as_text=True),
    "script_status": script.status_code, "script_bytes": len(script.data),
}))
"""


def test_app_installed_from_the_wheel_starts_and_serves_its_pages(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)           # a pure-Python wheel installs by unpacking
    env = {**os.environ, "PYTHONPATH": str(site)}
    env = {k: v for k, v in env.items() if not k.startswith("QSORT_")}
    run = subprocess.run([sys.executable, "-c", INSTALLED_APP, str(tmp_path / "db.sqlite")], cwd=tmp_path,
                         env=env, check=True, capture_output=True, text=True)
    seen = json.loads(run.stdout)
    for key in ("qsort", "analysis", "templates", "static", "instance"):
        assert Path(seen[key]).is_relative_to(site), (key, seen[key])
    assert seen["templates"] == str(site / "qsort" / "templates")
    assert seen["login_status"] == 200 and seen["login_nl"], "login page in Dutch (template + catalogue)"
    assert seen["script_status"] == 200
    assert seen["script_bytes"] == (REPO / "static/vendor/sortablejs/sortable.esm.js").stat().st_size


def test_checkout_finds_templates_and_static():
    """In a checkout (editable install) the app uses the top-level folders, so edits show without reinstalling."""
    from qsort import create_app

    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    assert Path(app.template_folder) == REPO / "templates"
    assert Path(app.static_folder) == REPO / "static"
