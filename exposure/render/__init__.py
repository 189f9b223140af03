"""Turning results into what people read: text tables, pictures, an HTML view and graph files."""
