"""Settings from environment variables (prefix MODERATION_), validated at start-up."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MODERATION_", extra="ignore")

    models_dir: Path = Field(default=PROJECT_ROOT / "models", description="Where trained model versions live.")
    model_name: str = Field(default="moderation", pattern=r"^[a-z][a-z0-9_-]*$")
    model_ref: str = Field(default="production", description="Alias or version of the model to serve.")
    training_data_dir: Path = Field(default=PROJECT_ROOT / "training_data")
    data_dir: Path = Field(default=PROJECT_ROOT / "data", description="Where the embedded SQLite database lives.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default: SQLite under data_dir.")
    hash_salt: SecretStr | None = Field(
        default=None, description="Salt for author e-mail/IP hashes; generated and kept under data_dir when unset."
    )
    admin_token: SecretStr | None = Field(
        default=None, description="Bearer token of the admin API (/v1/admin/…); the admin API is off without it."
    )
    auto_migrate: bool = Field(default=True, description="Migrate the database to head on start-up.")
    create_demo_site: bool = Field(
        default=True, description="Create a demo site (key printed once) on an empty database."
    )
    max_body_bytes: int = Field(default=2_500_000, ge=1_000, description="Largest request body.")
    max_comment_bytes: int = Field(default=20_000, ge=100, description="Largest comment text (UTF-8 bytes).")
    rate_limit_per_minute: int = Field(default=6_000, ge=1, description="Comments per minute per API key.")
    rate_limit_burst: int = Field(default=600, ge=1)
    site_cache_seconds: float = Field(default=10.0, ge=0, description="How long an authenticated key is trusted.")
    latency_budget_ms: float = Field(
        default=200.0,
        gt=0,
        description="Engine time per comment; once spent before the model stage, the model is skipped and the "
        "comment goes to review as degraded.",
    )
    webhook_interval_seconds: float = Field(default=1.0, gt=0)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    review_lease_minutes: float = Field(default=10.0, gt=0, description="How long a moderator holds claimed items.")
    review_claim_size: int = Field(default=20, ge=1, le=50, description="Items the queue page claims at once.")
    session_cookie_secure: bool | None = Field(
        default=None, description="Mark the moderators' session cookie Secure; default: when served over https."
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'moderation.db').resolve()}"

    def resolved_hash_salt(self) -> bytes:
        """The configured salt; for the embedded default, one generated once and kept in data_dir."""
        if self.hash_salt is not None:
            value = self.hash_salt.get_secret_value()
            if len(value) < 16 or value in {"changeme", "secret", "salt"}:
                raise ValueError("MODERATION_HASH_SALT must be at least 16 characters and not a placeholder")
            return value.encode("utf-8")
        if self.database_url and not self.database_url.startswith("sqlite"):
            raise ValueError("MODERATION_HASH_SALT must be set when the database is shared (not the embedded SQLite)")
        import secrets

        path = self.data_dir / "hash_salt"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip().encode("utf-8")
