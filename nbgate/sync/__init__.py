"""Pairing notebooks with their jupytext twins (the command lives in ``nbgate.commands.sync``)."""
