"""``essaim import matomo`` and ``essaim import piano``: exports of web analytics as runs.

Counts are read by hand off the files written here and off Matomo's own recorded export
(tests/fixtures/real/import-matomo).
"""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import date
from pathlib import Path

import msgspec
import pytest

from collectors.imports.files import ImportFileError
from collectors.imports.usage import UsageOptions, import_usage
from collectors.records import decode_record

REAL = Path(__file__).parents[1] / "fixtures" / "real" / "import-matomo"
OPTIONS = UsageOptions(pseudonymise=str, site="www.e-inspe.fr")


def records(tmp_path, outcome):
    run = outcome.run
    path = tmp_path / "raw" / run.source / f"{run.run_id}.jsonl.gz"
    with gzip.open(path) as lines:
        found = [json.loads(line) for line in lines]
    return [decode_record(msgspec.json.encode(x)) for x in found if x["type"] == "usage"]


def test_matomo_csv_in_utf16_with_translated_headers(tmp_path):
    text = (
        "Date,Libellé,Visiteurs uniques,Visites,Metadata: url\n"
        "2026-09-01,/course/view.php?id=103,3,4,https://www.e-inspe.fr/course/view.php?id=103\n"
        "2026-09-02,/course/view.php?id=103,1,abc,https://www.e-inspe.fr/course/view.php?id=103\n"
        '"2026-08-31,2026-09-06",/course/view.php?id=103,9,9,https://www.e-inspe.fr/x\n'
        "2026-09-31,/x,1,1,https://www.e-inspe.fr/x\n"
    )
    path = tmp_path / "Actions.getPageUrls.csv"
    path.write_bytes(text.encode("utf-16"))  # with its byte-order mark, as Matomo writes it
    outcome = import_usage(tmp_path / "raw", "matomo", path, OPTIONS)
    found = records(tmp_path, outcome)
    assert [(r.day, r.count, r.url, r.event) for r in found] == [
        (
            date(2026, 9, 1),
            4,
            "https://www.e-inspe.fr/course/view.php?id=103",
            "Actions.getPageUrls",
        )
    ]
    assert outcome.rows == 4
    assert outcome.refused == [(5, "'2026-09-31' is not a day")]
    ignored = {i.message for i in outcome.run.incidents if i.kind == "ignored"}
    assert any("nb_visits" in m for m in ignored) and any("longer than a day" in m for m in ignored)


def test_matomo_json_export_and_the_report_named_by_the_file(tmp_path):
    path = tmp_path / "export_getSocials.json"
    path.write_text(json.dumps({"2026-09-01": [{"label": "Facebook", "nb_visits": 3}]}))
    (usage,) = records(tmp_path, import_usage(tmp_path / "raw", "matomo", path, OPTIONS))
    assert (usage.channel, usage.count, usage.site) == ("social:facebook", 3, "www.e-inspe.fr")
    unnamed = tmp_path / "piwik-report-export.json"
    shutil.copy(path, unnamed)
    with pytest.raises(ImportFileError, match="which Matomo report is this"):
        import_usage(tmp_path / "raw", "matomo", unnamed, OPTIONS)


def test_matomo_real_export_of_weeks_is_read_and_left_out_as_not_daily(tmp_path):
    """Matomo's own CSV export (UTF-16LE, date column): three rows, each of a week."""
    path = tmp_path / "Referrers.getCampaigns.csv"
    shutil.copy(REAL / "csvExport_multi_week.csv", path)
    outcome = import_usage(tmp_path / "raw", "matomo", path, OPTIONS)
    assert outcome.rows == 3 and outcome.refused == [] and records(tmp_path, outcome) == []
    (ignored,) = [i.message for i in outcome.run.incidents if i.kind == "ignored"]
    assert "3" in ignored and "longer than a day" in ignored


def test_piano_french_export_with_thousands_and_a_total_row(tmp_path):
    path = tmp_path / "piano.csv"
    path.write_text(
        "Jour;Code xtor;Visites\n"
        "01/09/2026;EPR-10-[lettre-sept];1 204\n"
        "2026-09-02;EPR-10-[lettre-sept];7\n"
        "02/09/2026;;3\n"
        "03/09/2026;EPR-11;douze\n"
        "Total;;1 214\n",
        encoding="utf-8",
    )
    outcome = import_usage(tmp_path / "raw", "piano", path, OPTIONS)
    found = records(tmp_path, outcome)
    assert [(r.day, r.channel, r.count) for r in found] == [
        (date(2026, 9, 1), "campaign:EPR-10-[lettre-sept]", 1204),
        (date(2026, 9, 2), "campaign:EPR-10-[lettre-sept]", 7),
    ]
    assert outcome.refused == [(5, "'douze' is not a number of visits")]


def test_piano_without_a_visits_column_is_refused_whole(tmp_path):
    path = tmp_path / "piano.csv"
    path.write_text("Date,Campaign\n2026-09-01,X\n")
    with pytest.raises(ImportFileError, match="no visits column"):
        import_usage(tmp_path / "raw", "piano", path, OPTIONS)
