"""Listed entities and their names: which listed entity a name is, answered in one place."""
