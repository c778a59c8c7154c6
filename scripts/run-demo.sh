#!/usr/bin/env bash
# Install the app's dependencies and start it on the embedded demo data.
# The first start builds the demo warehouse (data/warehouse/kpi.duckdb) and shows its progress in the browser.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check -r requirements.txt
exec python3 -m streamlit run app.py "$@"
