"""Pairing notebooks with their jupytext twins (the command lives in ``nbgate.cli.sync``)."""
