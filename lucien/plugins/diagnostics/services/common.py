"""What the parts of the diagnostics service share: its settings and a handler's outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DiagnosticsSettings(BaseSettings):
    """`DIAGNOSTICS_*`: limits of test runs from chat."""

    model_config = SettingsConfigDict(env_prefix="DIAGNOSTICS_", extra="ignore")

    test_timeout: float = Field(600.0, gt=0, description="Seconds a whole test run may take")
    allow_postgres: bool = Field(
        False, description="Let suites use LUCIEN_TEST_PG_URL for throwaway PostgreSQL databases"
    )


@dataclass
class Outcome:
    """What a handler should answer: a voice key and its context (None: nothing more)."""

    key: str | None
    context: dict[str, Any]
