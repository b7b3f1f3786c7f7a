//! Atomic outputs: write under a temporary name beside the target and rename into place when complete.
//!
//! An interrupted run (crash, Ctrl-C, error) never leaves a half-written file under the final name: the
//! temporary file is removed on drop unless `commit` was called.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// A file or directory being written under a temporary name.
#[derive(Debug)]
pub struct AtomicPath {
    final_path: PathBuf,
    temp_path: PathBuf,
    committed: bool,
}

impl AtomicPath {
    /// Reserves a temporary path beside `final_path` (same directory, so the rename is atomic).
    /// Fails when the target exists and `overwrite` is false, or when the directory does not exist.
    pub fn new(final_path: &Path, overwrite: bool) -> Result<Self> {
        if final_path.exists() && !overwrite {
            return Err(Error::io(
                final_path,
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "already exists (use -y to overwrite)",
                ),
            ));
        }
        let dir = match final_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(Error::io(
                final_path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "output directory does not exist"),
            ));
        }
        let name = final_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        // Keep the extension last so libraries that guess formats from the name still see it.
        let temp_path = dir.join(format!(
            ".{}.reel-{}.part.{}",
            stem_of(&name),
            std::process::id(),
            ext_of(&name)
        ));
        register_temp(&temp_path);
        Ok(Self {
            final_path: final_path.to_path_buf(),
            temp_path,
            committed: false,
        })
    }

    /// The temporary path to write to.
    pub fn temp(&self) -> &Path {
        &self.temp_path
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.final_path
    }

    /// Renames the temporary file or directory into place.
    pub fn commit(mut self) -> Result<()> {
        if self.final_path.is_dir() {
            std::fs::remove_dir_all(&self.final_path).map_err(|e| Error::io(&self.final_path, e))?;
        }
        std::fs::rename(&self.temp_path, &self.final_path).map_err(|e| Error::io(&self.final_path, e))?;
        unregister_temp(&self.temp_path);
        self.committed = true;
        Ok(())
    }
}

impl Drop for AtomicPath {
    fn drop(&mut self) {
        if !self.committed {
            remove_path(&self.temp_path);
            unregister_temp(&self.temp_path);
        }
    }
}

fn stem_of(name: &str) -> &str {
    name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name)
}

fn ext_of(name: &str) -> &str {
    name.rsplit_once('.').map(|(_, e)| e).unwrap_or("tmp")
}

fn remove_path(p: &Path) {
    if p.is_dir() {
        let _ = std::fs::remove_dir_all(p);
    } else {
        let _ = std::fs::remove_file(p);
    }
}

static TEMPS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn register_temp(p: &Path) {
    if let Ok(mut t) = TEMPS.lock() {
        t.push(p.to_path_buf());
    }
}

fn unregister_temp(p: &Path) {
    if let Ok(mut t) = TEMPS.lock() {
        t.retain(|x| x != p);
    }
}

/// Removes every temporary output still pending. Called on abort (second Ctrl-C) before exiting,
/// since destructors do not run on `process::exit`.
pub fn remove_all_pending() {
    if let Ok(t) = TEMPS.lock() {
        for p in t.iter() {
            remove_path(p);
        }
    }
}
