"""Pantau: outage status for Indonesia's regional e-KTP services, with the reason why."""

__version__ = "0.1.0"
