"""Summaries, charts and report files for leaders."""
