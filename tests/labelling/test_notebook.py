"""notebooks/2.0-review-and-retrain.ipynb runs headless, top to bottom, in a fresh kernel."""

from __future__ import annotations

import sys

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from nbclient import NotebookClient

from nlp.paths import NOTEBOOKS_DIR, REPO_ROOT
from nlp.training.corpus import has_labels

NOTEBOOK = NOTEBOOKS_DIR / "2.0-review-and-retrain.ipynb"


def python3_kernel() -> str:
    """The `python3` kernel, or one written for this interpreter when none is installed (never by hand)."""
    try:
        KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:  # pragma: no cover - depends on the machine
        import subprocess

        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--user", "--name", "python3"], check=True)
    return "python3"


def test_the_walkthrough_notebook_is_not_itself_labelled_data() -> None:
    assert not has_labels(NOTEBOOK)  # `piancha train` reads every labelled notebook in notebooks/


@pytest.mark.slow
def test_review_and_retrain_notebook_runs_headless_in_a_fresh_kernel(
    small_trained, on_small_corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_root = small_trained.path.parent
    monkeypatch.setenv("PIANCHA_MODEL_DIR", str(model_root))  # copied by the notebook, never written
    before = sorted(p.name for p in model_root.iterdir())
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    NotebookClient(
        nb, timeout=900, kernel_name=python3_kernel(), resources={"metadata": {"path": str(REPO_ROOT)}}
    ).execute()
    outputs = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "11 forms" in outputs and "unreviewed row kept its corpus label" in outputs
    assert sorted(p.name for p in model_root.iterdir()) == before
