"""月报: the monthly report of one region and month, as of one data version, and its pictures and documents.

- ``content``: what the report says — the headline table, the business-area groups with their monthly series, the
  behind-pace list, the sub-region values for the map, the stamp (data version and loads) — computed with every kpi
  call pinned to one data version, so a report made again "as of" that version later says exactly the same;
- ``commentary``: the Chinese sentences, written from the table's own formatted strings;
- ``fonts``, ``panels``: the CJK font and the PNG panels (matplotlib, 2× resolution, sized for an A4 page);
- ``documents``: the ZIP of panels, the PDF (reportlab) and the .docx (python-docx), laid out for A4.

No Streamlit and no etl here: the 月报 page and ``python -m etl report`` both call ``build`` and ``render``.
"""

from kpi.report.content import Basis, Report, ReportError, Row, build, data_version

__all__ = ["Basis", "Report", "ReportError", "Row", "build", "data_version"]
