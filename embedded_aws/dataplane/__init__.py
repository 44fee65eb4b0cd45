"""The local data plane: real NGINX with the proxy task's entrypoint against the emulator.

`LocalDataPlane.reserve(embedded)` before the deploy (parameter overrides), then
`LocalDataPlane(embedded, outputs).start()` -> {"ProxyTlsPort", "ProxyHttpPort"}, `.stop()`.
"""

from embedded_aws.dataplane.plane import (
    LocalDataPlane,
    LocalDataPlaneError,
    release_reservations,
)

__all__ = ["LocalDataPlane", "LocalDataPlaneError", "release_reservations"]
