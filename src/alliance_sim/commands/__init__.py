"""Subcommands of the ``alliance-sim`` CLI; each module has ``register(subparsers)``."""
