"""Plotly theme and figure builders: DataFrame in, Figure out."""
