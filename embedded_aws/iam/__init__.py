"""IAM enforced in the embedded AWS: who calls (credentials -> role), what the call needs
(actions.py: THE operation -> IAM action and resource table) and whether the role's policies
and the bucket policy allow it (policy.py). compat/iam.py hooks it into the server."""
