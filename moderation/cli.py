"""The `moderation` command: a thin Typer layer over the core; errors are one line and exit 1."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="Persian comment moderation: normalize, identify language, check comments, train and promote models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


class CliError(Exception):
    """An error the user can fix; printed as one line."""


@contextmanager
def _reported(*errors: type[Exception]) -> Iterator[None]:
    """These errors are the user's to fix (an unknown name, a bad value…): one line, no traceback."""
    try:
        yield
    except errors as error:
        raise CliError(str(error)) from None


def _text_argument(text: str) -> str:
    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        raise CliError("the text is empty; pass it as an argument or '-' to read standard input")
    return text


def _print(payload: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for key, value in payload.items():
        if isinstance(value, list | dict):
            value = json.dumps(value, ensure_ascii=False)
        typer.echo(f"{key}: {value}")


@app.command()
def normalize(
    text: Annotated[str, typer.Argument(help="The comment ('-' reads standard input).")],
    as_json: JsonFlag = False,
) -> None:
    """Normalize a comment and show its entities and lexicon hits."""
    from moderation.lexicon import Lexicon
    from moderation.text import PersianNormalizer

    normalized = PersianNormalizer().normalize(_text_argument(text))
    lexicon = Lexicon.default()
    _print(
        {
            "normalized": normalized.text,
            "normalizer_version": normalized.version,
            "entities": [asdict(e) for e in normalized.entities],
            "lexicon": [asdict(m) for m in lexicon.find(normalized)],
        },
        as_json,
    )


@app.command()
def language(
    text: Annotated[str, typer.Argument(help="The comment ('-' reads standard input).")],
    as_json: JsonFlag = False,
) -> None:
    """Identify the language of a comment: fa, fa-Latn (Finglish), ar, ur, en, …, or und."""
    from moderation.language import LanguageGate
    from moderation.text import PersianNormalizer

    normalized = PersianNormalizer().normalize(_text_argument(text))
    result = LanguageGate().detect(normalized.language_view)
    _print({"language": result.language, "confidence": result.confidence, "method": result.method}, as_json)


models_app = typer.Typer(help="List trained model versions.", no_args_is_help=True)
data_app = typer.Typer(help="Check the training data.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(data_app, name="data")

DataDir = Annotated[Path | None, typer.Option("--data", help="Training data folder (default: training_data/).")]
ModelsDir = Annotated[Path | None, typer.Option("--models", help="Model registry folder (default: models/).")]
ModelName = Annotated[str, typer.Option("--name", help="Model name in the registry.")]


def _settings(data: Path | None = None, models: Path | None = None) -> Any:
    from moderation.settings import Settings

    settings = Settings()
    return settings.model_copy(
        update={k: v for k, v in {"training_data_dir": data, "models_dir": models}.items() if v is not None}
    )


def _progress(message: str) -> None:
    typer.echo(f"· {message}", err=True)


@data_app.command("check")
def data_check(data: DataDir = None, as_json: JsonFlag = False) -> None:
    """Duplicates, empty texts, train/test overlap and per-label counts, before training."""
    from moderation.corpus import CorpusError, check_corpus, load_corpus
    from moderation.text import PersianNormalizer

    settings = _settings(data)
    with _reported(CorpusError):
        report = check_corpus(load_corpus(settings.training_data_dir), PersianNormalizer())
    payload = {
        "articles": report.articles,
        "comments": report.comments,
        "label_counts": report.label_counts,
        "problems": report.problems,
        "warnings": report.warnings,
    }
    _print(payload, as_json)
    if not report.ok:
        raise CliError(f"{len(report.problems)} problems in the training data")


@app.command()
def train(
    data: DataDir = None,
    models: ModelsDir = None,
    name: ModelName = "moderation",
    include_feedback: Annotated[
        list[Path] | None, typer.Option("--include-feedback", help="Feedback file(s) from export-feedback.")
    ] = None,
    promote_it: Annotated[bool, typer.Option("--promote", help="Promote the new version if it is not worse.")] = False,
    reports: Annotated[
        Path, typer.Option("--reports", help="Where the held-out feedback report goes (<reports>/<name>-<version>-…).")
    ] = Path("reports"),
    as_json: JsonFlag = False,
) -> None:
    """Train a new immutable model version under models/<name>/<version>/.

    With --include-feedback, 30 % of the feedback articles are held out: the report on them (new model
    vs production, on human-reviewed items it did not train on) is written under --reports."""
    from moderation.corpus import CorpusError
    from moderation.model import ModelStore
    from moderation.model.workflow import Parts, WorkflowError, feedback_report_dir, promote, train_new_version

    settings = _settings(data, models)
    for path in include_feedback or []:
        if not path.is_file():
            raise CliError(f"{path}: no such feedback file")
    store = ModelStore(settings.models_dir)
    try:
        parts = Parts.build()
        stored, manifest = train_new_version(
            settings.training_data_dir, store, parts, name, tuple(include_feedback or ()), _progress, reports
        )
        promoted = promote(settings.training_data_dir, store, parts, name, stored.version) if promote_it else None
    except (CorpusError, WorkflowError) as error:
        raise CliError(str(error)) from None
    test = manifest["metrics"]["test"]
    held_out = manifest["metrics"].get("feedback_held_out")
    feedback: dict[str, Any] = {}
    if include_feedback:
        feedback = {"feedback_comments": manifest["data"]["feedback_comments"]}
        if held_out is not None:
            baseline = manifest["metrics"].get("feedback_held_out_production") or {}
            feedback |= {
                "feedback_held_out_macro_f1": held_out["macro_f1"],
                "feedback_held_out_automation": held_out["automation"],
                "production_on_feedback_held_out_macro_f1": baseline.get("macro_f1"),
                "feedback_report": str(feedback_report_dir(reports, stored) / "report.md"),
            }
    _print(
        {
            "version": stored.label,
            "path": str(stored.path),
            "seconds": manifest["training"]["seconds"],
            "thresholds": manifest["thresholds"],
            "test_macro_f1": test["macro_f1"],
            "test_labels": test["labels"],
            "test_automation": test["automation"],
            **feedback,
            "promoted": promoted,
        },
        as_json,
    )


@app.command()
def evaluate(
    version: Annotated[str, typer.Option("--version", help="Alias or version to evaluate.")] = "production",
    split: Annotated[
        str, typer.Option("--split", help="train, dev, test, or feedback_held_out (with --include-feedback).")
    ] = "test",
    include_feedback: Annotated[
        list[Path] | None, typer.Option("--include-feedback", help="Feedback file(s) from export-feedback.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Report folder (default: reports/<name>-<version>-<split>).")
    ] = None,
    data: DataDir = None,
    models: ModelsDir = None,
    name: ModelName = "moderation",
    as_json: JsonFlag = False,
) -> None:
    """Metrics (precision, recall, F1 per label, macro F1, ROC AUC, confusion) as JSON plus a Markdown report."""
    from moderation.corpus import CorpusError
    from moderation.model import ModelStore, ModelStoreError
    from moderation.model.report import write_report
    from moderation.model.workflow import Parts, WorkflowError, evaluate_version

    settings = _settings(data, models)
    try:
        run, result, stored = evaluate_version(  # progress: the engine over every comment of the split
            settings.training_data_dir,
            ModelStore(settings.models_dir),
            Parts.build(),
            name,
            version,
            split,
            tuple(include_feedback or ()),
        )
    except (ModelStoreError, WorkflowError, CorpusError) as error:
        raise CliError(str(error)) from None
    folder = out or Path("reports") / f"{name}-{stored.version}-{split}"
    report = write_report(run, result, folder, f"{stored.label} on the {split} split")
    _print({"model": stored.label, "split": split, "report": str(report), **result}, as_json)


@models_app.command("list")
def models_list(models: ModelsDir = None, name: ModelName = "moderation", as_json: JsonFlag = False) -> None:
    """Every version with its creation time, test macro F1 and aliases."""
    from moderation.model import ModelStore

    store = ModelStore(_settings(models=models).models_dir)
    aliases = store.aliases(name)
    rows = []
    for stored in store.versions(name):
        test = stored.manifest.get("metrics", {}).get("test", {})
        rows.append(
            {
                "version": stored.version,
                "created": stored.manifest.get("created"),
                "test_macro_f1": test.get("macro_f1"),
                "aliases": [a for a, v in aliases.items() if v == stored.version],
            }
        )
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        typer.echo(
            f"{row['version']:>5}  {row['created']}  macro F1 {row['test_macro_f1']}  {' '.join(row['aliases'])}"
        )


@app.command("promote")
def promote_command(
    version: Annotated[str, typer.Argument(help="The version to serve, e.g. v3.")],
    force: Annotated[bool, typer.Option("--force", help="Promote even if held-out metrics got worse.")] = False,
    reason: Annotated[str, typer.Option("--reason", help="Why (required with --force).")] = "",
    data: DataDir = None,
    models: ModelsDir = None,
    name: ModelName = "moderation",
) -> None:
    """Move the production alias to VERSION, refusing a model that is worse on the test split."""
    from moderation.model import ModelStore, ModelStoreError
    from moderation.model.workflow import Parts, WorkflowError, promote

    settings = _settings(data, models)
    try:
        result = promote(
            settings.training_data_dir, ModelStore(settings.models_dir), Parts.build(), name, version, force, reason
        )
    except (ModelStoreError, WorkflowError) as error:
        raise CliError(str(error)) from None
    _print({"promoted": version, **result}, False)


@app.command()
def rollback(
    reason: Annotated[str, typer.Option("--reason", help="Why.")] = "rollback",
    models: ModelsDir = None,
    name: ModelName = "moderation",
) -> None:
    """Point production back at the version it had before the last promotion."""
    from moderation.model import ModelStore
    from moderation.model.workflow import WorkflowError
    from moderation.model.workflow import rollback as do_rollback

    with _reported(WorkflowError):
        version = do_rollback(ModelStore(_settings(models=models).models_dir), name, reason)
    typer.echo(f"production is now {version}")


@app.command()
def check(
    text: Annotated[str, typer.Argument(help="The comment ('-' reads standard input).")],
    article: Annotated[Path | None, typer.Option("--article", help="JSON file with title, lead, body.")] = None,
    parent: Annotated[str | None, typer.Option("--parent", help="The comment this one replies to.")] = None,
    version: Annotated[str, typer.Option("--version", help="Alias or version.")] = "production",
    models: ModelsDir = None,
    name: ModelName = "moderation",
) -> None:
    """Print the full decision for one comment."""
    from moderation.assembly import build_engine
    from moderation.engine import ArticleText, CommentInput
    from moderation.model import ModelStoreError

    article_text = None
    if article is not None:
        try:
            data = json.loads(article.read_text(encoding="utf-8"))
            article_text = ArticleText(str(data.get("title", "")), str(data.get("lead", "")), str(data.get("body", "")))
        except (OSError, json.JSONDecodeError, AttributeError) as error:
            raise CliError(f"{article}: not a readable article JSON ({error})") from None
    settings = _settings(models=models).model_copy(update={"model_name": name, "model_ref": version})
    with _reported(ModelStoreError):
        engine = build_engine(settings)
    decision = engine.moderate(CommentInput(_text_argument(text), article_text, parent))
    typer.echo(json.dumps(decision.to_dict(), ensure_ascii=False, indent=2))


sites_app = typer.Typer(help="Manage sites: API keys, policies, webhooks.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
app.add_typer(sites_app, name="sites")
app.add_typer(db_app, name="db")


def _sessions() -> Any:
    from sqlalchemy.orm import sessionmaker

    from moderation.storage import build_engine, upgrade

    settings = _settings()
    url = settings.resolved_database_url()
    if url.startswith("sqlite") and not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = build_engine(url)
    upgrade(engine)
    return sessionmaker(engine, expire_on_commit=False)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database (MODERATION_DATABASE_URL, default the embedded SQLite) to the newest schema."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        _sessions()
    except SQLAlchemyError as error:
        raise CliError(f"cannot migrate: {str(error).splitlines()[0]}") from None
    typer.echo("database is at the newest schema")


@sites_app.command("add")
def sites_add(
    name: Annotated[str, typer.Argument(help="A short name, e.g. the site's domain.")],
    webhook_url: Annotated[str | None, typer.Option("--webhook-url", help="Where decisions are POSTed.")] = None,
) -> None:
    """Create a site; prints its API key and webhook secret once (only hashes are kept of the key)."""
    from moderation.sites import SiteError, create_site

    with _reported(SiteError), _sessions().begin() as session:
        site, key, secret = create_site(session, name, webhook_url)
    typer.echo(f"site: {site.name}\napi key (shown once): {key}\nwebhook secret: {secret}")


@sites_app.command("list")
def sites_list(as_json: JsonFlag = False) -> None:
    """Every site with its key prefix, webhook and policy overrides."""
    from moderation.sites import list_sites

    with _sessions()() as session:
        rows = [asdict(s) for s in list_sites(session)]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        policy = json.dumps(row["policy"], ensure_ascii=False)
        typer.echo(f"{row['name']}  key {row['key_prefix']}…  webhook {row['webhook_url'] or '-'}  policy {policy}")


@sites_app.command("rotate-key")
def sites_rotate_key(name: Annotated[str, typer.Argument(help="The site.")]) -> None:
    """Issue a new API key; the old one stops working at once."""
    from moderation.sites import SiteError, rotate_key

    with _reported(SiteError), _sessions().begin() as session:
        key = rotate_key(session, name)
    typer.echo(f"new api key (shown once): {key}")


@sites_app.command("set-policy")
def sites_set_policy(
    name: Annotated[str, typer.Argument(help="The site.")],
    policy_file: Annotated[Path, typer.Argument(help="JSON file with the policy overrides.")],
) -> None:
    """Replace a site's policy overrides (thresholds, actions, language rules, word lists)."""
    from moderation.sites import SiteError, set_policy

    try:
        overrides = json.loads(policy_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise CliError(f"{policy_file}: not a readable JSON file ({error})") from None
    with _reported(SiteError), _sessions().begin() as session:
        site = set_policy(session, name, overrides)
    typer.echo(f"policy of {site.name} set: {json.dumps(site.policy, ensure_ascii=False)}")


users_app = typer.Typer(help="Moderator accounts: roles moderator, admin, data.", no_args_is_help=True)
app.add_typer(users_app, name="users")


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option("--role", help="moderator, admin or data.")] = "moderator",
    site: Annotated[
        list[str] | None, typer.Option("--site", help="A site whose queue a moderator works (repeat).")
    ] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Create an account; the password is asked for (or read from stdin) and kept only as an argon2 hash."""
    from moderation.people import UserError, create_user

    with _reported(UserError):
        person = create_user(_sessions(), username, _password(password_stdin), role, site or [])
    typer.echo(f"user {person.username} ({person.role}) created")


@users_app.command("list")
def users_list(as_json: JsonFlag = False) -> None:
    """Every account with its role, sites and whether it is disabled."""
    from moderation.people import list_users

    rows = [asdict(p) for p in list_users(_sessions())]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        state = " (disabled)" if row["disabled"] else ""
        typer.echo(f"{row['username']}\t{row['role']}\tsites={list(row['site_ids'])}{state}")


@users_app.command("set-role")
def users_set_role(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Argument(help="moderator, admin or data.")],
    site: Annotated[list[str] | None, typer.Option("--site", help="Replace the account's sites (repeat).")] = None,
) -> None:
    """Change an account's role (and, with --site, its sites)."""
    from moderation.people import UserError, set_role

    with _reported(UserError):
        person = set_role(_sessions(), username, role, site)
    typer.echo(f"user {person.username} is now {person.role}, sites={list(person.site_ids)}")


@users_app.command("disable")
def users_disable(
    username: Annotated[str, typer.Argument()],
    enable: Annotated[bool, typer.Option("--enable", help="Enable the account again instead.")] = False,
) -> None:
    """Disable an account and end its sessions at once (or enable it again)."""
    from moderation.people import UserError, set_disabled

    with _reported(UserError):
        person = set_disabled(_sessions(), username, not enable)
    typer.echo(f"user {person.username} {'disabled' if person.disabled else 'enabled'}")


@users_app.command("set-password")
def users_set_password(
    username: Annotated[str, typer.Argument()],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Set a new password."""
    from moderation.people import UserError, set_password

    with _reported(UserError):
        set_password(_sessions(), username, _password(password_stdin))
    typer.echo(f"password of {username} changed")


@sites_app.command("link-coral")
def sites_link_coral(
    tenant_id: Annotated[str, typer.Argument(help="Coral's tenant id (tenantID in the phase request).")],
    coral_site_id: Annotated[str, typer.Argument(help="Coral's site id (site.id in the phase request).")],
    site: Annotated[str, typer.Argument(help="Our site that moderates this Coral site.")],
    secret: Annotated[
        str | None,
        typer.Option(
            "--secret",
            help="The phase's signing secret from Coral's admin. A new one is added; the old one stays valid "
            "until --drop-previous (Coral signs with both while rotating).",
        ),
    ] = None,
    drop_previous: Annotated[
        bool, typer.Option("--drop-previous", help="End a rotation: accept only the current secret.")
    ] = False,
) -> None:
    """Link a Coral Talk tenant's site to one of our sites for POST /integrations/coral/phase."""
    from moderation.integrations import coral
    from moderation.sites import SiteError

    with _reported(SiteError), _sessions().begin() as session:
        info, created = coral.link(session, tenant_id, coral_site_id, site, secret)
        if drop_previous:
            coral.drop_previous_secret(session, tenant_id, coral_site_id)
            info = coral.find_link(session, tenant_id, coral_site_id) or info
    verb = "linked" if created else "updated"
    typer.echo(
        f"{verb}: Coral tenant {info.tenant_id} site {info.coral_site_id} → {info.site.name}; "
        f"{len(info.secrets)} signing secret(s) accepted"
    )


def _since(value: str | None) -> Any:
    """A date (2026-11-01, midnight UTC) or an ISO time; naive times are UTC."""
    from datetime import UTC, datetime

    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"--since {value!r}: not a date (YYYY-MM-DD) or an ISO time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


SinceOption = Annotated[
    str | None, typer.Option("--since", help="Only decisions from this date (YYYY-MM-DD, UTC) or ISO time on.")
]


@app.command("export-feedback")
def export_feedback_command(
    since: SinceOption = None,
    site: Annotated[str | None, typer.Option("--site", help="Only this site (default: every site).")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="The JSONL file to write (default: standard output).")
    ] = None,
) -> None:
    """Write every human decision as labelled comments (training_data/ format) with provenance.

    Labels: an approval is publishable (no label); a rejection is its reason code's label, else every
    content category the engine flagged. The summary goes to standard error."""
    from sqlalchemy.exc import SQLAlchemyError

    from moderation.feedback import export_feedback, write_records

    moment = _since(since)
    try:
        sessions = _sessions()
        if site is not None:
            _require_site(sessions, site)
        result = export_feedback(sessions.kw["bind"], moment, site)
    except SQLAlchemyError as error:
        raise CliError(f"cannot read the database: {str(error).splitlines()[0]}") from None
    if out is None:
        write_records(result.records, sys.stdout)
    else:
        try:
            with out.open("w", encoding="utf-8") as handle:
                write_records(result.records, handle)
        except OSError as error:
            raise CliError(f"{out}: cannot write ({error.strerror})") from None
    typer.echo(json.dumps(result.summary(), ensure_ascii=False), err=True)


def _require_site(sessions: Any, name: str) -> Any:
    from moderation.sites import SiteError, SiteInfo
    from moderation.sites.registry import get_site

    with sessions() as session, _reported(SiteError):
        return SiteInfo.of(get_site(session, name))


@app.command()
def calibrate(
    site: Annotated[
        str, typer.Option("--site", help="The site whose reviewed items are used and whose policy is set.")
    ],
    target_precision: Annotated[
        float, typer.Option("--target-precision", help="Auto-reject only where at least this share was rejected.")
    ] = 0.98,
    target_recall: Annotated[
        float, typer.Option("--target-recall", help="Keep at least this share of a category's rejections in review.")
    ] = 0.98,
    min_items: Annotated[int, typer.Option("--min-items", help="Fewest reviewed items to propose anything.")] = 20,
    max_step: Annotated[
        float, typer.Option("--max-step", help="The most a threshold moves in one run (1 or more: no limit).")
    ] = 0.25,
    since: SinceOption = None,
    models: ModelsDir = None,
    name: ModelName = "moderation",
    version: Annotated[
        str, typer.Option("--version", help="Use items scored by this model (alias or version).")
    ] = "production",
    yes: Annotated[bool, typer.Option("--yes", help="Apply the proposal without asking.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Propose review/reject thresholds for a site from its reviewed items; apply them only when confirmed."""
    from sqlalchemy.exc import SQLAlchemyError

    from moderation.feedback import calibrate as propose
    from moderation.feedback import current_thresholds, export_feedback, policy_with, reviewed_items
    from moderation.model import ModelStore, ModelStoreError
    from moderation.sites import SiteError, set_policy

    if not 0.5 <= target_precision <= 1.0 or not 0.5 <= target_recall <= 1.0:
        raise CliError("--target-precision and --target-recall are between 0.5 and 1")
    if min_items < 1:
        raise CliError("--min-items is at least 1")
    if max_step <= 0:
        raise CliError("--max-step is positive")
    with _reported(ModelStoreError):
        stored = ModelStore(_settings(models=models).models_dir).resolve(name, version)
    moment = _since(since)
    try:
        sessions = _sessions()
        info = _require_site(sessions, site)
        records = export_feedback(sessions.kw["bind"], moment, site, for_calibration=True).records
    except SQLAlchemyError as error:
        raise CliError(f"cannot read the database: {str(error).splitlines()[0]}") from None
    items, skipped = reviewed_items(records, stored.label)
    current = current_thresholds(info.policy, stored.manifest.get("thresholds", {}))
    result = propose(items, current, target_precision, target_recall, min_items, max_step=max_step)
    result = replace(result, skipped=dict(skipped))
    overrides = policy_with(info.policy, result)
    if as_json:
        typer.echo(
            json.dumps(
                {"site": site, "model": stored.label, **result.to_dict(), "policy": overrides},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        _print_calibration(site, stored.label, result)
    if not result.changed:
        typer.echo("nothing to apply", err=True)
        return
    # Never applied unasked: --yes, or a person at a terminal who says so.
    if not yes and (not sys.stdin.isatty() or not typer.confirm(f"apply these thresholds to {site}?", default=False)):
        typer.echo("not applied (pass --yes to apply)", err=True)
        return
    with _reported(SiteError), sessions.begin() as session:
        applied = set_policy(session, site, overrides)
    typer.echo(f"applied: policy of {applied.name} is {json.dumps(applied.policy, ensure_ascii=False)}", err=True)


def _print_calibration(site: str, model: str, result: Any) -> None:
    def cut(value: float | None) -> str:
        return "never" if value is None or value > 1.0 else f"{value:.4f}"

    typer.echo(
        f"{site}: {result.items} reviewed items scored by {model}; target precision {result.target_precision:.0%}, "
        f"recall {result.target_recall:.0%}"
    )
    for reason, count in result.skipped.items():
        typer.echo(f"  left out: {count} {reason}")
    typer.echo(f"{'category':<11} {'items':>5} {'rej.':>5} {'review now → proposed':>24} {'reject now → proposed':>24}")
    for c in result.categories:
        review = f"{cut(c.current.review)} → {cut(c.proposed.review)}"
        reject = f"{cut(c.current.reject)} → {cut(c.proposed.reject)}"
        typer.echo(f"{c.category:<11} {c.items:>5} {c.rejected:>5} {review:>24} {reject:>24}")
        if c.reject_precision is not None:
            typer.echo(f"{'':<11} reject cut: {c.reject_precision:.1%} of {c.reject_support} items were rejected")
        if c.review_recall is not None:
            typer.echo(f"{'':<11} review cut keeps {c.review_recall:.1%} of {c.positives} rejected for {c.category}")
        for note in c.notes:
            typer.echo(f"{'':<11} {note}")
    for label, sim in (("current", result.current), ("proposed", result.proposed)):
        typer.echo(
            f"{label:>8}: {sim.automation_rate:.1%} of the reviewed items decided automatically, "
            f"errors {sim.error_rate:.1%} of those ({sim.wrongly_published} wrongly published, "
            f"{sim.wrongly_rejected} wrongly rejected)"
        )


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except CliError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
