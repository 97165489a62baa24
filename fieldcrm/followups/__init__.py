"""Follow-ups (relances) and appointments (rendez-vous)."""
