"""Briefing pack (PDF), slides (PPTX) and scrutiny questions."""
