"""The ``qsort`` command: serve the app, set up the database, manage users, analyse a file.

Each command imports what it needs inside its body, so ``qsort analyze`` starts without Flask's app or the
database and ``qsort --help`` is instant.
"""
from __future__ import annotations

import sys

import click

from .analyze_cli import analyze


@click.group(help="qsort: Q-methodology studies, sorting, interviews and analysis.")
def main() -> None:
    pass


main.add_command(analyze)


@main.command("init-db")
@click.option("--demo", is_flag=True, help="Also create the demo study and print its links (only if none exists).")
def init_db(demo: bool) -> None:
    """Create the database or bring it to the newest schema."""
    from . import create_app, db

    app = create_app()
    db.upgrade_schema(app)
    click.echo(f"Database ready: {app.config['DATABASE_URL']}")
    if demo:
        from .demo import install_demo

        with app.app_context():
            for line in install_demo(db.get_session(), app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000"):
                click.echo(line)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True)
def serve(host: str, port: int, debug: bool) -> None:
    """Run the web app (development server; put a WSGI server such as gunicorn in front for production)."""
    from . import create_app

    create_app().run(host=host, port=port, debug=debug)


@main.command("create-user")
@click.argument("email")
@click.option("--name", default="")
@click.option("--role", type=click.Choice(["researcher", "interviewer", "admin"]), default="researcher",
              show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when not given.")
def create_user(email: str, name: str, role: str, password: str) -> None:
    """Create a researcher or interviewer account."""
    from . import create_app, db
    from .accounts import AccountError, create_account

    app = create_app()
    with app.app_context():
        try:
            user = create_account(db.get_session(), email=email, name=name, role=role, password=password)
        except AccountError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(1)
    click.echo(f"Created {user.role} {user.email}")


@main.command("db-revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a migration from the difference between the models and the database (developers)."""
    from . import create_app
    from .migrations import revision

    revision(create_app().config["DATABASE_URL"], message)


if __name__ == "__main__":
    main()
