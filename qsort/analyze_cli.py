"""``qsort analyze FILE``: placeholder, replaced by the analysis engine's command."""
import click


@click.command()
@click.argument("file")
def analyze(file: str) -> None:
    """Analyse a Q-sort file (not yet implemented)."""
    raise click.ClickException("not implemented yet")
