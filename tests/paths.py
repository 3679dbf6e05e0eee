"""Where the tests find their data: ``tests/data/`` in the repository (see the README there)."""
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
LIPSET = DATA / "reference" / "lipset"       # R qmethod's reference outputs for the Lipset study
DATASETS = DATA / "datasets"                 # public Q-studies: <name>/<name>.csv (+ _statements.csv)
