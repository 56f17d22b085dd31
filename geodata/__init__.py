"""Project-defined data: the catalog of public sources (URLs, checksums, licences); installed as ``zorgzones.geodata``."""
