"""Credentials the sandbox backends accept. Sandbox-only values: config.yaml's
sandbox profile holds the same defaults; each can be changed through the
environment variable named here (set it for both the sandbox and the app)."""
from __future__ import annotations

import os


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


IDENTITY_API_KEY = _env("SANDBOX_IDENTITY_API_KEY", "sandbox-identity-key")
HOUSING_FUND_APP_KEY = _env("SANDBOX_HOUSING_FUND_APP_KEY", "gjj-sandbox-app")
HOUSING_FUND_APP_SECRET = _env("SANDBOX_HOUSING_FUND_APP_SECRET", "sandbox-gjj-secret")
SOCIAL_INSURANCE_USER = _env("SANDBOX_SOCIAL_INSURANCE_USER", "si-sandbox")
SOCIAL_INSURANCE_PASSWORD = _env("SANDBOX_SOCIAL_INSURANCE_PASSWORD", "sandbox-si-password")
MEDICAL_CLIENT_ID = _env("SANDBOX_MEDICAL_CLIENT_ID", "yb-sandbox-client")
MEDICAL_CLIENT_SECRET = _env("SANDBOX_MEDICAL_CLIENT_SECRET", "sandbox-yb-secret")
EXIT_ENTRY_API_KEY = _env("SANDBOX_EXIT_ENTRY_API_KEY", "sandbox-crj-key")
MARKET_REGULATION_API_KEY = _env("SANDBOX_MARKET_REGULATION_API_KEY", "sandbox-scjg-key")
UTILITIES_API_KEY = _env("SANDBOX_UTILITIES_API_KEY", "sandbox-utility-key")
APPOINTMENTS_API_KEY = _env("SANDBOX_APPOINTMENTS_API_KEY", "sandbox-appt-key")
WORKORDERS_API_KEY = _env("SANDBOX_WORKORDERS_API_KEY", "sandbox-12345-key")
CIVIL_AFFAIRS_ACCOUNT = _env("SANDBOX_CIVIL_AFFAIRS_ACCOUNT", "mz-exchange-sandbox")
CIVIL_AFFAIRS_PASSWORD = _env("SANDBOX_CIVIL_AFFAIRS_PASSWORD", "sandbox-mz-password")
