"""CI fetches MNIST with the project's own code, caches it and runs under CI=true, so the MNIST
tests run on GitHub (with CI=true a missing dataset fails: tests/needs.py)."""

from __future__ import annotations

import yaml

from tests.conftest import REPO_ROOT


def test_ci_fetches_mnist_with_the_projects_code_caches_it_and_runs_under_ci_true():
    """So the MNIST tests run on GitHub (with CI=true a missing dataset fails: tests/needs.py)."""
    workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "ci.yml").read_text())
    (job,) = workflow["jobs"].values()
    uses = [step.get("uses", "").split("@")[0] for step in job["steps"]]
    restore = job["steps"][uses.index("actions/cache/restore")]
    save = job["steps"][uses.index("actions/cache/save")]
    tests = [step.get("run") for step in job["steps"]].index("bash .ci/run")
    assert uses.index("actions/cache/restore") < tests < uses.index("actions/cache/save")
    assert restore["with"] == save["with"] and save["if"] == "always()"
    assert restore["with"] == {
        "path": "data/mnist",
        "key": "mnist-${{ hashFiles('src/minibatch/examples/data/mnist.py') }}",
    }
    ci_run = [line.strip() for line in (REPO_ROOT / ".ci" / "run").read_text().splitlines()]
    fetch = ci_run.index("python -m minibatch.examples.data.fetch_mnist data")
    (install,) = [n for n, line in enumerate(ci_run) if line.startswith("pip install --quiet -e")]
    assert install < fetch, "the package and its extras come first"
    assert fetch < ci_run.index("export CI=true") < ci_run.index("python -m pytest")
