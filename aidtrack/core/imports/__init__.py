"""Spreadsheet import: a county's 台账 brought in through the same rules as forms (see engine)."""
