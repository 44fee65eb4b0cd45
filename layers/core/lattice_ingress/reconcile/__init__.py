"""One reconcile step per handler: read through the adapters, decide with logic/, write,
count and log. Handlers only parse their event and return the step's result."""
