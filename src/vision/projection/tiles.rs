//! FOV (viewport-adaptive) tiling of an equirect frame: the tile grid, splitting and exact reassembly, and
//! the DASH spatial-relationship descriptor (SRD, ISO/IEC 23009-1 Annex H) of each tile.
//!
//! Layout: a `cols` x `rows` grid over the full frame; tile edges fall on even pixels so 4:2:0 chroma splits
//! with the luma. Tile `i` is column `i % cols`, row `i / cols`, numbered left to right, top to bottom. The
//! low-resolution base layer is the whole frame (SRD `0,0,0,W,H,W,H`), the tiles share `source_id` 0.

use super::plane::{Plane, Sample};
use crate::error::{Error, Result};

/// A tile grid over a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileGrid {
    pub cols: u32,
    pub rows: u32,
    pub width: u32,
    pub height: u32,
}

/// One tile's rectangle in the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileRect {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

impl TileGrid {
    /// Parses `COLSxROWS` (e.g. `6x4`) for a frame size.
    pub fn parse(spec: &str, width: u32, height: u32) -> Result<Self> {
        let bad = || Error::InvalidArgument(format!("'{spec}' is not a tile grid (try 6x4)"));
        let (c, r) = spec.split_once(['x', 'X']).ok_or_else(bad)?;
        let cols: u32 = c.trim().parse().map_err(|_| bad())?;
        let rows: u32 = r.trim().parse().map_err(|_| bad())?;
        Self::new(cols, rows, width, height)
    }

    pub fn new(cols: u32, rows: u32, width: u32, height: u32) -> Result<Self> {
        if cols == 0 || rows == 0 || cols > 64 || rows > 64 {
            return Err(Error::InvalidArgument(format!(
                "tile grid {cols}x{rows}: 1 to 64 each way"
            )));
        }
        if width < 2 * cols || height < 2 * rows {
            return Err(Error::InvalidArgument(format!(
                "{width}x{height} is too small for {cols}x{rows} tiles"
            )));
        }
        Ok(Self {
            cols,
            rows,
            width,
            height,
        })
    }

    pub fn count(&self) -> usize {
        (self.cols * self.rows) as usize
    }

    /// Edge `k` of `n` across `len` pixels, on an even pixel (the last edge is `len` itself).
    fn edge(k: u32, n: u32, len: u32) -> u32 {
        if k >= n {
            return len;
        }
        let e = (k as u64 * len as u64 / n as u64) as u32;
        e & !1
    }

    /// The rectangle of tile `i`.
    pub fn rect(&self, i: usize) -> Result<TileRect> {
        if i >= self.count() {
            return Err(Error::InvalidArgument(format!("tile {i} of {}", self.count())));
        }
        let (c, r) = (i as u32 % self.cols, i as u32 / self.cols);
        let (x0, x1) = (
            Self::edge(c, self.cols, self.width),
            Self::edge(c + 1, self.cols, self.width),
        );
        let (y0, y1) = (
            Self::edge(r, self.rows, self.height),
            Self::edge(r + 1, self.rows, self.height),
        );
        Ok(TileRect {
            x: x0,
            y: y0,
            w: x1 - x0,
            h: y1 - y0,
        })
    }

    /// The DASH SRD value of tile `i`: `source_id,x,y,w,h,W,H`.
    pub fn srd(&self, i: usize) -> Result<String> {
        let t = self.rect(i)?;
        Ok(format!(
            "0,{},{},{},{},{},{}",
            t.x, t.y, t.w, t.h, self.width, self.height
        ))
    }

    /// Cuts tile `i` out of a full-size plane.
    pub fn cut<T: Sample>(&self, plane: &Plane<T>, i: usize) -> Result<Plane<T>> {
        self.check(plane.width, plane.height)?;
        let t = self.rect(i)?;
        let mut out = Plane::new(t.w as usize, t.h as usize, T::default());
        for y in 0..t.h as usize {
            let src = (t.y as usize + y) * plane.stride + t.x as usize;
            out.data[y * t.w as usize..(y + 1) * t.w as usize].copy_from_slice(&plane.data[src..src + t.w as usize]);
        }
        Ok(out)
    }

    /// Pastes tiles (index, plane) into a full-size plane; every tile must be present exactly once.
    pub fn reassemble<T: Sample>(&self, tiles: &[(usize, Plane<T>)]) -> Result<Plane<T>> {
        let mut seen = vec![false; self.count()];
        let mut out = Plane::new(self.width as usize, self.height as usize, T::default());
        for (i, tile) in tiles {
            let t = self.rect(*i)?;
            if seen[*i] {
                return Err(Error::InvalidArgument(format!("tile {i} given twice")));
            }
            if tile.width != t.w as usize || tile.height != t.h as usize {
                return Err(Error::InvalidArgument(format!(
                    "tile {i} is {}x{}, expected {}x{}",
                    tile.width, tile.height, t.w, t.h
                )));
            }
            seen[*i] = true;
            for y in 0..t.h as usize {
                let dst = (t.y as usize + y) * out.stride + t.x as usize;
                out.data[dst..dst + t.w as usize]
                    .copy_from_slice(&tile.data[y * tile.stride..y * tile.stride + t.w as usize]);
            }
        }
        if let Some(missing) = seen.iter().position(|s| !s) {
            return Err(Error::InvalidArgument(format!("tile {missing} is missing")));
        }
        Ok(out)
    }

    fn check(&self, w: usize, h: usize) -> Result<()> {
        if w != self.width as usize || h != self.height as usize {
            return Err(Error::InvalidArgument(format!(
                "plane {w}x{h} does not match the grid's {}x{}",
                self.width, self.height
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_cover_the_frame_and_reassemble_exactly() {
        for &(cols, rows, w, h) in &[
            (6u32, 4u32, 390u32, 202u32),
            (1, 1, 8, 4),
            (5, 3, 100, 50),
            (7, 5, 3840, 1920),
        ] {
            let grid = TileGrid::new(cols, rows, w, h).unwrap();
            let mut plane = Plane::new(w as usize, h as usize, 0u16);
            for (i, v) in plane.data.iter_mut().enumerate() {
                *v = (i * 2654435761usize % 65521) as u16;
            }
            let area: u64 = (0..grid.count())
                .map(|i| grid.rect(i).map(|t| t.w as u64 * t.h as u64).unwrap())
                .sum();
            assert_eq!(area, w as u64 * h as u64);
            // Any order of the tiles gives back the frame bit for bit.
            let mut tiles: Vec<(usize, Plane<u16>)> =
                (0..grid.count()).map(|i| (i, grid.cut(&plane, i).unwrap())).collect();
            tiles.reverse();
            tiles.rotate_left(grid.count() / 3);
            assert_eq!(grid.reassemble(&tiles).unwrap(), plane);
            assert!(grid.rect(0).unwrap().w.is_multiple_of(2) || cols == 1);
            tiles.pop();
            assert!(grid.reassemble(&tiles).is_err());
        }
        assert_eq!(
            TileGrid::parse("6x4", 3840, 1920).unwrap().srd(7).unwrap(),
            "0,640,480,640,480,3840,1920"
        );
        assert!(TileGrid::parse("6by4", 10, 10).is_err());
    }
}
