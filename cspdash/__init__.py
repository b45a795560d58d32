"""cspdash: a performance dashboard for UK Community Safety Partnerships."""

__version__ = "0.1.0"
