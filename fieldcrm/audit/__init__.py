"""The audit trail: who merged what, when, with what it takes to undo it."""
