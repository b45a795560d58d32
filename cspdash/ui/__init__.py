"""The only layer that imports streamlit: cached queries, filters, page blocks, auth."""
