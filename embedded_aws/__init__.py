"""Embedded AWS: moto in server mode plus a compatibility layer, the deployer that reads
template.yaml, and the local data plane. Production code never imports this package; the
Lambda layer build leaves it out."""
