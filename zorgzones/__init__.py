"""zorgzones: zonal care-area planning for Flanders and Brussels (accessibility, coverage gaps, zone plans)."""

__version__ = "0.1.0"
