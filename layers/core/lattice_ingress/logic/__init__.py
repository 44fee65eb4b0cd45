"""logic layer of the core package; see docs/contracts.md."""
