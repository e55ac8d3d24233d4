"""Tandem: a self-hosted desk where customer service and customer support work in tandem."""

__version__ = "0.1.0"
