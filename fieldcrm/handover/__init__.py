"""Handing a portfolio (or part of it) over to another rep, with what hangs on it, and undoing it."""
