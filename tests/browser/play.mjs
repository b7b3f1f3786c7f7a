// tests/browser/play.mjs: opens reel serve's player page in headless Chromium, plays one URL with the vendored
// hls.js or dash.js, and waits until playback passes a position. Prints one JSON line; exit 0 when reached.
//
//   node play.mjs http://127.0.0.1:PORT/ /vod/hls/master.m3u8 5 [timeout-seconds] [switch]
//
// With `switch`, once playback passes 1 s the player is forced onto another rendition (ABR off) and must play on
// to the target on it; the result then names the renditions before and after.
//
// CHROMIUM overrides the browser (default /usr/bin/chromium, Debian's package).
import { chromium } from "playwright-core";

const [base, media, targetArg, timeoutArg, mode] = process.argv.slice(2);
const forceSwitch = mode === "switch";
if (!base || !media) {
  console.error("usage: node play.mjs BASE_URL MEDIA_PATH [SECONDS] [TIMEOUT_SECONDS]");
  process.exit(2);
}
const target = Number(targetArg ?? 5);
const timeoutMs = Number(timeoutArg ?? 60) * 1000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--autoplay-policy=no-user-gesture-required",
  ],
});
let result = { media, target, reached: false };
try {
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(new URL("/?play=" + encodeURIComponent(media), base).href);
  const started = Date.now();
  let state = {};
  let switched = null;
  while (Date.now() - started < timeoutMs) {
    if (forceSwitch && !switched && state.currentTime >= 1) {
      switched = await page.evaluate(() => {
        const { hls, dash } = window.reel;
        if (hls && hls.levels.length > 1) {
          const from = hls.currentLevel;
          const to = from === 0 ? hls.levels.length - 1 : 0;
          hls.currentLevel = to;
          return { from: hls.levels[from].height, to: hls.levels[to].height };
        }
        if (dash) {
          const reps = dash.getRepresentationsByType("video");
          if (reps.length < 2) return { error: "one video representation" };
          dash.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: false } } } });
          const current = dash.getCurrentRepresentationForType("video");
          const to = current && current.id === reps[0].id ? reps.length - 1 : 0;
          dash.setRepresentationForTypeByIndex("video", to, true);
          return { from: current ? current.height : null, to: reps[to].height };
        }
        return { error: "no player to switch" };
      });
      switched.at = state.currentTime;
    }
    state = await page.evaluate(() => {
      const v = document.querySelector("video");
      return {
        height: v.videoHeight,
        currentTime: v.currentTime, paused: v.paused, readyState: v.readyState,
        error: v.error ? v.error.message || String(v.error.code) : null,
        pageErrors: window.reel ? window.reel.errors : [],
        player: window.Hls && document.querySelector("video").src.startsWith("blob:") ? "mse" : "native",
      };
    });
    if (state.currentTime >= target) break;
    if (state.error || state.pageErrors.length) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const switchedOk = !forceSwitch || (switched && !switched.error && state.height === switched.to);
  result = { ...result, ...state, switched, reached: state.currentTime >= target && switchedOk, seconds: (Date.now() - started) / 1000,
             consoleErrors: consoleErrors.filter((e) => !e.includes(".map")).slice(0, 5) };
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.reached ? 0 : 1);
