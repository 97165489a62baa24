"""The audit trail: who did what to which card, and when (append-only for the app).

It sits just above the kernel: it knows users' and clients' ids, never their tables' models, so every
capability can write to it."""
