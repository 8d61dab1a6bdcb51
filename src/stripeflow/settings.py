"""One typed settings object, read from the environment once, in the composition root.

Nothing else in the package reads the environment: ``Settings.from_env()`` is called by the CLI's ``main`` (or by
a caller of :mod:`stripeflow.api`) and the result is passed down.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The Stripe API version every request pins (``Stripe-Version``) and every row records. It is the version whose
#: object shapes ``shared/stripe-openapi/fixtures3.json`` shows (refunds carry ``customer``; subscription periods
#: sit on the items).
DEFAULT_STRIPE_VERSION = "2026-07-29.dahlia"


class Settings(BaseSettings):
    """Runtime configuration. Every field can be set with a ``STRIPEFLOW_`` environment variable."""

    model_config = SettingsConfigDict(env_prefix="STRIPEFLOW_", extra="ignore", frozen=True)

    data_dir: Path = Field(
        default=Path("./stripeflow-data"),
        description="Holds the metadata store, the datasets and the local encryption key.",
    )
    stripe_api_base: str = Field(
        default="https://api.stripe.com",
        description="Base URL of the Stripe API, or of any Stripe-compatible server such as the emulator.",
    )
    stripe_version: str = Field(default=DEFAULT_STRIPE_VERSION, description="Pinned Stripe-Version header.")
    access_token: SecretStr | None = Field(default=None, description="Stripe secret or restricted key.")
    max_rps: float | None = Field(
        default=None,
        ge=0,
        description="Requests per second for one account, all endpoints together. "
        "Unset: 25 in test mode, 100 in live mode. 0: unlimited.",
    )
    max_endpoint_rps: float = Field(
        default=25.0, ge=0, description="Requests per second for one endpoint. 0: unlimited."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the metadata store. Unset: SQLite in the data dir.",
    )
    tenant_id: str = Field(
        default="stripeflow",
        pattern=r"^[a-z][a-z0-9]{0,63}$",
        description="Tenant id of the Schema Registry: custom XDM fields live under the namespace `_{tenant_id}`.",
    )
    raw_datasets_dir: Path | None = Field(
        default=None,
        description="Folder of the raw Stripe tables. Unset: `datasets/` in the data dir. The flow executor gives "
        "each base connection (Stripe account) its own.",
    )
    bootstrap_token: SecretStr | None = Field(
        default=None,
        description="Bearer token of the REST API. Unset: one is generated on the first `stripeflow serve`.",
    )
    api_keys: str | None = Field(
        default=None,
        description="Comma-separated client ids accepted in `x-api-key`. Unset: any non-empty value.",
    )
    alert_signing_secret: SecretStr | None = Field(
        default=None,
        description="Key of the HMAC-SHA256 signature on flow run alerts (webhooks). Unset: one is generated on first "
        "use and kept in `alert-signing-secret` in the data dir.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key that encrypts stored credentials (comma-separated: the first encrypts, all decrypt, "
        "for rotation). Unset: `secret.key` in the data dir, generated on first use.",
    )
    diagnostics_retention_days: int = Field(
        default=30, ge=1, description="Days the row-error diagnostics of a batch are kept."
    )

    @field_validator("stripe_api_base")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(
                f"STRIPEFLOW_STRIPE_API_BASE must be an http(s) URL such as https://api.stripe.com, got {value!r}"
            )
        return value.rstrip("/")

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Read the environment once; keyword overrides (e.g. from CLI flags) win when not ``None``."""
        given = {key: value for key, value in overrides.items() if value is not None}
        return cls(**given)  # type: ignore[arg-type]

    @property
    def metadata_url(self) -> str:
        """The metadata store URL: ``database_url`` or SQLite under the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'metadata.db').resolve()}"

    @property
    def datasets_dir(self) -> Path:
        """Where extraction lands the raw Stripe tables (one folder per resource)."""
        return self.raw_datasets_dir or self.data_dir / "datasets"

    @property
    def catalog_dir(self) -> Path:
        """Where catalog datasets (XDM datasets bound to a schema) and their diagnostics live."""
        return self.data_dir / "catalog"
