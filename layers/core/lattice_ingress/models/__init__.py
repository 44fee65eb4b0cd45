"""models layer of the core package: pydantic models only; see docs/contracts.md."""
