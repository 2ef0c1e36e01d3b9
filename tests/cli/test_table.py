"""The operator's tables: columns aligned under their header, long texts cut with an ellipsis."""
from __future__ import annotations

from bot.commands.runtime import cut, table


def test_columns_line_up_under_the_header_without_trailing_blanks():
    text = table(["ID", "TITLE"], [["1", "Реновация"], ["12", "Двор"]])
    assert text.splitlines() == ["ID  TITLE", "1   Реновация", "12  Двор"]


def test_a_long_text_is_cut_to_the_limit_with_an_ellipsis():
    assert cut("Программа реновации", 9) == "Программ…"
    assert cut("Двор", 4) == "Двор"
