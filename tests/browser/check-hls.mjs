// tests/browser/check-hls.mjs: parses HLS playlists with npm hls-parser in strict mode (it throws on any
// violation of RFC 8216 it knows). Prints one JSON line per file; exit 1 when any file is rejected.
//
//   node check-hls.mjs master.m3u8 720p/index.m3u8 ...
import { readFileSync } from "node:fs";
import HLS from "hls-parser";

HLS.setOptions({ strictMode: true });
let failed = false;
for (const file of process.argv.slice(2)) {
  try {
    const playlist = HLS.parse(readFileSync(file, "utf8"));
    const kind = playlist.isMasterPlaylist ? "multivariant" : "media";
    const items = playlist.isMasterPlaylist ? playlist.variants.length : playlist.segments.length;
    console.log(JSON.stringify({ file, ok: true, kind, items }));
  } catch (e) {
    failed = true;
    console.log(JSON.stringify({ file, ok: false, error: String(e.message || e) }));
  }
}
process.exit(failed ? 1 : 0);
