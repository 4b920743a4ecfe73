"""The `moderation` command: every command has help, output is JSON on request, errors are one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from moderation.cli import app

runner = CliRunner()


def _commands(group=None, prefix=()):  # type: ignore[no-untyped-def]
    group = group or get_command(app)
    for name, command in group.commands.items():
        path = (*prefix, name)
        if hasattr(command, "commands"):
            yield from _commands(command, path)
        else:
            yield path


ALL = sorted(_commands())


def test_the_documented_commands_exist() -> None:
    names = {" ".join(c) for c in ALL}
    expected = "normalize language check train evaluate promote rollback data check models list"
    assert {
        "normalize",
        "language",
        "check",
        "train",
        "evaluate",
        "promote",
        "rollback",
        "data check",
        "models list",
    } <= names, expected


@pytest.mark.parametrize("command", ALL, ids=lambda c: " ".join(c))
def test_every_command_has_help(command: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert len(result.output.strip()) > 40


def test_normalize_prints_json_with_spans() -> None:
    result = runner.invoke(app, ["normalize", "--json", "تو یه ا.ح.م.ق هستی"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["normalized"] == "تو یه احمق هستی"
    assert data["lexicon"][0]["text"] == "ا.ح.م.ق"


def test_language_prints_json() -> None:
    result = runner.invoke(app, ["language", "--json", "kheili khoob bood"])
    assert json.loads(result.output)["language"] == "fa-Latn"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "moderation.cli", *args], capture_output=True, text=True, timeout=120)


def test_errors_are_one_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    result = _run("check", "سلام", "--models", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("error: ") and "no model" in result.stderr
    assert "Traceback" not in result.stderr


def test_empty_text_is_an_error() -> None:
    result = _run("normalize", "  ")
    assert result.returncode == 1 and result.stderr.startswith("error: the text is empty")


def test_sites_commands_manage_keys_and_policies(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "MODERATION_DATA_DIR": str(tmp_path)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "moderation.cli", *args], capture_output=True, text=True, timeout=120, env=env
        )

    added = run("sites", "add", "news.example", "--webhook-url", "https://news.example/hook")
    assert added.returncode == 0 and "api key (shown once): mk_" in added.stdout
    assert run("sites", "add", "news.example").stderr.startswith("error: a site named")
    policy = tmp_path / "policy.json"
    policy.write_text('{"categories": {"off_topic": {"enabled": false}}}', encoding="utf-8")
    assert run("sites", "set-policy", "news.example", str(policy)).returncode == 0
    policy.write_text('{"categories": {"accusation": {"can_reject": true}}}', encoding="utf-8")
    refused = run("sites", "set-policy", "news.example", str(policy))
    assert refused.returncode == 1 and "accusation" in refused.stderr
    listed = json.loads(run("sites", "list", "--json").stdout)
    assert listed[0]["policy"] == {"categories": {"off_topic": {"enabled": False}}}
    rotated = run("sites", "rotate-key", "news.example")
    assert rotated.returncode == 0 and "mk_" in rotated.stdout


def test_evaluate_writes_metrics_and_a_report_with_plots(tmp_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", "--split", "dev", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert {"labels", "macro_f1", "verdicts", "automation"} <= set(metrics)
    for label in ("insult", "spam", "off_topic", "accusation"):
        assert {"precision", "recall", "f1", "roc_auc"} <= set(metrics["labels"][label])
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "Macro F1" in report
    for plot in ("precision_recall.png", "confusion_matrix.png", "score_histograms.png"):
        assert (tmp_path / plot).read_bytes()[:4] == b"\x89PNG"


def test_users_commands_manage_accounts(tmp_path: Path) -> None:
    import json
    import os

    env = {**os.environ, "MODERATION_DATA_DIR": str(tmp_path)}

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "moderation.cli", *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            input=stdin,
        )

    assert run("sites", "add", "news.example").returncode == 0
    added = run("users", "add", "sara", "--site", "news.example", "--password-stdin", stdin="long-enough-pass\n")
    assert added.returncode == 0 and "sara (moderator)" in added.stdout
    short = run("users", "add", "bob", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and short.stderr.strip() == "error: a password needs at least 10 characters"
    unknown_site = run("users", "add", "bob", "--site", "nowhere", "--password-stdin", stdin="long-enough-pass\n")
    assert unknown_site.returncode == 1 and "no site 'nowhere'" in unknown_site.stderr
    assert run("users", "set-role", "sara", "admin").returncode == 0
    assert run("users", "set-role", "sara", "boss").returncode == 1
    assert run("users", "disable", "sara").returncode == 0
    [row] = json.loads(run("users", "list", "--json").stdout)
    assert row["username"] == "sara" and row["role"] == "admin" and row["disabled"] is True
    assert len(row["site_ids"]) == 1
