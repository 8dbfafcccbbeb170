"""Sphinx configuration for the mpcov site.

The build must pass offline with ``-n -W --keep-going``: links into Python's and
coverage.py's documentation resolve through small committed inventories
(docs/_inventories, made by docs/_tools/make_inventories.py) instead of the
live ``objects.inv`` files.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).parent
ROOT = DOCS.parent
# The package from the checkout (the docs session installs it too), and our extension.
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(DOCS / "_ext"))

import mpcov

project = "mpcov"
author = "The mpcov developers"
copyright = "the mpcov developers"
release = version = mpcov.__version__

#: coverage.py release whose documentation the site links to.
COVERAGE_DOCS_VERSION = "7.17.3"
SITE_URL = "https://mpcov.readthedocs.io/en/latest/"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.extlinks",
    "sphinx_autodoc_typehints",
    "sphinx_copybutton",
    "sphinx_design",
    "sphinxext.opengraph",
    "notfound.extension",
    "mpcov_docs",
    "mpcov_doctor_docs",
    "mpcov_bench_docs",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_tools", "_ext", "diagrams", "results/data", "README.md"]
templates_path: list[str] = []

# Every cross-reference must resolve (the session also passes -n).
nitpicky = True
nitpick_ignore = [
    # Type aliases and third-party types that have no page of their own anywhere.
    ("py:class", "packaging.specifiers.SpecifierSet"),
    # argparse's subparsers object: private, so the Python docs have no entry for it.
    ("py:class", "argparse._SubParsersAction"),
    ("py:class", "mpcov.pool.ContextLike"),
    ("py:class", "ContextLike"),
    ("py:class", "Expectation"),
    ("py:class", "mpcov.header.Expectation"),
    ("py:class", "Status"),
    ("py:class", "Measurement"),
    ("py:class", "mpcov.engine.Status"),
    ("py:class", "mpcov.engine.Measurement"),
    ("py:class", "Progress"),
    # A bare name left in an annotation that sphinx-autodoc-typehints cannot qualify.
    ("py:class", "Path"),
    # Documented nowhere in Python's docs, though public in practice.
    ("py:class", "multiprocessing.context.BaseContext"),
    ("py:class", "BaseContext"),
    ("py:class", "mpcov.engine.Progress"),
]

myst_enable_extensions = ["colon_fence", "deflist", "smartquotes", "attrs_inline", "fieldlist"]
myst_heading_anchors = 3

# ----------------------------------------------------------------- cross-links
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", str(DOCS / "_inventories" / "python.inv")),
    "coverage": (
        f"https://coverage.readthedocs.io/en/{COVERAGE_DOCS_VERSION}",
        str(DOCS / "_inventories" / "coverage.inv"),
    ),
}
# The inventories are local files, so nothing is fetched; a short timeout anyway.
intersphinx_timeout = 5

extlinks = {
    "covissue": ("https://github.com/coveragepy/coveragepy/issues/%s", "coverage.py issue %s"),
    "cpython": ("https://github.com/python/cpython/issues/%s", "CPython gh-%s"),
    "pytestcovissue": ("https://github.com/pytest-dev/pytest-cov/issues/%s", "pytest-cov issue %s"),
    # coverage.py 7.17.3 and later label their CHANGES entries "changelog-7-17-3", and the
    # entries after COVERAGE_DOCS_VERSION exist only in the latest docs.
    "covchangelog": (
        "https://coverage.readthedocs.io/en/latest/changes.html#changelog-%s",
        "coverage.py %s changes",
    ),
    "covchanges": (
        f"https://coverage.readthedocs.io/en/{COVERAGE_DOCS_VERSION}/changes.html#changes-%s",
        "coverage.py %s changes",
    ),
    "pytestcovchanges": (
        "https://pytest-cov.readthedocs.io/en/latest/changelog.html#%s",
        "pytest-cov %s changelog",
    ),
    "repo": ("https://github.com/mpcov/mpcov/blob/main/%s", "%s"),
}
extlinks_detect_hardcoded_links = True

# ----------------------------------------------------------------- API pages
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "description"
typehints_use_signature = False
always_document_param_types = False
typehints_fully_qualified = False

# ----------------------------------------------------------------- HTML
html_theme = "furo"
html_title = "mpcov"
html_static_path = ["_static"]
html_theme_options = {
    "source_repository": "https://github.com/mpcov/mpcov/",
    "source_branch": "main",
    "source_directory": "docs/",
    "navigation_with_keys": True,
}
html_baseurl = os.environ.get("READTHEDOCS_CANONICAL_URL", SITE_URL)
# The copy button skips prompts and output in console blocks.
copybutton_prompt_text = r"\$ |>>> "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = False

# Open Graph: tags only. Social cards would need matplotlib and fonts at build time.
ogp_site_url = html_baseurl
ogp_site_name = "mpcov"
ogp_description_length = 200
ogp_social_cards = {"enable": False}

# The 404 page's links are absolute; on Read the Docs they start with /<lang>/<version>/.
notfound_urls_prefix = "/en/latest/" if os.environ.get("READTHEDOCS") else "/"
