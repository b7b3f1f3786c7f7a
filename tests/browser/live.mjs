// tests/browser/live.mjs: plays a live stream of reel serve with the page's hls.js (low-latency mode) in headless
// Chromium until it has played SECONDS of media, counting stalls, and measuring latency as the wall clock minus
// hls.playingDate (the EXT-X-PROGRAM-DATE-TIME of the frame on screen, which reel sets to the time the publisher
// sent that frame), or for DASH dash.js's getCurrentLiveLatency() (the MPD's availability times are push times
// too). Prints one JSON line; exit 0 when reached without a stall.
//
//   node live.mjs http://127.0.0.1:PORT/ /live/KEY/index.m3u8 10 [timeout-seconds]
import { chromium } from "playwright-core";

const [base, media, targetArg, timeoutArg] = process.argv.slice(2);
if (!base || !media) {
  console.error("usage: node live.mjs BASE_URL MEDIA_PATH [SECONDS] [TIMEOUT_SECONDS]");
  process.exit(2);
}
const target = Number(targetArg ?? 10);
const timeoutMs = Number(timeoutArg ?? 90) * 1000;

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
  await page.evaluate(() => {
    const v = document.querySelector("video");
    window.liveProbe = { start: null, stalls: 0, latencies: [] };
    v.addEventListener("waiting", () => {
      const p = window.liveProbe;
      if (p.start !== null && v.currentTime - p.start > 0.5) p.stalls += 1;
    });
  });
  const started = Date.now();
  let state = {};
  while (Date.now() - started < timeoutMs) {
    state = await page.evaluate(() => {
      const v = document.querySelector("video");
      const p = window.liveProbe;
      const hls = window.reel && window.reel.hls;
      if (p.start === null && !v.paused && v.currentTime > 0 && v.readyState >= 3) p.start = v.currentTime;
      const date = hls && hls.playingDate;
      if (p.start !== null && date) p.latencies.push((Date.now() - date.getTime()) / 1000);
      // dash.js: the wall clock minus the availability time of the position played (reel's MPD maps media time
      // to the push time, so this is the same measure).
      const dash = window.reel && window.reel.dash;
      if (p.start !== null && dash && dash.getCurrentLiveLatency) {
        const l = dash.getCurrentLiveLatency();
        if (Number.isFinite(l) && l > 0) p.latencies.push(l);
      }
      return {
        currentTime: v.currentTime, startTime: p.start, played: p.start === null ? 0 : v.currentTime - p.start,
        stalls: p.stalls, paused: v.paused, readyState: v.readyState,
        hlsLatency: hls ? hls.latency : null, targetLatency: hls ? hls.targetLatency : null,
        error: v.error ? v.error.message || String(v.error.code) : null,
        pageErrors: window.reel ? window.reel.errors : [],
      };
    });
    if (state.played >= target) break;
    if (state.error || state.pageErrors.length) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const latencies = await page.evaluate(() => window.liveProbe.latencies.slice().sort((a, b) => a - b));
  const pick = (q) => latencies.length ? Number(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(3)) : null;
  result = { ...result, ...state, reached: state.played >= target && state.stalls === 0,
             glassToGlass: { samples: latencies.length, min: pick(0), median: pick(0.5), p90: pick(0.9), max: pick(1) },
             seconds: (Date.now() - started) / 1000,
             consoleErrors: consoleErrors.filter((e) => !e.includes(".map")).slice(0, 5) };
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.reached ? 0 : 1);
