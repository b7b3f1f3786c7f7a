//! Viewport-adaptive (FOV) packaging of 360 video: the equirect frame cut into a grid of tiles, each tile encoded
//! at several qualities with aligned keyframes, plus a low-resolution full-sphere base layer, as one DASH
//! presentation whose adaptation sets carry spatial-relationship descriptors (SRD, ISO/IEC 23009-1 Annex H).
//!
//! Layout (docs/stitch360-tiles.md): `base/` is the whole sphere at the ladder's lowest rung; `tile_R_C/` holds
//! the tile in row R, column C, one Representation per remaining rung (`tile_R_C/Q/`), every tile of a rung cut
//! from the frame scaled to that rung's size; `audio/`; `manifest.mpd`. SRD coordinates are in grid units
//! (`0,C,R,1,1,COLS,ROWS`; the base is `0,0,0,COLS,ROWS,COLS,ROWS`), exact at every quality.

use super::fragment::FragmentFormat;
use super::segmenter::Track;
use super::{PackageOptions, PackageSummary, RenditionSummary, run_segmented};
use crate::error::{Error, Result};
use crate::graph::RunControl;
use crate::graph::spec::{AudioSpec, InputSpec, OutputSpec, VideoSpec};
use crate::util::atomic::AtomicPath;
use std::fmt::Write;

/// A tile grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileGrid {
    pub cols: u32,
    pub rows: u32,
}

impl TileGrid {
    /// Parses `6x4` (columns x rows).
    pub fn parse(s: &str) -> Result<Self> {
        let bad = || Error::InvalidArgument(format!("tiles '{s}' is not COLSxROWS (e.g. 6x4)"));
        let (c, r) = s.split_once(['x', 'X']).ok_or_else(bad)?;
        let (cols, rows) = (
            c.trim().parse::<u32>().map_err(|_| bad())?,
            r.trim().parse::<u32>().map_err(|_| bad())?,
        );
        if cols == 0 || rows == 0 || cols > 32 || rows > 32 {
            return Err(Error::InvalidArgument(format!("tiles {cols}x{rows}: 1 to 32 each way")));
        }
        Ok(TileGrid { cols, rows })
    }
}

/// One quality of the tiles: the whole frame's size at that quality and the bit rate of one tile.
#[derive(Clone, Debug)]
struct Quality {
    name: String,
    width: u32,
    height: u32,
    tile_bitrate: u64,
}

/// The largest size at most `w`x`h` whose tiles have even sides.
fn grid_size(w: u32, h: u32, grid: TileGrid) -> (u32, u32) {
    let (sx, sy) = (2 * grid.cols, 2 * grid.rows);
    ((w / sx).max(1) * sx, (h / sy).max(1) * sy)
}

/// Packages an equirect input as tiles (`opts.spec` is the ladder: its lowest rung is the base layer, the others
/// are the tile qualities, their bit rates meant for the whole frame and split evenly across tiles).
pub fn package_tiles(opts: &PackageOptions, grid: TileGrid, ctl: &RunControl) -> Result<PackageSummary> {
    crate::init();
    if opts.format != FragmentFormat::Cmaf || opts.single_file {
        return Err(Error::InvalidArgument(
            "tiled packages use CMAF segments, one file each".into(),
        ));
    }
    let input = opts
        .inputs
        .first()
        .ok_or_else(|| Error::InvalidArgument("no input given".into()))?;
    let out = AtomicPath::new(&opts.out_dir, opts.overwrite)?;
    std::fs::create_dir_all(out.temp()).map_err(|e| Error::io(out.temp(), e))?;
    let mut spec = opts.spec.clone();
    let in_spec = spec.input.clone().unwrap_or_default();
    let ictx = crate::graph::plan::open_input(input, in_spec.format.as_deref())?;
    let info = crate::graph::plan::input_info(input, in_spec.format.as_deref(), &ictx)?;
    let Some(v) = info.video.as_ref() else {
        return Err(Error::Malformed(format!("{input}: no video stream to tile")));
    };
    let (src_w, src_h) = (v.format.width, v.format.height);
    let mut video = spec.video.take().unwrap_or_default();
    let audio = spec.audio.take().unwrap_or_default();
    let mut rungs = std::mem::take(&mut video.renditions);
    rungs.sort_by_key(|r| std::cmp::Reverse(r.height));
    let mut notes = Vec::new();
    rungs.retain(|r| {
        let keep = r.height <= src_h;
        if !keep {
            notes.push(format!(
                "skipped rung {} ({}p): the source is only {src_h} lines",
                r.name, r.height
            ));
        }
        keep
    });
    if rungs.len() < 2 {
        return Err(Error::InvalidArgument(format!(
            "a tiled package needs at least two ladder rungs at or below the source's {src_h} lines (a base layer and a tile quality)"
        )));
    }
    let base_rung = rungs.pop().expect("two rungs");
    let tiles = (grid.cols * grid.rows) as u64;
    let mut qualities = Vec::new();
    for r in &rungs {
        super::check_name(&r.name)?;
        let (w, h) = grid_size(
            (src_w as u64 * r.height as u64 / src_h.max(1) as u64) as u32,
            r.height,
            grid,
        );
        let total = r
            .bitrate
            .as_deref()
            .map(crate::util::time::parse_bitrate)
            .transpose()?
            .ok_or_else(|| {
                Error::InvalidArgument(format!("rung {}: a tiled ladder needs a bitrate per rung", r.name))
            })?;
        qualities.push(Quality {
            name: r.name.clone(),
            width: w,
            height: h,
            tile_bitrate: (total / tiles).max(10_000),
        });
    }
    video.gop = Some(format!("{}s", opts.segment));
    let mut outputs = Vec::new();
    let no_audio = || {
        Some(AudioSpec {
            codec: Some("none".into()),
            ..Default::default()
        })
    };
    // The base layer: the whole sphere at the lowest rung.
    let (bw, bh) = grid_size(
        (src_w as u64 * base_rung.height as u64 / src_h.max(1) as u64) as u32,
        base_rung.height,
        grid,
    );
    outputs.push(OutputSpec {
        path: Some("base".into()),
        format: Some("fmp4".into()),
        video: Some(VideoSpec {
            filters: Some(format!("scale={bw}:{bh}")),
            bitrate: base_rung.bitrate.clone(),
            maxrate: base_rung.maxrate.clone(),
            bufsize: base_rung.bufsize.clone(),
            crf: base_rung.crf,
            ..Default::default()
        }),
        audio: no_audio(),
    });
    for row in 0..grid.rows {
        for col in 0..grid.cols {
            for q in &qualities {
                let (tw, th) = (q.width / grid.cols, q.height / grid.rows);
                outputs.push(OutputSpec {
                    path: Some(format!("tile_{row}_{col}/{}", q.name)),
                    format: Some("fmp4".into()),
                    video: Some(VideoSpec {
                        filters: Some(format!(
                            "scale={}:{},crop={tw}:{th}:{}:{}",
                            q.width,
                            q.height,
                            col * tw,
                            row * th
                        )),
                        bitrate: Some(q.tile_bitrate.to_string()),
                        ..Default::default()
                    }),
                    audio: no_audio(),
                });
            }
        }
    }
    let with_audio = info.audio.is_some() && audio.codec.as_deref() != Some("none");
    if with_audio {
        outputs.push(OutputSpec {
            path: Some("audio".into()),
            format: Some("fmp4".into()),
            video: Some(VideoSpec {
                codec: Some("none".into()),
                ..Default::default()
            }),
            audio: None,
        });
    }
    spec.video = Some(video);
    spec.audio = Some(audio);
    spec.outputs = outputs;
    spec.input = Some(InputSpec {
        path: Some(input.clone()),
        // Tiles are cut from the frame as stored: rotating it upright would move the sphere.
        autorotate: Some(false),
        ..in_spec
    });
    let (mut all, summary) = run_segmented(opts, ctl, &spec, info, ictx, out.temp())?;
    notes.extend(summary.warnings);
    let audio_track = if with_audio { all.pop() } else { None };
    let mut rest = all.into_iter();
    let base = rest.next().expect("base output");
    let tile_tracks: Vec<Track> = rest.collect();
    if base.segments.is_empty() {
        return Err(Error::Malformed(format!(
            "{input}: nothing was packaged (no decodable frames)"
        )));
    }
    let mpd = tiled_mpd(
        &base,
        &tile_tracks,
        qualities.len(),
        grid,
        audio_track.as_ref(),
        opts.segment,
    );
    let path = out.temp().join("manifest.mpd");
    std::fs::write(&path, mpd).map_err(|e| Error::io(&path, e))?;
    let renditions = std::iter::once(&base)
        .chain(tile_tracks.iter())
        .chain(audio_track.iter())
        .map(RenditionSummary::of)
        .collect();
    out.commit()?;
    Ok(PackageSummary {
        out_dir: opts.out_dir.display().to_string(),
        manifests: vec!["manifest.mpd".into()],
        renditions,
        notes,
        interrupted: summary.interrupted,
    })
}

/// The MPD: the base layer (plain players play it alone), one adaptation set per tile with one representation per
/// quality, the audio.
fn tiled_mpd(
    base: &Track,
    tiles: &[Track],
    per_tile: usize,
    grid: TileGrid,
    audio: Option<&Track>,
    segment: f64,
) -> String {
    let (cols, rows) = (grid.cols, grid.rows);
    let mut s = super::dash::mpd(&[base], audio, segment);
    // The tile adaptation sets go after the base's (id 0): SRD marks the base as the whole reference space and
    // each tile as one cell of it. Tiles use EssentialProperty so that players without SRD skip them.
    let mut sets = String::new();
    for (k, chunk) in tiles.chunks(per_tile.max(1)).enumerate() {
        let (row, col) = (k as u32 / cols, k as u32 % cols);
        let refs: Vec<&Track> = chunk.iter().collect();
        let props = format!(
            "<EssentialProperty schemeIdUri=\"urn:mpeg:dash:srd:2014\" value=\"0,{col},{row},1,1,{cols},{rows}\"/>"
        );
        let _ = write!(
            sets,
            "{}",
            super::dash::video_adaptation_set(&refs, &(k + 2).to_string(), &props)
        );
    }
    let base_prop = format!(
        "<SupplementalProperty schemeIdUri=\"urn:mpeg:dash:srd:2014\" value=\"0,0,0,{cols},{rows},{cols},{rows}\"/>"
    );
    // The base's properties open its adaptation set; the tiles follow it.
    if let Some(at) = s.find("      <Representation") {
        s.insert_str(at, &format!("      {base_prop}\n"));
    }
    if let Some(at) = s.find("    </AdaptationSet>") {
        let end = at + "    </AdaptationSet>\n".len();
        s.insert_str(end, &sets);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_parse_and_sizes_divide() {
        assert_eq!(TileGrid::parse("6x4").unwrap(), TileGrid { cols: 6, rows: 4 });
        assert!(TileGrid::parse("0x4").is_err() && TileGrid::parse("6").is_err());
        let g = TileGrid { cols: 6, rows: 4 };
        let (w, h) = grid_size(1920, 960, g);
        assert_eq!((w % 12, h % 8), (0, 0));
        assert_eq!((w, h), (1920, 960));
        assert_eq!(grid_size(1280, 640, g), (1272, 640));
    }
}
