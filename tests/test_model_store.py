"""The model registry and the shipped model: integrity checks, aliases, promotion rules."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from moderation.corpus import load_corpus
from moderation.model import ModelStore, ModelStoreError
from moderation.model.vectors import FastTfidf, cosine
from moderation.model.workflow import Parts, WorkflowError, promote, rollback
from moderation.settings import Settings

SETTINGS = Settings()


@pytest.fixture(scope="module")
def shipped():  # type: ignore[no-untyped-def]
    return ModelStore(SETTINGS.models_dir).load()


def test_shipped_model_was_trained_on_the_current_training_data(shipped) -> None:  # type: ignore[no-untyped-def]
    _, stored = shipped
    corpus = load_corpus(SETTINGS.training_data_dir)
    assert stored.manifest["data"]["sha256"] == corpus.data_hash, "retrain: moderation train --promote"
    assert stored.manifest["data"]["comments"] == len(corpus.comments)


def test_manifest_records_what_a_model_needs(shipped) -> None:  # type: ignore[no-untyped-def]
    _, stored = shipped
    manifest = stored.manifest
    for key in ("created", "data", "labels", "libraries", "normalizer_version", "thresholds", "metrics", "artifact"):
        assert key in manifest
    assert set(manifest["metrics"]) >= {"dev", "test"}
    assert manifest["threshold_targets"]["tuned_on"] == "dev"


def test_fast_tfidf_equals_scikit_learn() -> None:
    texts = ["کتابخانه مرکزی باز شد", "کتابخانه‌ها و کتاب‌ها", "خبر خوبی بود خبر", "abc def"]
    for vectorizer in (
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2)),
    ):
        vectorizer.fit(texts)
        fast = FastTfidf(vectorizer)
        for text in [*texts, "کتاب کتاب کتاب خوب", "zzz"]:
            expected = vectorizer.transform([text]).toarray().ravel()
            columns, values = fast.vector(text)
            got = np.zeros_like(expected)
            got[columns] = values
            np.testing.assert_allclose(got, expected, atol=1e-12)
    a = FastTfidf(vectorizer).vector("کتابخانه مرکزی")
    assert cosine(a, a) == pytest.approx(1.0)


def test_fast_tfidf_saves_its_vocabulary_as_one_array_and_loads_both_formats(tmp_path: Path) -> None:
    import joblib

    texts = ["کتابخانه مرکزی باز شد", "کتابخانه‌ها و کتاب‌ها", "خبر خوبی بود خبر"]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True).fit(texts)
    fast = FastTfidf(vectorizer)
    state = fast.__getstate__()
    assert "vocabulary" not in state and state["terms"].dtype.kind == "U"  # an array joblib writes as one buffer
    joblib.dump(fast, tmp_path / "f.joblib")
    loaded = joblib.load(tmp_path / "f.joblib")
    older = FastTfidf.__new__(FastTfidf)  # the format saved before: a dict with numpy integers
    older.__setstate__({**{k: v for k, v in state.items() if k != "terms"}, "vocabulary": vectorizer.vocabulary_})
    for restored in (loaded, older):
        assert restored._vocabulary == fast._vocabulary
        assert all(type(column) is int for column in restored._vocabulary.values())
        for text in texts:
            np.testing.assert_array_equal(restored.vector(text)[1], fast.vector(text)[1])


@pytest.fixture()
def tmp_store(tmp_path: Path) -> ModelStore:
    source = ModelStore(SETTINGS.models_dir).resolve()
    target = tmp_path / "models" / "moderation" / "v1"
    shutil.copytree(source.path, target)
    store = ModelStore(tmp_path / "models")
    store.set_alias("moderation", "production", "v1", "test setup", "pytest")
    return store


def test_tampered_artifact_is_refused_before_unpickling(tmp_store: ModelStore) -> None:
    artifact = tmp_store.resolve().path / "model.joblib"
    artifact.write_bytes(artifact.read_bytes() + b"tampered")
    with pytest.raises(ModelStoreError, match="sha256"):
        tmp_store.load()


def test_model_for_another_normalizer_is_refused(tmp_store: ModelStore) -> None:
    manifest_path = tmp_store.resolve().path / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["normalizer_version"] = "0.0.1"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelStoreError, match=r"normalizer 0\.0\.1"):
        tmp_store.load()


def test_unknown_version_is_a_clear_error(tmp_store: ModelStore) -> None:
    with pytest.raises(ModelStoreError, match="no model 'v9'"):
        tmp_store.load("moderation", "v9")


def test_versions_are_immutable_and_numbered(tmp_store: ModelStore, shipped) -> None:  # type: ignore[no-untyped-def]
    bundle, _ = shipped
    saved = tmp_store.save(bundle, {"note": "copy"})
    assert saved.version == "v2"
    assert [s.version for s in tmp_store.versions()] == ["v1", "v2"]
    assert tmp_store.load("moderation", "v2")[1].manifest["note"] == "copy"


def test_promotion_of_a_worse_model_is_refused_unless_forced(tmp_store: ModelStore, shipped) -> None:  # type: ignore[no-untyped-def]
    bundle, _ = shipped
    worse = copy.deepcopy(bundle)
    for head in worse.heads.values():  # a model that has learnt nothing from text
        head.text_coef = np.zeros_like(head.text_coef)
        head.stack_coef = np.zeros_like(head.stack_coef)
    saved = tmp_store.save(worse, {"note": "worse"})
    parts = Parts.build()
    with pytest.raises(WorkflowError, match="worse on the test split"):
        promote(SETTINGS.training_data_dir, tmp_store, parts, "moderation", saved.version)
    assert tmp_store.aliases()["production"] == "v1"
    with pytest.raises(WorkflowError, match="--reason"):
        promote(SETTINGS.training_data_dir, tmp_store, parts, "moderation", saved.version, force=True)
    promote(SETTINGS.training_data_dir, tmp_store, parts, "moderation", saved.version, force=True, reason="drill")
    assert tmp_store.aliases()["production"] == saved.version
    history = tmp_store.history()
    assert history[-1]["forced"] is True and history[-1]["reason"] == "drill"
    assert rollback(tmp_store, "moderation") == "v1"
    assert tmp_store.aliases()["production"] == "v1"
