"""Small utilities with no knowledge of supply chains: atomic writes, progress, sorting, text codes."""
