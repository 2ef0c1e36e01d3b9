"""Whatever is typed, every validator answers with Accepted or Refusal and never fails."""
from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import translator
from verification.levels import Field
from verification.masks import mask
from verification.refusal import Accepted, Refusal
from verification.validators import normalise_name_key, validate

TODAY = date(2025, 6, 1)
# Arbitrary text, plus text built from the characters these fields are made of.
typed = st.one_of(
    st.text(),
    st.text(alphabet="0123456789 -./:№АБВабвёЁкв", max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
)


@given(field=st.sampled_from(list(Field)), text=typed)
def test_any_text_is_accepted_or_refused(field: Field, text: str) -> None:
    result = validate(field, text, today=TODAY)
    assert isinstance(result, (Accepted, Refusal))
    if isinstance(result, Refusal):
        assert result.code.startswith(field.value + ".")
        assert result.render(translator("ru"))
    else:
        assert mask(field, result.value)


@given(text=typed)
def test_name_key_never_fails(text: str) -> None:
    key = normalise_name_key(text)
    assert key == normalise_name_key(key)
