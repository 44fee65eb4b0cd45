"""lattice-ingress: publish Amazon VPC Lattice services to clients outside AWS."""

__version__ = "0.1.0"
