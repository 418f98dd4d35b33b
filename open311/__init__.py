"""Open311 GeoReport v2, read-only, with no personal data."""
