from __future__ import annotations

from kpi_tasks.api.routes import ApiRoutes
from kpi_tasks.clock import today
from kpi_tasks.scoring.queries import latest_scoring, published_result
from kpi_tasks.scoring.schemas import Scores, ScoresQuery, UnitScore
from kpi_tasks.scoring.services import compute_draft

routes = ApiRoutes()
register_api = routes


@routes.operation("GET", "/scores", "scores",
                  "Kết quả chấm điểm thi đua: bản đã công bố mới nhất của năm, nếu chưa có thì bản nháp",
                  query=ScoresQuery, answer=Scores, description="Scores (source: published or draft)", errors="422")
def scores_api(query: ScoresQuery) -> Scores:
    """GET /scores?year=: the latest published version of the year, else today's draft computation.

    `source` says which ("published" or "draft"); a draft is not stored and can change until published.
    """
    year = query.year if query.year is not None else today().year
    scoring = latest_scoring(year)
    result = published_result(scoring) if scoring else compute_draft(year)
    return Scores(
        year=year, source="published" if scoring else "draft", scoring_id=scoring.id if scoring else None,
        version=scoring.version if scoring else None, published_at=scoring.published_at if scoring else None,
        period_start=result.period.start, period_end=result.period.end, as_of=result.period.as_of,
        rule_version=result.rule.version if result.rule else None,
        items=[UnitScore.of(unit) for unit in result.units],
    )
