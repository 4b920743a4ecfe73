"""Coral Talk links: a Coral tenant and site mapped to one of our sites, with the phase's signing secrets

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 20:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coral_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("coral_site_id", sa.String(length=200), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("signing_secret", sa.String(length=200), nullable=False),
        sa.Column("previous_secret", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "coral_site_id"),
    )
    with op.batch_alter_table("coral_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coral_links_site_id"), ["site_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("coral_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coral_links_site_id"))
    op.drop_table("coral_links")
