"""The `lattice-ingress` command: operator commands and `local` (the embedded stack)."""
