"""The DuckDB store: schema, versioned writes, pre-aggregates, public views."""
