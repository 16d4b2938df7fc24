"""The `notifications:` settings (config.yaml), checked at start-up."""
from __future__ import annotations

from dataclasses import dataclass

from bot.core.config import Section


@dataclass(frozen=True)
class NotificationSettings:
    poll_every_s: float            # how often one watched matter is asked about
    tick_s: float                  # how often the watcher looks for due work
    backend_rate_per_s: dict[str, float]   # what each backend states it takes (default: "default")
    backend_share: float           # of that, the most the watcher may use
    retry_s: float                 # a change that could not go out is tried again this much later
    hold_before_send_s: float      # tests only: a pause between noticing and sending
    mp_template_id: str            # the mini-program's subscribe template for progress
    mp_page: str                   # the page a subscribe message opens
    mp_state: str                  # developer | trial | formal

    def calls_per_s(self, backend: str) -> float:
        rate = self.backend_rate_per_s.get(backend, self.backend_rate_per_s.get("default", 10.0))
        return rate * self.backend_share


def load_notification_settings(extra: dict) -> NotificationSettings:
    sec = Section("", extra).section("notifications", {})
    rates = {str(k): float(v) for k, v in sec.mapping("backend_rate_per_s", {"default": 500}).items()}
    if any(v <= 0 for v in rates.values()):
        from bot.core.errors import ConfigError
        raise ConfigError("notifications.backend_rate_per_s", "every rate must be above 0")
    return NotificationSettings(
        poll_every_s=sec.num("poll_every_s", 600, lo=0.05), tick_s=sec.num("tick_s", 5, lo=0.01, hi=600),
        backend_rate_per_s=rates, backend_share=sec.num("backend_share", 0.05, lo=0.001, hi=1),
        retry_s=sec.num("retry_s", 60, lo=0.01), hold_before_send_s=sec.num("hold_before_send_s", 0, lo=0),
        mp_template_id=sec.str("mp_template_id", "sandbox-progress-template"),
        mp_page=sec.str("mp_page", "pages/affairs/index"),
        mp_state=sec.str("mp_state", "formal", choices=("developer", "trial", "formal")))
