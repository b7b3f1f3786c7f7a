//! YUV4MPEG2 (`.y4m`) reading and writing for 4:2:0 8-bit and 10-bit video: the raw pipe format
//! `reel interpolate` speaks until the graph decodes and encodes (`ffmpeg -f yuv4mpegpipe`).

use crate::error::{Error, Result};
use std::io::{BufRead, Write};

/// The stream header of a y4m file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Y4mHeader {
    pub width: usize,
    pub height: usize,
    /// Frame rate (num, den).
    pub rate: (i32, i32),
    /// 8 or 10.
    pub bit_depth: u8,
    /// Tokens kept verbatim (interlacing, aspect, colour space), written back on output.
    pub other: Vec<String>,
}

impl Y4mHeader {
    /// Bytes of one frame's samples.
    pub fn frame_bytes(&self) -> usize {
        let (cw, ch) = (self.width.div_ceil(2), self.height.div_ceil(2));
        let bps = if self.bit_depth > 8 { 2 } else { 1 };
        (self.width * self.height + 2 * cw * ch) * bps
    }
}

/// Largest picture accepted from a header (guards allocations against hostile input).
const MAX_PIXELS: usize = 16384 * 16384;

/// Reads the stream header.
pub fn read_header(r: &mut impl BufRead) -> Result<Y4mHeader> {
    let mut line = Vec::new();
    std::io::Read::take(&mut *r, 4096).read_until(b'\n', &mut line)?;
    let text = std::str::from_utf8(&line).map_err(|_| Error::Malformed("y4m header is not text".into()))?;
    let mut tokens = text.trim_end().split(' ');
    if tokens.next() != Some("YUV4MPEG2") {
        return Err(Error::Malformed("not a YUV4MPEG2 stream".into()));
    }
    let (mut width, mut height, mut rate, mut bit_depth) = (0usize, 0usize, (25, 1), 8u8);
    let mut other = Vec::new();
    let bad = |t: &str| Error::Malformed(format!("y4m header token '{t}'"));
    for t in tokens.filter(|t| !t.is_empty()) {
        let (tag, val) = t.split_at(1);
        match tag {
            "W" => width = val.parse().map_err(|_| bad(t))?,
            "H" => height = val.parse().map_err(|_| bad(t))?,
            "F" => {
                let (n, d) = val.split_once(':').ok_or_else(|| bad(t))?;
                rate = (n.parse().map_err(|_| bad(t))?, d.parse().map_err(|_| bad(t))?);
                if rate.0 <= 0 || rate.1 <= 0 {
                    return Err(bad(t));
                }
            }
            "C" => {
                bit_depth = match val {
                    "420" | "420jpeg" | "420paldv" | "420mpeg2" => 8,
                    "420p10" => 10,
                    _ => {
                        return Err(Error::Unsupported(format!(
                            "y4m colour space {val} (only 4:2:0 8/10-bit)"
                        )));
                    }
                };
                other.push(t.to_string());
            }
            _ => other.push(t.to_string()),
        }
    }
    if width == 0 || height == 0 || width.saturating_mul(height) > MAX_PIXELS {
        return Err(Error::Malformed(format!("y4m picture size {width}x{height}")));
    }
    Ok(Y4mHeader {
        width,
        height,
        rate,
        bit_depth,
        other,
    })
}

/// Reads the next frame's samples into `buf` (resized to `frame_bytes`); `false` at end of stream.
pub fn read_frame(r: &mut impl BufRead, header: &Y4mHeader, buf: &mut Vec<u8>) -> Result<bool> {
    let mut line = Vec::new();
    let n = std::io::Read::take(&mut *r, 1024).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(false);
    }
    if !line.starts_with(b"FRAME") {
        return Err(Error::Malformed("y4m frame marker missing".into()));
    }
    buf.resize(header.frame_bytes(), 0);
    r.read_exact(buf)
        .map_err(|e| Error::Malformed(format!("y4m frame truncated: {e}")))?;
    Ok(true)
}

/// Writes the stream header with another frame rate.
pub fn write_header(w: &mut impl Write, header: &Y4mHeader, rate: (i32, i32)) -> Result<()> {
    write!(
        w,
        "YUV4MPEG2 W{} H{} F{}:{}",
        header.width, header.height, rate.0, rate.1
    )?;
    for t in &header.other {
        write!(w, " {t}")?;
    }
    writeln!(w)?;
    Ok(())
}

/// Writes one frame's samples.
pub fn write_frame(w: &mut impl Write, data: &[u8]) -> Result<()> {
    w.write_all(b"FRAME\n")?;
    w.write_all(data)?;
    Ok(())
}
