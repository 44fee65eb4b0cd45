"""`python -m lattice_ingress_cli` = the `lattice-ingress` command."""

import sys

from lattice_ingress_cli.main import main

sys.exit(main())
