"""Factories and pytest fixtures shared by every app's tests."""
