"""Probable duplicates: found by SIRET, email, phone or a similar name in the same postal code; merged and undone."""
