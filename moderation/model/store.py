"""The model registry on disk: immutable versions, a manifest each, aliases that move.

models/<name>/<version>/model.joblib + manifest.json
models/<name>/aliases.json      {"production": "v3"}
models/<name>/history.jsonl     one line per promotion or rollback

Loading checks the artifact's sha256 against the manifest *before* unpickling
(joblib runs code on load) and refuses a model built for another normalizer.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib

from moderation.model.bundle import ModelBundle
from moderation.text import NORMALIZER_VERSION

ARTIFACT = "model.joblib"
MANIFEST = "manifest.json"
DEFAULT_NAME = "moderation"
PRODUCTION = "production"
_VERSION_RE = re.compile(r"^v(\d+)$")


class ModelStoreError(Exception):
    """A model that cannot be used; the message names the file and why."""


class ModelLoadError(ModelStoreError):
    """The artifact is the one its manifest names, for this normalizer, yet does not load (e.g. a library
    it needs changed). Unlike a failed check, the service can answer without it: degraded, fail-closed."""


@dataclass(frozen=True)
class StoredModel:
    name: str
    version: str
    path: Path
    manifest: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class ModelStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    # -- reading -------------------------------------------------------------

    def versions(self, name: str = DEFAULT_NAME) -> list[StoredModel]:
        folder = self.root / name
        if not folder.is_dir():
            return []
        found = []
        for child in folder.iterdir():
            match = _VERSION_RE.match(child.name)
            if match and (child / MANIFEST).is_file():
                found.append((int(match.group(1)), child))
        return [self._stored(name, child) for _, child in sorted(found)]

    def aliases(self, name: str = DEFAULT_NAME) -> dict[str, str]:
        path = self.root / name / "aliases.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    def history(self, name: str = DEFAULT_NAME) -> list[dict[str, Any]]:
        path = self.root / name / "history.jsonl"
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def resolve(self, name: str = DEFAULT_NAME, ref: str = PRODUCTION) -> StoredModel:
        """A version by alias (production) or by its own name (v3)."""
        version = self.aliases(name).get(ref, ref)
        path = self.root / name / version
        if not (path / MANIFEST).is_file():
            raise ModelStoreError(f"{path}: no model '{ref}' for '{name}' (no {MANIFEST})")
        return self._stored(name, path)

    def load(self, name: str = DEFAULT_NAME, ref: str = PRODUCTION) -> tuple[ModelBundle, StoredModel]:
        stored = self.resolve(name, ref)
        artifact = stored.path / ARTIFACT
        if not artifact.is_file():
            raise ModelStoreError(f"{artifact}: missing model file")
        expected = stored.manifest.get("artifact", {}).get("sha256")
        actual = sha256_of(artifact)
        if actual != expected:
            raise ModelStoreError(
                f"{artifact}: sha256 {actual[:12]}… does not match the manifest's {str(expected)[:12]}…"
            )
        built_for = stored.manifest.get("normalizer_version")
        if built_for != NORMALIZER_VERSION:
            raise ModelStoreError(
                f"{artifact}: built for normalizer {built_for}, this code has {NORMALIZER_VERSION}; retrain it"
            )
        try:
            bundle = joblib.load(artifact)
        except Exception as error:  # unpickling can fail in any way; the checks above passed
            raise ModelLoadError(f"{artifact}: does not load ({type(error).__name__}: {error})") from None
        if not isinstance(bundle, ModelBundle):
            raise ModelLoadError(f"{artifact}: not a moderation model bundle")
        return bundle, stored

    # -- writing -------------------------------------------------------------

    def save(self, bundle: ModelBundle, manifest: dict[str, Any], name: str = DEFAULT_NAME) -> StoredModel:
        """Write a new immutable version (v1, v2, …) and return it."""
        existing = self.versions(name)
        number = int(_VERSION_RE.match(existing[-1].version).group(1)) + 1 if existing else 1  # type: ignore[union-attr]
        version = f"v{number}"
        path = self.root / name / version
        path.mkdir(parents=True, exist_ok=False)
        artifact = path / ARTIFACT
        joblib.dump(bundle, artifact, compress=3)
        manifest = {
            **manifest,
            "name": name,
            "version": version,
            "normalizer_version": NORMALIZER_VERSION,
            "artifact": {"file": ARTIFACT, "sha256": sha256_of(artifact), "bytes": artifact.stat().st_size},
        }
        (path / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return self._stored(name, path)

    def set_alias(self, name: str, alias: str, version: str, reason: str, actor: str, forced: bool = False) -> None:
        """Move `alias` to `version` and append a history line (promotion or rollback)."""
        self.resolve(name, version)
        aliases = self.aliases(name)
        previous = aliases.get(alias)
        aliases[alias] = version
        folder = self.root / name
        tmp = folder / "aliases.json.tmp"
        tmp.write_text(json.dumps(aliases, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, folder / "aliases.json")
        line = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "alias": alias,
            "from": previous,
            "to": version,
            "reason": reason,
            "by": actor,
            "forced": forced,
        }
        with (folder / "history.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")

    def _stored(self, name: str, path: Path) -> StoredModel:
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ModelStoreError(f"{path / MANIFEST}: unreadable manifest ({error})") from None
        return StoredModel(name, path.name, path, manifest)
