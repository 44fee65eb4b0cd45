"""adapters layer of the core package; see docs/contracts.md."""
