from __future__ import annotations

from flask import Blueprint

from kpi_tasks.api.input import iso, query_fields
from kpi_tasks.clock import today
from kpi_tasks.scoring.queries import latest_scoring, published_result
from kpi_tasks.scoring.services import MAX_YEAR, MIN_YEAR, compute_draft


def scores_api() -> dict:
    """GET /scores?year=: the latest published version of the year, else today's draft computation.

    `source` says which ("published" or "draft"); a draft is not stored and can change until published.
    """
    fields = query_fields()
    year = fields.integer("year")
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        fields.errors["year"] = f"Năm phải từ {MIN_YEAR} đến {MAX_YEAR}."
    fields.done()
    year = year if year is not None else today().year
    scoring = latest_scoring(year)
    result = published_result(scoring) if scoring else compute_draft(year)
    return {
        "year": year,
        "source": "published" if scoring else "draft",
        "scoring_id": scoring.id if scoring else None,
        "version": scoring.version if scoring else None,
        "published_at": iso(scoring.published_at) if scoring else None,
        "period_start": iso(result.period.start),
        "period_end": iso(result.period.end),
        "as_of": iso(result.period.as_of),
        "rule_version": result.rule.version if result.rule else None,
        "items": [
            {
                "unit_id": unit.unit_id,
                "unit_code": unit.unit_code,
                "unit_name": unit.unit_name,
                "position": unit.position,
                "score": unit.score,
                "grade": unit.grade,
                "breakdown": unit.breakdown,
            }
            for unit in result.units
        ],
    }


def register_api(bp: Blueprint) -> None:
    bp.add_url_rule("/scores", "scores", scores_api, methods=["GET"])
