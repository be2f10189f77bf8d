"""Errors shared by the CLI and the Python API."""


class BadInput(Exception):
    """Input the user must fix (the CLI exits with code 2, without a traceback)."""
