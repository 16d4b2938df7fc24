"""Progress notifications: a citizen watching a matter (an endorsement, a business licence, a
housing-fund withdrawal, a social-insurance card, a 12345 work order, an appointment) is told
when it moves on, on the mini-program (one-time subscribe messages) or the Official Account
(customer-service messages inside WeChat's 48-hour window). docs/notifications.md.

    settings.py   the `notifications:` settings
    tracking.py   what a matter's status is now (one backend call), and what is worth watching
    watcher.py    the watcher: polls due matters within each backend's rate budget, records each
                  change in the ledger (bot/stores/subscriptions.py), and tells it once
"""
