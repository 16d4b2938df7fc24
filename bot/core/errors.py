"""Errors shared across the core."""


class ConfigError(Exception):
    """A setting is missing or wrong. The message names the setting, e.g. 'nlu.url: ...'."""

    def __init__(self, path: str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
