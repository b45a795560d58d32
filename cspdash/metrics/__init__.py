"""Measures declared once, and the queries pages ask through them."""
