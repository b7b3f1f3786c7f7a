//! libavfilter graphs as pipeline stages: a buffer source, the user's chain plus negotiated converters, a sink.
//!
//! libavfilter negotiates formats along the chain itself and inserts `scale`/`aresample` where two filters
//! disagree; we end every chain with `format`/`aformat` listing what the next node accepts, so the converter is
//! inserted exactly where it is needed.

use crate::error::{Error, Result};
use crate::media;
use ff::Rational;
use ffmpeg_next as ff;

/// A configured video filter graph.
pub struct VideoLavfi {
    graph: ff::filter::Graph,
    pub out: crate::node::video_filter::VideoFormat,
}

/// A configured audio filter graph.
pub struct AudioLavfi {
    graph: ff::filter::Graph,
    pub out_rate: u32,
    pub out_tb: Rational,
}

fn filter_error(chain: &str, e: ff::Error) -> Error {
    // Name the user's chain, not the converters the builder appended.
    let user = chain.split(",format=pix_fmts=").next().unwrap_or(chain);
    let user = user.split(",aresample=").next().unwrap_or(user);
    let user = user
        .strip_prefix("format=pix_fmts=")
        .map(|_| "(format conversion)")
        .unwrap_or(user);
    Error::InvalidArgument(format!("filter '{user}': {}", e.to_string().to_lowercase()))
}

impl VideoLavfi {
    /// Builds `buffer -> chain -> buffersink` for frames of format `input`. An empty chain is `null`.
    pub fn new(chain: &str, input: &crate::node::video_filter::VideoFormat) -> Result<Self> {
        let mut graph = ff::filter::Graph::new();
        let sar = if input.sample_aspect_ratio.numerator() > 0 {
            input.sample_aspect_ratio
        } else {
            Rational::new(1, 1)
        };
        let args = format!(
            "video_size={}x{}:pix_fmt={}:time_base={}/{}:pixel_aspect={}/{}{}",
            input.width,
            input.height,
            media::pix_fmt_name(input.pix_fmt),
            input.time_base.numerator(),
            input.time_base.denominator().max(1),
            sar.numerator(),
            sar.denominator().max(1),
            match input.frame_rate {
                Some(r) if r.numerator() > 0 => format!(":frame_rate={}/{}", r.numerator(), r.denominator()),
                _ => String::new(),
            }
        );
        let buffer = ff::filter::find("buffer").ok_or_else(|| Error::Unsupported("libavfilter buffer".into()))?;
        let sink = ff::filter::find("buffersink").ok_or_else(|| Error::Unsupported("libavfilter buffersink".into()))?;
        graph.add(&buffer, "in", &args).map_err(|e| filter_error(chain, e))?;
        graph.add(&sink, "out", "").map_err(|e| filter_error(chain, e))?;
        let text = if chain.trim().is_empty() { "null" } else { chain };
        graph
            .output("in", 0)
            .and_then(|p| p.input("out", 0))
            .and_then(|p| p.parse(text))
            .map_err(|e| filter_error(chain, e))?;
        graph.validate().map_err(|e| filter_error(chain, e))?;
        // SAFETY: the sink is configured; these getters read its negotiated link.
        let out = unsafe {
            let ctx = graph
                .get("out")
                .ok_or_else(|| Error::Unsupported("buffersink".into()))?
                .as_ptr();
            let fr = ff::ffi::av_buffersink_get_frame_rate(ctx);
            crate::node::video_filter::VideoFormat {
                width: ff::ffi::av_buffersink_get_w(ctx) as u32,
                height: ff::ffi::av_buffersink_get_h(ctx) as u32,
                pix_fmt: std::mem::transmute::<i32, ff::ffi::AVPixelFormat>(ff::ffi::av_buffersink_get_format(ctx))
                    .into(),
                time_base: ff::ffi::av_buffersink_get_time_base(ctx).into(),
                frame_rate: if fr.num > 0 && fr.den > 0 {
                    Some(fr.into())
                } else {
                    input.frame_rate
                },
                sample_aspect_ratio: ff::ffi::av_buffersink_get_sample_aspect_ratio(ctx).into(),
            }
        };
        Ok(Self { graph, out })
    }

    /// Sends one frame (or `None` at end of stream) and collects every frame ready at the sink.
    pub fn push(&mut self, frame: Option<&ff::Frame>, out: &mut Vec<ff::Frame>) -> Result<()> {
        push_graph(&mut self.graph, frame, out)
    }
}

/// Audio formats at a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AudioFormat {
    pub sample_rate: u32,
    pub channels: u16,
    pub channel_layout: u64,
    pub sample_fmt: ff::format::Sample,
    pub time_base: Rational,
}

impl AudioLavfi {
    /// Builds `abuffer -> chain -> abuffersink`; `frame_size` > 0 makes the sink emit fixed-size frames.
    pub fn new(chain: &str, input: &AudioFormat, frame_size: u32) -> Result<Self> {
        let mut graph = ff::filter::Graph::new();
        let layout = if input.channel_layout == 0 {
            media::default_layout(input.channels as i32)
        } else {
            input.channel_layout
        };
        let args = format!(
            "time_base={}/{}:sample_rate={}:sample_fmt={}:channel_layout=0x{:x}",
            input.time_base.numerator(),
            input.time_base.denominator().max(1),
            input.sample_rate,
            media::sample_fmt_name(input.sample_fmt),
            layout
        );
        let abuffer = ff::filter::find("abuffer").ok_or_else(|| Error::Unsupported("libavfilter abuffer".into()))?;
        let sink =
            ff::filter::find("abuffersink").ok_or_else(|| Error::Unsupported("libavfilter abuffersink".into()))?;
        graph.add(&abuffer, "in", &args).map_err(|e| filter_error(chain, e))?;
        graph.add(&sink, "out", "").map_err(|e| filter_error(chain, e))?;
        let text = if chain.trim().is_empty() { "anull" } else { chain };
        graph
            .output("in", 0)
            .and_then(|p| p.input("out", 0))
            .and_then(|p| p.parse(text))
            .map_err(|e| filter_error(chain, e))?;
        graph.validate().map_err(|e| filter_error(chain, e))?;
        // SAFETY: reading the configured sink's link properties.
        let (out_rate, out_tb) = unsafe {
            let ctx = graph
                .get("out")
                .ok_or_else(|| Error::Unsupported("abuffersink".into()))?
                .as_mut_ptr();
            if frame_size > 0 {
                ff::ffi::av_buffersink_set_frame_size(ctx, frame_size);
            }
            (
                ff::ffi::av_buffersink_get_sample_rate(ctx) as u32,
                ff::ffi::av_buffersink_get_time_base(ctx).into(),
            )
        };
        Ok(Self {
            graph,
            out_rate,
            out_tb,
        })
    }

    /// Sends one frame (or `None` at end of stream) and collects every frame ready at the sink.
    pub fn push(&mut self, frame: Option<&ff::Frame>, out: &mut Vec<ff::Frame>) -> Result<()> {
        push_graph(&mut self.graph, frame, out)
    }
}

/// Feeds a graph's `in` source one frame (or end of stream) and drains its `out` sink into `out`.
fn push_graph(graph: &mut ff::filter::Graph, frame: Option<&ff::Frame>, out: &mut Vec<ff::Frame>) -> Result<()> {
    {
        let mut src = graph
            .get("in")
            .ok_or_else(|| Error::Unsupported("filter graph without a source".into()))?;
        match frame {
            Some(f) => src.source().add(f)?,
            None => src.source().flush()?,
        }
    }
    let mut sink = graph
        .get("out")
        .ok_or_else(|| Error::Unsupported("filter graph without a sink".into()))?;
    loop {
        // SAFETY: an empty frame for the sink to fill.
        let mut f = unsafe { ff::Frame::empty() };
        match sink.sink().frame(&mut f) {
            Ok(()) => out.push(f),
            Err(ff::Error::Other { errno }) if errno == ff::util::error::EAGAIN => break,
            Err(ff::Error::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Splits a filter chain at top-level commas (not inside quotes or brackets), keeping each filter's text.
pub fn split_chain(chain: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote = false;
    let mut depth = 0i32;
    let mut escape = false;
    for c in chain.chars() {
        if escape {
            cur.push(c);
            escape = false;
            continue;
        }
        match c {
            '\\' => {
                escape = true;
                cur.push(c);
            }
            '\'' => {
                quote = !quote;
                cur.push(c);
            }
            '[' | '(' if !quote => {
                depth += 1;
                cur.push(c);
            }
            ']' | ')' if !quote => {
                depth -= 1;
                cur.push(c);
            }
            ',' if !quote && depth == 0 => {
                if !cur.trim().is_empty() {
                    out.push(cur.trim().to_string());
                }
                cur.clear();
            }
            _ => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// The filter name of one chain element (`scale=-2:720` -> `scale`).
pub fn filter_name(filter: &str) -> &str {
    let f = filter.trim_start_matches(|c: char| c == '[' || c.is_whitespace());
    let f = if filter.trim_start().starts_with('[') {
        f.split_once(']').map(|(_, r)| r).unwrap_or(f)
    } else {
        f
    };
    f.split(['=', '@']).next().unwrap_or("").trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_top_level_commas_only() {
        assert_eq!(split_chain("scale=-2:720,fps=30"), vec!["scale=-2:720", "fps=30"]);
        assert_eq!(split_chain("scale=w='min(1280,iw)':h=-2,format=yuv420p").len(), 2);
        assert_eq!(split_chain("select='eq(n\\,0)',null").len(), 2);
        assert_eq!(filter_name("scale=-2:720"), "scale");
        assert_eq!(filter_name("sr=scale=2"), "sr");
    }
}
