"""The ``qsort`` command: serve the app, set up the database, manage users, analyse a file.

Each command imports what it needs inside its body, so ``qsort analyze`` starts without Flask's app or the
database and ``qsort --help`` is instant.
"""
from __future__ import annotations

import sys

import click


class QsortGroup(click.Group):
    """The ``qsort`` commands, whose failures from outside the program (a file that cannot be written, not
    enough memory, input nested too deeply for Python) end in one line on stderr and exit status 1, never in a
    traceback. Each command reports its own input errors; this is the net under all of them."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise                                   # click handles a closed pipe (e.g. `| head`) itself
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            message = f"{where}{error.strerror or error}"
        except MemoryError:
            message = "not enough memory for this; try a smaller input (or fewer --bootstrap resamples)"
        except RecursionError:
            message = "the input is nested too deeply to read"
        click.echo(f"qsort {ctx.invoked_subcommand or ''}: error: {message}".replace("  ", " "), err=True)
        ctx.exit(1)


@click.group(cls=QsortGroup, help="qsort: Q-methodology studies, sorting, interviews and analysis.")
def main() -> None:
    pass


@main.command("analyze", add_help_option=False,
              context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def analyze(ctx: click.Context, args: tuple[str, ...]) -> None:
    """Analyse the Q-sorts in a file (qsort analyze --help for the options)."""
    from analysis.cli import main as analyze_main

    ctx.exit(analyze_main(list(args)))


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
@click.option("--workers", default=0, show_default=True, type=click.IntRange(0, 64),
              help="Worker processes under gunicorn, for production (e.g. 2 per core). "
                   "0: Flask's own one-process server.")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Threads per gunicorn worker.")
@click.option("--timeout", default=30, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds before gunicorn replaces a worker that stopped answering.")
@click.option("--debug", is_flag=True, help="Flask's debugger and reloader (never in production; not with --workers).")
def serve(host: str, port: int, workers: int, threads: int, timeout: int, debug: bool) -> None:
    """Run the web app: Flask's server by default, gunicorn with --workers N in production."""
    from . import create_app

    try:
        app = create_app()  # also checks the settings (and writes instance/secret_key once) before any fork
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if workers == 0:
        app.run(host=host, port=port, debug=debug)
        return
    if debug:
        raise click.UsageError("--debug runs Flask's own server; leave out --workers")
    from . import serving

    app.extensions["qsort_engine"].dispose()
    click.echo(f"qsort: gunicorn with {workers} workers x {threads} threads on http://{host}:{port} "
               f"(database {app.config['DATABASE_URL'].split('://')[0]})")
    serving.run(create_app, host, port, workers, threads, timeout)


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


@main.command("set-password")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when not given.")
def set_password_command(email: str, password: str) -> None:
    """Give an account a new password; every session logged in with the old one ends."""
    from . import create_app, db
    from .accounts import AccountError, find_user_by_email, set_password

    with create_app().app_context():
        session = db.get_session()
        user = find_user_by_email(session, email)
        try:
            if user is None:
                raise AccountError(f"email: there is no account for {email}")
            set_password(session, user, password)
        except AccountError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(1)
    click.echo(f"New password set for {email}; its sessions have ended")


@main.command("export")
@click.argument("study_id", type=int)
@click.option("--format", "fmt", required=True,
              type=click.Choice(["csv", "pqmethod", "kenq", "kade", "xlsx", "json"]),
              help="json: the whole study, for 'qsort import' on another installation.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: a name from the title).")
def export_command(study_id: int, fmt: str, output: str | None) -> None:
    """Export a study's complete sorts (or, with --format json, the whole study)."""
    from pathlib import Path

    from . import create_app, db
    from .exchange import ExchangeError, export_study
    from .models import Study

    folder = Path(output).resolve().parent if output else None
    if folder is not None and not folder.is_dir():
        click.echo(f"Error: -o: there is no folder {folder}", err=True)
        sys.exit(1)
    with create_app().app_context():
        study = db.get_session().get(Study, study_id)
        if study is None:
            click.echo(f"Error: no study with id {study_id}", err=True)
            sys.exit(1)
        try:
            export = export_study(db.get_session(), study, fmt)
        except ExchangeError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(1)
    path = Path(output or export.filename)
    try:
        path.write_bytes(export.content)
    except OSError as error:
        click.echo(f"Error: cannot write {path}: {error.strerror or error}", err=True)
        sys.exit(1)
    click.echo(f"Wrote {path}")


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--owner", help="Email of the researcher who owns the imported study (default: the only one).")
@click.option("--study", "study_id", type=int,
              help="Add the sorts in FILE (CSV, .DAT, Ken-Q CSV, KADE ZIP, EQ Web Sort JSON) to this study instead.")
def import_command(file: str, owner: str | None, study_id: int | None) -> None:
    """Restore a whole study exported with 'qsort export --format json' (new ids), or add sorts to a study."""
    import json

    from . import create_app, db
    from .exchange import ExchangeError, find_owner, import_sorts, study_from_json
    from .models import Study

    with create_app().app_context():
        session = db.get_session()
        try:
            if study_id is not None:
                from analysis.formats import FormatError, read_sorts

                study = session.get(Study, study_id)
                if study is None:
                    raise ExchangeError(f"--study: no study with id {study_id}")
                try:
                    data = read_sorts(file)
                except FormatError as error:
                    raise ExchangeError(str(error)) from None
                report = import_sorts(session, study, data, file)
                click.echo(f"Imported {len(report.participants)} sorts into study {study.id} "
                           f"(statements matched by {report.matched_by})")
                return
            try:
                with open(file, encoding="utf-8") as handle:
                    document = json.load(handle)
            except RecursionError:
                raise ExchangeError(f"{file}: nested too deeply; not a study export") from None
            except ValueError as error:  # not UTF-8, not JSON, or a number of more than 4,300 digits
                raise ExchangeError(f"{file}: not a JSON file ({error})") from None
            result = study_from_json(session, document, find_owner(session, owner), source=file)
        except ExchangeError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(1)
        click.echo(f"Imported study {result.study.id} {result.study.title!r}: {result.participants} participants, "
                   f"{result.sorts} sorts; {result.tokens_renewed} links got new tokens (theirs were taken)")


@main.command("db-revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a migration from the difference between the models and the database (developers)."""
    from . import create_app
    from .migrations import revision

    revision(create_app().config["DATABASE_URL"], message)


@main.command("send-mail")
@click.option("--max-seconds", default=600, show_default=True, type=click.IntRange(1, 86400),
              help="Stop once waiting for the rate limit would run past this (the next run goes on).")
def send_mail(max_seconds: int) -> None:
    """Send the queued invitation and reminder mails, at QSORT_SMTP_PER_MINUTE (for cron; safe to run often and
    beside the web workers: each mail is claimed by one sender only)."""
    from . import create_app, mail

    try:
        app = create_app()
    except ValueError as error:  # a setting that is not what it must be (QSORT_SMTP_PORT=abc): one line, no trace
        raise click.UsageError(str(error)) from None
    settings = mail.smtp_settings(app.config)
    if settings is None:
        click.echo("qsort send-mail: error: sending is not configured; set "
                   + ", ".join(mail.missing_settings(app.config)), err=True)
        sys.exit(1)
    session = app.extensions["qsort_sessionmaker"]()
    try:
        report = mail.send_queued(session, settings, max_seconds=max_seconds)
    finally:
        session.close()
        app.extensions["qsort_engine"].dispose()  # close the pooled connection now, not at the garbage collector's
    stopped = {"rate": " (rate limit: the rest waits for the next run)",
               "server": " (the mail server did not answer: the rest waits for the next run)"}.get(report.stopped, "")
    click.echo(f"{report.sent} sent, {report.failed} failed, {report.deferred} deferred{stopped}")
    if report.deferred:  # the server is down or refused us: cron's mail tells the admin (refused recipients do not)
        sys.exit(1)


if __name__ == "__main__":
    main()
