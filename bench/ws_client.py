"""A minimal Streamlit client over the app's websocket: open a page the way the browser does, wait for the run to
finish, and keep what the page showed.

No browser and no new dependency: the ``websockets`` package (Streamlit 1.67 serves through starlette/uvicorn and
depends on it) and Streamlit's own protobufs. One ``Session`` is one browser tab: a websocket to ``/_stcore/stream``
on which every page visit is a ``rerun_script`` BackMsg carrying the page's url path (``page_name``), its query
string and the browser context (``st.context.url``, which app.py reads to tell the wall display apart). The server
answers with ForwardMsgs: ``new_session`` when a script run starts, ``delta`` for each element, ``script_finished``
when it ends — a run that ends early for a rerun (``st.rerun``) is followed by another, so we wait for the one that
finishes successfully.

Cached-message references: the server replaces a large element by a ``ref_hash`` only when the client listed that
hash in ``cached_message_hashes``. We never list any, so every element arrives whole; a reference arriving anyway is
reported as a failure rather than silently skipped.

What a run keeps (``PageRun``): the time from request to finish, whether it finished, every exception element, every
``st.error`` alert, the metrics (label → value), the text of markdown/captions/headings/HTML, and the data versions
shown ("数据版本 vN" anywhere, ``data-screen-version`` on the wall display) — the sidebar's separately, and the 月报's
stamp separately too: a report is made as of the last change it reads (kpi.report.data_version), which may be older
than the snapshot the run shows.
"""

from __future__ import annotations

import re
import time
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

SIDEBAR = 1  # RootContainer.SIDEBAR: the first number of a sidebar element's delta path
VERSION_TEXT = re.compile(r"数据版本 v(\d+)")
SCREEN_VERSION = re.compile(r'data-screen-version="(\d+)"')
# The 月报's stamp (kpi.report.content.Stamp.text): the version the report is made as of, not the one the run shows.
REPORT_STAMP = re.compile(r"数据版本 v(\d+)（[^）]*）：含有效导入批次")
# The wall display never raises: a panel that fails, or a warehouse it cannot read, becomes a calm message in place.
SCREEN_FAILURES = ("暂时无法显示", "暂时无法读取")
# The run tick the wall stamps on its header changes at every refresh: not part of what the screen shows.
SCREEN_TICK = re.compile(r'\s*data-screen-tick="\d+"')


class ClientError(RuntimeError):
    """The connection failed or the server said something this client does not understand."""


@dataclass
class PageRun:
    """One page visit as the browser would have shown it when the run finished."""

    page: str
    query: str
    seconds: float = 0.0
    finished: bool = False  # the script run finished successfully (not a compile error, not a lost connection)
    failure: str | None = None  # why it did not finish: disconnected, timed out, page not found …
    exceptions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # st.error alerts (and the wall display's calm failure notes)
    warnings: list[str] = field(default_factory=list)
    metrics: dict[str, str] = field(default_factory=dict)  # label → shown value (first wins for a repeated label)
    texts: list[str] = field(default_factory=list)  # markdown, captions, headings, HTML, in page order
    sidebar_texts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.finished and not self.exceptions and not self.errors

    @property
    def sidebar_version(self) -> int | None:
        """The version in the frame's sidebar caption (app.py's sidebar_footer), None where there is no sidebar."""
        found = [int(v) for t in self.sidebar_texts for v in VERSION_TEXT.findall(t)]
        return found[0] if found else None

    @property
    def page_versions(self) -> set[int]:
        """Every data version the page body names (its own captions, the wall display's header and footer)."""
        found = set()
        for text in self.texts:
            if REPORT_STAMP.search(text):
                continue
            found.update(int(v) for v in VERSION_TEXT.findall(text))
            found.update(int(v) for v in SCREEN_VERSION.findall(text))
        return found

    @property
    def report_version(self) -> int | None:
        """The version a 月报 says it was made as of (its stamp), None on other pages."""
        found = [int(m[1]) for t in self.texts for m in [REPORT_STAMP.search(t)] if m]
        return found[0] if found else None

    @property
    def versions(self) -> set[int]:
        return self.page_versions | ({self.sidebar_version} if self.sidebar_version is not None else set())

    @property
    def version(self) -> int | None:
        """The one version the run showed, or None if it showed none or several."""
        return next(iter(self.versions)) if len(self.versions) == 1 else None

    def problems(self) -> list[str]:
        """Everything that counts as an error, as short lines."""
        out = []
        if not self.finished:
            out.append(f"未完成：{self.failure or '未知原因'}")
        out += [f"异常：{e}" for e in self.exceptions]
        out += [f"错误提示：{e}" for e in self.errors]
        return out


def health(base_url: str, timeout: float = 2.0) -> bool:
    """Whether ``/_stcore/health`` answers 200."""
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=timeout) as resp:
            return resp.status == 200
    except OSError:
        return False


def wait_healthy(base_url: str, timeout: float = 60.0, alive=lambda: True) -> float:
    """Seconds until the server answers its health check; raises ClientError on timeout or when ``alive()`` turns
    false (the process died)."""
    start = time.monotonic()
    while not health(base_url):
        if not alive():
            raise ClientError("服务器进程已退出")
        if time.monotonic() - start > timeout:
            raise ClientError(f"{timeout:g} 秒内服务器未就绪")
        time.sleep(0.1)
    return time.monotonic() - start


class Session:
    """One browser tab on the app. ``with Session(url) as s: run = s.open("overview", "region=…")``."""

    def __init__(self, base_url: str, open_timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        self._ws_url = f"ws://{parts.netloc}{parts.path}/_stcore/stream"
        self._open_timeout = open_timeout
        self._stack = ExitStack()
        self._ws = None

    def __enter__(self) -> Session:
        self.connect()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def connect(self) -> None:
        try:
            # The subprotocol header carries "streamlit" (then, from a browser, an XSRF token and a session id to
            # resume; we send neither: a new tab). No Origin header: the server treats that as same-origin.
            # No keepalive pings: a browser sends none, and an overloaded server that answers a ping late must not
            # make the client drop the connection.
            self._ws = self._stack.enter_context(connect(
                self._ws_url, subprotocols=["streamlit"], open_timeout=self._open_timeout, max_size=None,
                compression="deflate", ping_interval=None))
        except (OSError, WebSocketException, TimeoutError) as exc:
            raise ClientError(f"无法连接 {self._ws_url}：{exc!r}") from exc

    def close(self) -> None:
        try:
            self._stack.close()
        except Exception:  # closing a connection the server already dropped
            pass
        self._ws = None

    def _send_rerun(self, page: str, query: str) -> None:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = query
        state.page_name = page
        state.page_script_hash = ""  # unknown to a fresh tab: the server finds the page by its url path
        state.widget_states.SetInParent()
        info = state.context_info
        info.url = f"{self.base_url}/{page}" + (f"?{query}" if query else "")
        info.timezone, info.timezone_offset, info.locale = "Asia/Shanghai", -480, "zh-CN"
        info.is_embedded, info.color_scheme = False, "light"
        self._ws.send(msg.SerializeToString())

    def open(self, page: str, query: str = "", timeout: float = 180.0) -> PageRun:
        """Visit ``/page?query`` and wait until its script run finishes (or fails, or ``timeout`` seconds pass)."""
        run = PageRun(page, query)
        start = time.monotonic()
        elements: dict[tuple[int, ...], object] = {}
        if self._ws is None:
            run.failure = "未连接"
            return run
        try:
            self._send_rerun(page, query)
            while True:
                left = timeout - (time.monotonic() - start)
                if left <= 0:
                    run.failure = f"{timeout:g} 秒内页面未运行完"
                    break
                raw = self._ws.recv(timeout=left)
                if isinstance(raw, str):
                    raise ClientError("服务器发来了文本帧（应为 protobuf）")
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                kind = msg.WhichOneof("type")
                if kind == "new_session":
                    elements.clear()  # a new script run (the first, or after an st.rerun): it draws the page afresh
                elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    elements[tuple(msg.metadata.delta_path)] = msg.delta.new_element
                elif kind == "ref_hash":
                    raise ClientError("服务器发来缓存引用（ref_hash），而本客户端没有声明任何已缓存的消息")
                elif kind == "page_not_found":
                    run.failure = f"页面不存在：{msg.page_not_found.page_name}"
                elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
                    run.exceptions.append(msg.session_event.script_compilation_exception.message)
                elif kind == "script_finished":
                    status = msg.script_finished
                    if status in (ForwardMsg.FINISHED_EARLY_FOR_RERUN, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                        continue  # another run follows; a fragment's own run is not the page's
                    if status == ForwardMsg.FINISHED_SUCCESSFULLY and run.failure is None:
                        run.finished = True
                    elif run.failure is None:
                        run.failure = f"脚本运行未成功结束（{ForwardMsg.ScriptFinishedStatus.Name(status)}）"
                    break
        except TimeoutError:
            run.failure = f"{timeout:g} 秒内页面未运行完"
        except (OSError, WebSocketException) as exc:
            run.failure = f"连接中断：{exc!r}"
            self.close()
        except ClientError as exc:
            run.failure = str(exc)
        run.seconds = time.monotonic() - start
        if run.failure is None or elements:
            _read_elements(run, elements)
        return run


def _read_elements(run: PageRun, elements: dict) -> None:
    """Sort what the run drew into the PageRun's lists, in page (delta path) order."""
    for path, el in sorted(elements.items()):
        kind = el.WhichOneof("type")
        text = None
        if kind == "exception":
            if el.exception.is_warning:
                run.warnings.append(el.exception.message)
            else:
                run.exceptions.append(f"{el.exception.type}: {el.exception.message}".strip(": "))
        elif kind == "alert":
            if el.alert.format == Alert.ERROR:
                run.errors.append(el.alert.body)
            elif el.alert.format == Alert.WARNING:
                run.warnings.append(el.alert.body)
            text = el.alert.body
        elif kind == "metric":
            run.metrics.setdefault(el.metric.label, el.metric.body)
        elif kind == "markdown":
            text = el.markdown.body
        elif kind == "heading":
            text = el.heading.body
        elif kind == "html":
            text = SCREEN_TICK.sub("", el.html.body)
            if run.page == "screen":
                run.errors += [text for failure in SCREEN_FAILURES if failure in text]
        elif kind == "text":
            text = el.text.body
        if text is not None:
            (run.sidebar_texts if path and path[0] == SIDEBAR else run.texts).append(text)
