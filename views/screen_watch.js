// The 大屏's watcher (views/screen_watch.py): clock, connection watchdog, size reports. Runs in the app page.
const WEEKDAYS = "日一二三四五六";
const pad = (n) => String(n).padStart(2, "0");

export default function (component) {
    const { data, parentElement, setStateValue } = component;
    const date = parentElement.querySelector(".scr-clock__date");
    const time = parentElement.querySelector(".scr-clock__time");
    const offline = parentElement.querySelector(".scr-offline");
    const silentMs = (data && data.silent_ms) || 180000;
    const known = (data && data.size) || null;

    function paintClock(now) {
        date.textContent = `${now.getFullYear()}年${now.getMonth() + 1}月${now.getDate()}日 星期${WEEKDAYS[now.getDay()]}`;
        time.textContent = `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
    }

    // The watchdog: every run of the screen writes a new data-screen-tick on its header.
    let lastStamp = null;
    let lastChange = Date.now();
    let lostAt = null;
    function watch(now) {
        const head = document.querySelector("[data-screen-tick]");
        const stamp = head ? head.getAttribute("data-screen-tick") : null;
        if (stamp !== lastStamp) {
            lastStamp = stamp;
            lastChange = now.getTime();
        }
        const lost = now.getTime() - lastChange > silentMs;
        if (lost && lostAt === null) {
            lostAt = new Date(lastChange);
            offline.textContent = `与服务器的连接已中断（${pad(lostAt.getHours())}:${pad(lostAt.getMinutes())} 起），` +
                "正在自动重连；画面显示的是最后收到的数据。";
        } else if (!lost) {
            lostAt = null;
        }
        offline.hidden = !lost;
    }

    // Sizes, in CSS px, rounded; reported only when they differ from what the server last drew with.
    const KEYS = ["w", "h", "map_w", "map_h"];
    let sent = null;
    function measure() {
        const size = { w: Math.round(window.innerWidth), h: Math.round(window.innerHeight) };
        const box = document.querySelector(".st-key-scr-map");
        if (box) {
            const r = box.getBoundingClientRect();
            if (r.width > 0 && r.height > 0) {
                size.map_w = Math.round(r.width);
                size.map_h = Math.round(r.height);
            }
        }
        const last = sent || known;  // what the server has, or will have once the report sent is drawn
        const differs = !last || KEYS.some((k) => Math.abs((size[k] ?? -100) - (last[k] ?? -100)) > 2);
        if (differs) {
            sent = size;
            setStateValue("size", size);
        }
    }

    let pending = null;
    const later = () => {
        clearTimeout(pending);
        pending = setTimeout(measure, 250);
    };
    const observer = new ResizeObserver(later);
    observer.observe(document.documentElement);

    function second() {
        const now = new Date();
        paintClock(now);
        watch(now);
        const box = document.querySelector(".st-key-scr-map");
        if (box && !box.__scrObserved) {
            box.__scrObserved = true;
            observer.observe(box);
        }
    }
    second();
    later();
    const timer = setInterval(second, 1000);
    return () => {
        clearInterval(timer);
        clearTimeout(pending);
        observer.disconnect();
        const box = document.querySelector(".st-key-scr-map");
        if (box) box.__scrObserved = false;
    };
}
