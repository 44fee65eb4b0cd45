"""Routes read back from a rendered config equal the routes it was rendered from."""

from __future__ import annotations

from lattice_ingress.logic.config_routes import routes_in_config
from lattice_ingress.logic.nginx_config import ProxyOptions, render_nginx_config

OPTIONS = ProxyOptions(vpc_cidrs=["10.0.0.0/16"], allowed_client_cidrs=["0.0.0.0/0"])


def test_routes_round_trip_through_the_real_template():
    routes = {
        "a.example.com": "svc-1.7d67968.vpc-lattice-svcs.us-east-1.on.aws",
        "b.example.com": "svc-2.7d67968.vpc-lattice-svcs.us-east-1.on.aws",
    }
    text = render_nginx_config(routes, OPTIONS)

    assert routes_in_config(text) == routes


def test_an_empty_catalog_and_foreign_text_give_no_routes():
    empty = render_nginx_config({}, OPTIONS)

    assert routes_in_config(empty) == {}
    assert routes_in_config("events {}\n") == {}
