"""Interactions (visits, calls, notes…): the quick log, quick phrases, the client timeline."""
