"""How fast an uploaded sheet is read, and in how much memory (issue 15).

    .venv/bin/python bench/import_reading.py              # 100,000 rows × 10 columns
    .venv/bin/python bench/import_reading.py --rows 20000

Writes an .xlsx with openpyxl's write-only mode (inline strings, as many
tools write them) and the same rows as a UTF-8 CSV, under a temporary
directory, then reads each in a fresh process with ``open_sheet`` and prints
rows per second and the process's peak memory. The floor is lxml parsing the
same sheet XML and doing nothing with it, measured in the same process: the
ratio is what reading typed values costs on top of parsing. Nothing here
asserts a time.
"""

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rows(count: int):
    start = date(2023, 1, 1)
    for number in range(count):
        yield [
            f"张{number % 500}{'三四五六'[number % 4]}",
            f"52020119{number % 90 + 10:02d}0101{number % 10000:04d}",
            "贵州省六盘水市水城区",
            Decimal(number % 100_000) / 100,
            number % 37,
            start + timedelta(days=number % 365),
            ("在岗", "拟派", "期满返回")[number % 3],
            number % 2 == 0,
            f"XM-2023-{number:06d}",
            f"备注{number % 100}",
        ]


def write_files(directory: Path, count: int) -> tuple[Path, Path]:
    from openpyxl import Workbook

    header = [
        "姓名",
        "身份证号",
        "地区",
        "金额（元）",
        "人数",
        "日期",
        "状态",
        "是否",
        "编号",
        "备注",
    ]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    sheet.append(header)
    for row in rows(count):
        sheet.append(row)
    xlsx = directory / "台账.xlsx"
    workbook.save(xlsx)
    text = directory / "台账.csv"
    with text.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows(count))
    return xlsx, text


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(path: Path) -> None:
    """Run in a fresh process: Django set up, then one read, then the floor."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidtrack.settings")
    import django

    django.setup()
    from aidtrack.core.imports.reading import open_sheet

    before = peak_rss_mb()
    started = time.perf_counter()
    count = 0
    with path.open("rb") as file, open_sheet(file, name=path.name) as sheet:
        for _row in sheet.rows():
            count += 1
    seconds = time.perf_counter() - started
    print(
        f"{path.suffix[1:]:>4}: {count:,} rows in {seconds:.2f} s = {count / seconds:,.0f} rows/s; "
        f"peak RSS {peak_rss_mb():.0f} MB ({before:.0f} MB before reading)"
    )
    if path.suffix == ".xlsx":
        floor = parse_floor(path)
        print(
            f"      lxml parsing the sheet alone: {floor:.2f} s; "
            f"reading ÷ parsing = {seconds / floor:.1f}"
        )


def parse_floor(path: Path) -> float:
    import zipfile

    from lxml import etree

    started = time.perf_counter()
    with zipfile.ZipFile(path) as archive, archive.open("xl/worksheets/sheet1.xml") as part:
        tag = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}row"
        for _event, row in etree.iterparse(part, tag=tag):
            row.clear()
            parent = row.getparent()
            while row.getprevious() is not None:
                del parent[0]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure:
        measure(arguments.measure)
        return
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        xlsx, text = write_files(Path(directory), arguments.rows)
        print(
            f"wrote {arguments.rows:,} rows × 10 columns in {time.perf_counter() - started:.0f} s: "
            f"xlsx {xlsx.stat().st_size / 1e6:.1f} MB, csv {text.stat().st_size / 1e6:.1f} MB"
        )
        for path in (xlsx, text):
            subprocess.run([sys.executable, __file__, "--measure", str(path)], check=True)


if __name__ == "__main__":
    main()
