"""Template filters that put the engine's names into clinical words (pathway/labels.py)."""

from django import template

from pathway import labels

register = template.Library()
register.filter("state_label", labels.state)
register.filter("move_label", labels.move)
register.filter("rule_label", labels.rule)
register.filter("code_label", labels.code)
register.filter("sentence", labels.sentence)
register.filter("days", labels.days)
