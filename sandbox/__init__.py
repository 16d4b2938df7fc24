"""Local stand-ins for the government backends (see docs/adapters.md and
docs/contracts.md, sandbox/data/citizens.yaml). `python -m sandbox` starts them all."""
