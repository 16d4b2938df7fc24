"""Local stand-ins for the government backends (see docs/adapters.md and
../shared/spec/sandbox.md). `python -m sandbox` starts them all."""
