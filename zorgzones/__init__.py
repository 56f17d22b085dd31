"""Zonal care-area planning for Flanders and Brussels."""

__version__ = "0.1.0"
