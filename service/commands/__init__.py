"""Subcommands of the `yuqing` CLI; each module exposes register(subparsers)."""
