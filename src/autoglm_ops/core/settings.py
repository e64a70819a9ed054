"""Settings: one pydantic-settings class, env prefix ``AUTOGLM_``, built by a cached function."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from autoglm_ops.core.errors import ConfigurationError

_PLACEHOLDERS = {"", "changeme", "change-me", "placeholder", "secret", "xxx", "your-key-here"}


class Settings(BaseSettings):
    """Every knob of the platform. Read from the environment (``AUTOGLM_*``) or a ``.env`` file."""

    model_config = SettingsConfigDict(env_prefix="AUTOGLM_", env_file=".env", extra="ignore")

    env: str = Field("dev", description="dev | prod; prod refuses placeholder secrets")
    data_dir: Path = Field(Path("./var"), description="where SQLite, models and logs live")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in data_dir")
    tasks_dir: Path | None = Field(None, description="extra task YAML files")
    backend: str = Field("local", description="default extraction backend")
    local_model_dir: Path | None = Field(None, description="`local` model dir; unset: shipped")
    host: str = "127.0.0.1"
    port: int = 8000
    grpc_port: int = Field(50051, ge=0, le=65535, description="0 disables the gRPC server")
    grpc_reflection: bool = Field(False, description="expose gRPC server reflection")
    # few threads: CPU-bound ones hold the GIL that grpc.aio's intake needs (api/grpc/server.py)
    grpc_workers: int = Field(0, ge=0, description="threads running gRPC calls; 0: cores + 1")
    max_text_chars: int = Field(20_000, gt=0)
    max_body_bytes: int = Field(256 * 1024, gt=0)
    review_threshold: float = Field(0.8, ge=0.0, le=1.0)
    # share of auto-accepted answers (no review needed) also sent to a reviewer, so that
    # autoglm_qa_accuracy measures the answers nobody else looks at; chosen by request id hash
    qa_sample_rate: float = Field(0.02, ge=0.0, le=1.0, description="QA share of auto answers")
    log_level: str = "INFO"
    # per-API-key token bucket; shared by all replicas through Redis when redis_url is set
    rate_limit_per_minute: float = Field(0, ge=0, description="per API key; 0 disables")
    rate_limit_burst: int = Field(0, ge=0, description="bucket size; 0: 10 s of the rate")
    redis_url: str | None = Field(None, description="e.g. redis://127.0.0.1:6379/0")
    # load shedding of /v1/extract and /v1/applications (see api/rest/shedding.py)
    max_inflight: int = Field(32, ge=0, description="concurrent expensive requests; 0: no limit")
    max_queue_ms: float = Field(0.0, ge=0, description="queue-time budget: wait for a slot")
    otlp_endpoint: str | None = Field(None, description="OTLP/HTTP base URL; unset: no traces")
    # a secret used to sign things (e.g. session cookies of the console); refused at placeholder
    secret_key: SecretStr = SecretStr("dev-only-secret")

    # credit decisions
    policy_file: Path | None = Field(None, description="credit policy YAML; default: built-in")
    risk_model_dir: Path | None = Field(None, description="risk model folder; default: built-in")

    # LLM backend (OpenAI-compatible)
    llm_base_url: str | None = None
    llm_model: str = "glm-4"
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 30.0
    llm_max_retries: int = 2
    llm_max_concurrency: int = 8
    llm_max_tokens: int = Field(1024, gt=0, description="completion tokens per request")
    llm_structured_output: Literal["json_schema", "json_object", "none"] = "json_schema"
    llm_logprobs: bool = Field(True, description="ask for token log-probabilities")
    llm_max_repairs: int = Field(2, ge=0, description="re-asks after an invalid answer")
    llm_token_budget: int = Field(16_000, gt=0, description="total tokens per extraction")
    llm_price_per_1k_input: float = Field(0.0, ge=0.0, description="cost per 1k prompt tokens")
    llm_price_per_1k_output: float = Field(0.0, ge=0.0, description="per 1k completion tokens")
    llm_gguf_path: Path | None = Field(None, description="GGUF file of the llamacpp backend")

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.env != "dev":
            secret = self.secret_key.get_secret_value()
            if secret.lower() in _PLACEHOLDERS or secret.startswith("dev-only"):
                raise ConfigurationError(
                    "AUTOGLM_SECRET_KEY is left at a placeholder; set a random value "
                    "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`) "
                    "or set AUTOGLM_ENV=dev"
                )
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'autoglm.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built once on first use (never at import time)."""
    return Settings()
