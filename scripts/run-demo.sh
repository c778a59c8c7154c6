#!/usr/bin/env bash
# Install the app's dependencies and start it on the embedded demo data.
# The first start builds the demo warehouse (data/warehouse/kpi.duckdb) and shows its progress in the browser.
# The 月报 pictures and PDF need a CJK font: Debian's fonts-wqy-microhei, installed here when no CJK font is present.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk"; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if command -v apt-get >/dev/null; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-wqy-microhei fontconfig >/dev/null
  else
    echo "提示：未找到中文字体，月报图片和 PDF 中的中文将无法显示；请安装 fonts-wqy-microhei。" >&2
  fi
fi
python3 -m pip install -q --disable-pip-version-check -r requirements.txt
exec python3 -m streamlit run app.py "$@"
