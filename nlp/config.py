"""The settings of the CLI, the service and Alembic: one pydantic-settings class read from PIANCHA_* variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from nlp.paths import DATABASE_FILE, MODELS_DIR, SEED_DIR


class Settings(BaseSettings):
    """Everything configurable, from the environment (prefix PIANCHA_)."""

    model_config = SettingsConfigDict(env_prefix="PIANCHA_", env_file=None, protected_namespaces=())

    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = Field(default=f"sqlite:///{DATABASE_FILE}", description="SQLAlchemy URL")
    model_dir: Path = MODELS_DIR
    seed_dir: Path = SEED_DIR
    api_key: str | None = Field(default=None, description="Required in X-API-Key on write routes when set")
    read_api_key: str | None = Field(
        default=None, description="Required in X-API-Key (or the write key) on data routes when set"
    )
    abstain_threshold: float | None = Field(default=None, ge=0.0, le=1.0, description="Overrides the model's own")
    max_upload_bytes: int = 20 * 1024 * 1024
    max_batch: int = 1000
    parse_time_limit: float = Field(default=60.0, gt=0, description="Seconds an uploaded form may take to be read")
    parse_memory_mb: int = Field(default=2048, ge=256, description="Memory a reader of an upload may use, in MiB")
    retrain_queue: int = Field(default=2, ge=0, description="Retrain jobs that may wait behind the running one")
    model_watch_seconds: float = Field(
        default=2.0, ge=0, description="How often every worker checks models/current for a new version (0: never)"
    )
    load_seed: bool = True

    @field_validator("api_key", "read_api_key", mode="before")
    @classmethod
    def _empty_key_is_no_key(cls, value: object) -> object:
        """`PIANCHA_API_KEY=` (empty or blank) means no key, never a key that an empty header matches."""
        if isinstance(value, str) and not value.strip():
            return None
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (read once)."""
    return Settings()
