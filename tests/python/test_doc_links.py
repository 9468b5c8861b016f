"""Every link and repository path the README and docs cite exists in the repository: a reader who
follows one lands on a file, not on nothing (files outside the repository are not cited)."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO_ROOT

DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]
MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
# a path written out in the text, from a top-level folder of the repository
REPOSITORY_PATH = re.compile(
    r"(?<![\w/.-])((?:docs|models|macros|powerlens|tests|scripts|benchmarks|seeds)/[\w./-]+)")
# written as patterns or placeholders, not as files: <run_id>, *.parquet, {name}
PLACEHOLDER = re.compile(r"[<>*{}]")


def cited_paths(document: Path) -> list[tuple[str, Path]]:
    text = document.read_text(encoding="utf-8")
    cited = []
    for match in MARKDOWN_LINK.finditer(text):
        target = match.group(1)
        if not target.startswith(("http://", "https://", "mailto:")):
            cited.append((target, document.parent / target))
    for match in REPOSITORY_PATH.finditer(text):
        target = match.group(1).rstrip(".,:;")
        end = match.end(1)
        if PLACEHOLDER.search(text[end:end + 1]) or PLACEHOLDER.search(target):
            continue
        cited.append((target, REPO_ROOT / target))
    return cited


def test_the_documents_cite_only_files_that_exist():
    # the check reads the paths the documents really cite (it would pass on an empty list)
    assert sum(len(cited_paths(document)) for document in DOCS) > 100
    missing = [f"{document.relative_to(REPO_ROOT)}: {target}"
               for document in DOCS for target, path in cited_paths(document) if not path.exists()]
    assert missing == []


def test_no_document_sends_the_reader_outside_the_repository():
    outside = [f"{document.relative_to(REPO_ROOT)}: {target}"
               for document in DOCS for target, path in cited_paths(document)
               if not path.resolve().is_relative_to(REPO_ROOT)]
    assert outside == []
    for document in DOCS:
        assert "../shared/" not in document.read_text(encoding="utf-8"), document.name
