"""A unit's sentence, cleaned before it is placed into the generated text.

Units type their sentences as they would write them alone: with a final 。, sometimes starting with
the word the template already says (``计划用于`` + ``用于……``). Each unit text is cleaned on its
own (doubled 。，、 collapsed), then marked at both ends while the template renders, so that where
the template puts punctuation right after it, the text's own final mark goes, and where the template
says a lead word right before it, the text's repeated lead word goes. Nothing else is touched.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

START, END = "\ue000", "\ue001"  # private-use marks around a unit's text while the template renders
_DOUBLED = re.compile(r"([。，、；：！？])\1+")
_WEAK_BEFORE_STOP = re.compile(r"[，、；：]+([。！？])")
_LEADS = ("用于", "原因是", "原因为")
_LEAD_REPEAT = re.compile(rf"({'|'.join(_LEADS)})([：:]?){START}\s*(?:主要)?(?:{'|'.join(_LEADS)})[：:，,]?\s*")
_FINAL_BEFORE_PUNCT = re.compile(rf"[。．，,、；;！!？?\s]*{END}(?=[。，、；：！？])")


def clean_sentence(text: str) -> str:
    """One unit text on its own: doubled punctuation collapsed, a comma before a full stop dropped."""
    text = _DOUBLED.sub(r"\1", text)
    text = _WEAK_BEFORE_STOP.sub(r"\1", text)
    for lead in _LEADS:
        text = text.replace(lead + lead, lead)
    return text


def marked(value: Any) -> Any:
    """A copy of a texts model (or dict, or str) with every text cleaned and marked at both ends."""
    if isinstance(value, str):
        return f"{START}{clean_sentence(value)}{END}" if value else value
    if isinstance(value, dict):
        return {key: marked(item) for key, item in value.items()}
    if isinstance(value, BaseModel):
        fields = {name: marked(getattr(value, name)) for name in type(value).model_fields}
        return type(value).model_construct(_fields_set=value.model_fields_set, **fields)
    return value


def placed(markup: str) -> str:
    """The rendered text with the marks resolved: no doubled stop, no repeated lead word, no marks."""
    markup = _LEAD_REPEAT.sub(rf"\1\2{START}", markup)
    markup = _FINAL_BEFORE_PUNCT.sub(END, markup)
    return markup.replace(START, "").replace(END, "")
