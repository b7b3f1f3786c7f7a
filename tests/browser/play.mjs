// tests/browser/play.mjs: opens reel serve's player page in headless Chromium, plays one URL with the vendored
// hls.js or dash.js, and waits until playback passes a position. Prints one JSON line; exit 0 when reached.
//
//   node play.mjs http://127.0.0.1:PORT/ /vod/hls/master.m3u8 5 [timeout-seconds]
//
// CHROMIUM overrides the browser (default /usr/bin/chromium, Debian's package).
import { chromium } from "playwright-core";

const [base, media, targetArg, timeoutArg] = process.argv.slice(2);
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
  while (Date.now() - started < timeoutMs) {
    state = await page.evaluate(() => {
      const v = document.querySelector("video");
      return {
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
  result = { ...result, ...state, reached: state.currentTime >= target, seconds: (Date.now() - started) / 1000,
             consoleErrors: consoleErrors.filter((e) => !e.includes(".map")).slice(0, 5) };
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.reached ? 0 : 1);
