"""Where the tests find the shared reference outputs and datasets: ``../shared`` beside the checkout
(as in CI), or wherever ``QSORT_SHARED`` points."""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("QSORT_SHARED", REPO.parent / "shared"))
LIPSET = SHARED / "reference" / "lipset"
DATASETS = SHARED / "datasets"
