"""Outcomes (pathway.md section 5): each operated episode's outcome row, the admin's figures,
page, charts and API. Above pathway and tasks: it reads both and neither imports it."""
