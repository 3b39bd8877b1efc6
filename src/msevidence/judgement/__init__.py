"""Judgement layer: what the evidence shows, per domain, decided in one place."""
