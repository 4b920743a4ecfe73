"""No secret is committed: no API key, private key or real-looking salt in the project's files, and the
places where the service writes its secrets (data/, .env) are ignored by git."""

from __future__ import annotations

import re
from pathlib import Path

from tests.servers import ROOT

SKIPPED_FOLDERS = {".git", ".venv", "data", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis", "reports"}
SECRET_PATTERNS = {
    "an API key": re.compile(r"\bmk_[A-Za-z0-9_-]{40,}"),
    "a private key": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"),
    "a configured salt or token": re.compile(r"MODERATION_(?:HASH_SALT|ADMIN_TOKEN)=(?!\$)[^\s\"'`]{16,}"),
}


def project_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if path.is_file() and not SKIPPED_FOLDERS.intersection(relative.parts) and path.stat().st_size < 5_000_000:
            files.append(path)
    return files


def test_no_secrets_in_the_project_files() -> None:
    files = project_files()
    assert len(files) > 50, "the project's files were found"
    found = []
    for path in files:
        content = path.read_bytes().decode("utf-8", "ignore")
        for what, pattern in SECRET_PATTERNS.items():
            if pattern.search(content):
                found.append(f"{path.relative_to(ROOT)}: {what}")
    assert found == []


def test_the_secret_files_the_service_writes_are_ignored() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "/data/" in ignored, "data/ holds the SQLite database and the generated hash salt"
    assert ".env" in ignored
