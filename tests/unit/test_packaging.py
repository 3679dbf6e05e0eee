"""The installed (non-editable) package must carry every Python package, template and static file."""
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_python_package_is_listed_in_pyproject():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    mapped = set(config["package-dir"])
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for top in ("qsort", "analysis")
        for init in (REPO / top).rglob("__init__.py")
    }
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert mapped <= listed


def test_app_finds_templates_and_static():
    from qsort import create_app

    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    assert (Path(app.template_folder) / "base.html").is_file()
    assert (Path(app.static_folder) / "css" / "app.css").is_file()
