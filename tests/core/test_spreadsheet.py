"""CSV for Excel: a cell that starts like a formula is written as text, through the exports too."""
import csv
import io

from bot.core.spreadsheet import safe_cell, safe_row
from bot.crosscheck.run import findings_csv


def test_a_formula_is_written_as_text_and_the_rest_unchanged():
    assert safe_row(["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\t=1", "正常", 12, None]) == [
        "'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "'\t=1", "正常", 12, None]
    assert safe_cell("a=b") == "a=b"


def test_a_reviewers_note_in_the_findings_csv_cannot_run_as_a_formula():
    row = {"id": 1, "rule": "double_pension", "period": "2026-10", "masked_id": "5101**********2310",
           "name": "张*兰", "district": "锦江区", "summary": "两份养老金", "evidence": {}, "status": "confirmed",
           "note": "=HYPERLINK(\"http://evil\",\"点击\")", "found_at": 1_790_000_000, "times_seen": 1}
    text = findings_csv([row]).decode("utf-8-sig")
    note = list(csv.reader(io.StringIO(text)))[1][10]
    assert note.startswith("'=")
