"""The documentation: a short README that links into a site, and a site that builds whole.

`mkdocs build --strict` fails on a broken link, a missing anchor or a page left out of the
navigation; the fast tests here say the same about the navigation and the README's links
without MkDocs installed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.docs_text import DOCS, readme

ADD_A_PAGE = "add it to `nav:` in mkdocs.yml as one line, `- Title: {name}`"


def nav_pages(entries: list) -> list[str]:
    """Every file that mkdocs.yml's `nav` names, sections walked."""
    pages = []
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages += nav_pages(value) if isinstance(value, list) else [value]
    return pages


NAV = nav_pages(yaml.safe_load((REPO_ROOT / "mkdocs.yml").read_text())["nav"])


def test_every_page_of_docs_is_in_the_navigation():
    pages = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    missing = [name for name in pages if name not in NAV]
    assert missing == [], "; ".join(f"docs/{n} is not in the site: {ADD_A_PAGE.format(name=n)}"
                                    for n in missing)  # fmt: skip


def test_the_navigation_names_only_pages_that_exist_once():
    assert [name for name in NAV if not (DOCS / name).is_file()] == []
    assert len(NAV) == len(set(NAV))


def test_the_readme_is_a_short_landing_page():
    assert len(readme().splitlines()) <= 200


def test_every_link_of_the_readme_reaches_a_file():
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme())
    local = [link for link in links if not link.startswith(("http://", "https://"))]
    assert len(local) >= 10
    assert [link for link in local if not (REPO_ROOT / link).is_file()] == []
    pages = {link.removeprefix("docs/") for link in local
             if link.startswith("docs/") and link.endswith(".md")}  # fmt: skip
    assert pages <= set(NAV), "the README links to pages of the site"


@pytest.mark.slow
def test_the_site_builds_strict_and_offline(tmp_path):
    for module in ("mkdocs", "material", "mkdocstrings_handlers.python"):
        pytest.importorskip(module, reason='the docs extra: pip install -e ".[docs]"')
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=REPO_ROOT, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]
    html = {p: p.read_text() for p in site.rglob("*.html")}
    assert len(html) >= len(NAV)
    fetched = [p for p, text in html.items() if re.search(r"fonts\.(googleapis|gstatic)", text)]
    assert fetched == [], "a page fetches web fonts: the site must read offline"
    api = (site / "api" / "index.html").read_text()
    assert "DataSpec" in api and "TaskModule" in api, "the API reference from the docstrings"
    pictures = {
        (p, src)
        for p, text in html.items()
        for src in re.findall(r'<img [^>]*src="([^":]+)"', text)
    }
    assert [(p, src) for p, src in pictures if not (p.parent / src).resolve().is_file()] == []


def test_the_changelog_starts_with_this_version():
    import minibatch

    sections = re.findall(r"(?m)^## (\d+\.\d+\.\d+)", (REPO_ROOT / "CHANGELOG.md").read_text())
    version = re.search(r'(?m)^version = "(.+)"', (REPO_ROOT / "pyproject.toml").read_text())
    assert sections[0] == version.group(1) == minibatch.__version__
