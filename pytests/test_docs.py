"""The README and the pages under docs/ stay short, linked and true to the Makefile.

No prose is asserted: links must resolve (files and heading anchors), every `make <target>` the
pages show must exist in the Makefile, every documented target must be in the README, every
docs/ page must be reachable from the README, and the README stays a newcomer's page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
README = REPO_ROOT / "README.md"
README_MAX_LINES = 150
PAGES = sorted([README, REPO_ROOT / "BENCHMARKS.md", *(REPO_ROOT / "docs").glob("*.md")])

FENCE = re.compile(r"^```.*?^```[ \t]*$", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`]*`", re.S)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
MAKE_CALL = re.compile(r"(?:^|[\s(`])make[ \t]+([a-z][a-z-]*)", re.M)
MAKE_RULE = re.compile(r"^([a-z][a-z-]*)[ \t]*:(?!=)", re.M)
DOCUMENTED_RULE = re.compile(r"^([a-z][a-z-]*)[ \t]*:[^=\n]*## ", re.M)


def prose(text: str) -> str:
    """The text outside fenced blocks and inline code (where links are links)."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def code(text: str) -> list[str]:
    """Fenced blocks and inline code spans (where commands are shown)."""
    fenced = FENCE.findall(text)
    return fenced + INLINE_CODE.findall(FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text())
    return {slug(h) for h in HEADING.findall(text)}


def makefile_rules() -> set[str]:
    return set(MAKE_RULE.findall((REPO_ROOT / "Makefile").read_text()))


def rel(page: Path) -> str:
    return str(page.relative_to(REPO_ROOT))


def test_the_helpers_see_what_they_must() -> None:
    sample = "See [a](b.md#c), `[x](not-a-link)`, `make bi`.\n```\n[y](nor-this)\nmake run\n```\n"
    assert LINK.findall(prose(sample)) == ["b.md#c"]
    assert sorted(m for c in code(sample) for m in MAKE_CALL.findall(c)) == ["bi", "run"]
    assert slug("Measured outside `make bench`") == "measured-outside-make-bench"
    assert slug("Postgres, Snowflake, BigQuery...") == "postgres-snowflake-bigquery"
    assert slug("`raw_shop` (shop database)") == "raw_shop-shop-database"
    assert {"help", "run", "test", "ci-slim"} <= makefile_rules()


def test_readme_is_a_newcomers_page() -> None:
    lines = README.read_text().splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines (at most {README_MAX_LINES}): move topics to docs/"
    )


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in LINK.findall(prose(page.read_text())):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {rel(dest)}")
    assert not broken, f"{rel(page)}: broken links:\n" + "\n".join(broken)


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_every_make_target_shown_exists(page: Path) -> None:
    rules = makefile_rules()
    shown = {t for c in code(page.read_text()) for t in MAKE_CALL.findall(c)}
    assert shown <= rules, f"{rel(page)} shows make targets the Makefile lacks: {shown - rules}"


def test_readme_lists_every_documented_make_target() -> None:
    documented = set(DOCUMENTED_RULE.findall((REPO_ROOT / "Makefile").read_text()))
    shown = {t for c in code(README.read_text()) for t in MAKE_CALL.findall(c)}
    assert documented, "no `target: ## help` rules found in the Makefile"
    assert documented <= shown, f"README.md does not show: {sorted(documented - shown)}"


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {
        (REPO_ROOT / t.partition("#")[0]).resolve()
        for t in LINK.findall(prose(README.read_text()))
        if not re.match(r"[a-z][a-z0-9+.-]*:", t)
    }
    unlinked = [rel(p) for p in (REPO_ROOT / "docs").glob("*.md") if p.resolve() not in linked]
    assert not unlinked, f"docs pages the README does not link: {unlinked}"
