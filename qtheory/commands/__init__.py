"""Subcommands of the ``qtheory`` command, one module each (see ``qtheory.cli``)."""
