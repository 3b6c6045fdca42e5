"""Numbers written as digits or words ("45", "forty-five", "a dozen", "two")."""

from __future__ import annotations

import re

UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
#: Words that stand for one person ("a constable", "another", "one").
ONE_WORDS = {"a", "an", "another", "one", "single"}

NUMBER_WORD = (
    r"(?:(?:" + "|".join(TENS) + r")(?:[- ](?:" + "|".join(list(UNITS)[:9]) + r"))?"
    r"|" + "|".join(sorted(UNITS, key=len, reverse=True)) + r"|a dozen|dozen|a hundred|hundred)"
)
#: A number as digits (with thousands commas) or words.
NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+|" + NUMBER_WORD + r")"


def parse_number(text: str) -> int | None:
    """Return the value of a number written as digits or English words, or None.

    ``"45"`` → 45, ``"forty-five"`` → 45, ``"a dozen"`` → 12, ``"two hundred"`` → 200.
    """
    words = text.lower().replace(",", "").replace("-", " ").split()
    if not words:
        return None
    if len(words) == 1 and words[0].isdigit():
        return int(words[0])
    total, current = 0, 0
    for word in words:
        if word.isdigit():
            current += int(word)
        elif word in UNITS:
            current += UNITS[word]
        elif word in TENS:
            current += TENS[word]
        elif word == "dozen":
            current = (current or 1) * 12
        elif word == "hundred":
            current = (current or 1) * 100
        elif word == "thousand":
            total += (current or 1) * 1000
            current = 0
        elif word in ("a", "and"):
            continue
        else:
            return None
    value = total + current
    return value or None


def find_number(text: str) -> int | None:
    """Return the first number in ``text``, or None."""
    match = re.search(rf"\b{NUMBER}\b", text, re.I)
    return parse_number(match.group(0)) if match else None
