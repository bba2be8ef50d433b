"""Which of a record's two names to show: Chinese by default, English in the English interface.

Reference data carries both names (an indicator's ``name_zh`` and
``name_en``); gettext cannot translate data, so the choice is made here, once,
for models, templates and exports alike.
"""

from django.utils.translation import get_language


def chinese_active() -> bool:
    """Is the interface in Chinese? (It is by default, with no language active.)"""
    return (get_language() or "zh-hans").startswith("zh")


def in_language(chinese: str, english: str) -> str:
    """``chinese`` in the Chinese interface, else ``english`` (``chinese`` if it is empty)."""
    if chinese_active() or not english:
        return chinese
    return english
