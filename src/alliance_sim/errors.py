"""Errors shared by the CLI and the Python API."""


class BadInput(Exception):
    """Input the user must fix (the CLI exits with code 2, without a traceback)."""


class NotEnoughMemory(BadInput):
    """A run or sweep would need more memory than the machine has available (checked first)."""
