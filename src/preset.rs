//! YAML presets: built-ins embedded from `presets/`, files from disk, `--set key=value` overrides, and merging.
//!
//! This is the only module that parses YAML. Layers merge as built-in defaults < preset < `--set` < flags; the
//! first three happen here on YAML trees, the flags are applied by the caller on the typed `GraphSpec`.

use crate::error::{Error, Result};
use crate::graph::spec::GraphSpec;
use serde_yaml::Value;
use std::path::Path;

/// Presets shipped inside the binary: (name, YAML text).
pub const BUILTIN: &[(&str, &str)] = &[
    ("web-h264-720p", include_str!("../presets/web-h264-720p.yaml")),
    ("web-h264-1080p", include_str!("../presets/web-h264-1080p.yaml")),
    ("av1-archive", include_str!("../presets/av1-archive.yaml")),
    ("hevc-archive", include_str!("../presets/hevc-archive.yaml")),
    ("aac-audio", include_str!("../presets/aac-audio.yaml")),
    ("ladder-h264", include_str!("../presets/ladder-h264.yaml")),
    ("ladder-hevc", include_str!("../presets/ladder-hevc.yaml")),
    ("ladder-av1", include_str!("../presets/ladder-av1.yaml")),
];

/// A preset's YAML text and where it came from (for error messages).
#[derive(Clone, Debug)]
pub struct PresetSource {
    pub origin: String,
    pub text: String,
}

/// Finds a preset by built-in name or as a file path.
pub fn load(name_or_path: &str) -> Result<PresetSource> {
    if let Some((name, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
        return Ok(PresetSource {
            origin: format!("preset {name}"),
            text: (*text).to_string(),
        });
    }
    let path = Path::new(name_or_path);
    if path.exists() || name_or_path.ends_with(".yaml") || name_or_path.ends_with(".yml") {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        return Ok(PresetSource {
            origin: name_or_path.to_string(),
            text,
        });
    }
    let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
    Err(Error::InvalidArgument(format!(
        "unknown preset '{name_or_path}' (built-in presets: {}; or give a YAML file path)",
        names.join(", ")
    )))
}

/// Parses and validates one preset: unknown keys and bad values name the origin, line and key.
pub fn parse(source: &PresetSource) -> Result<GraphSpec> {
    let spec: GraphSpec = serde_yaml::from_str(&source.text)
        .map_err(|e| Error::InvalidArgument(format!("{}: {}", source.origin, yaml_error(&e))))?;
    if let Some(v) = spec.version
        && v != 1
    {
        return Err(Error::Unsupported(format!(
            "{}: preset version {v} (this reel reads version 1)",
            source.origin
        )));
    }
    Ok(spec)
}

/// serde_yaml puts the location at the end; put it first so it reads `line 3 column 5: video: unknown field ...`.
fn yaml_error(e: &serde_yaml::Error) -> String {
    let msg = e.to_string();
    match (e.location(), msg.rfind(" at line ")) {
        (Some(loc), Some(i)) => format!("line {} column {}: {}", loc.line(), loc.column(), &msg[..i]),
        _ => msg,
    }
}

/// Merges a preset (optional) and `key=value` overrides into one spec.
pub fn merge(preset: Option<&PresetSource>, sets: &[String]) -> Result<GraphSpec> {
    let mut tree = match preset {
        Some(p) => {
            // Validate the file alone first so errors carry its line numbers.
            parse(p)?;
            serde_yaml::from_str::<Value>(&p.text)
                .map_err(|e| Error::InvalidArgument(format!("{}: {}", p.origin, yaml_error(&e))))?
        }
        None => Value::Mapping(Default::default()),
    };
    if tree.is_null() {
        tree = Value::Mapping(Default::default());
    }
    for set in sets {
        apply_set(&mut tree, set)?;
    }
    serde_yaml::from_value::<GraphSpec>(tree).map_err(|e| Error::InvalidArgument(yaml_error(&e)))
}

/// Applies one `a.b.c=value` override; list elements are addressed by index (`outputs.0.video.crf=20`).
fn apply_set(tree: &mut Value, set: &str) -> Result<()> {
    let (key, raw) = set
        .split_once('=')
        .ok_or_else(|| Error::InvalidArgument(format!("'{set}' is not key=value (e.g. video.crf=20)")))?;
    let value: Value = if raw.is_empty() {
        Value::String(String::new())
    } else {
        serde_yaml::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
    };
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(Error::InvalidArgument(format!("'{key}' is not a valid key path")));
    }
    let mut node = tree;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        if let Ok(idx) = part.parse::<usize>() {
            if node.is_null() {
                *node = Value::Sequence(vec![]);
            }
            let seq = node.as_sequence_mut().ok_or_else(|| {
                Error::InvalidArgument(format!("{key}: '{part}' indexes something that is not a list"))
            })?;
            while seq.len() <= idx {
                seq.push(Value::Mapping(Default::default()));
            }
            if last {
                seq[idx] = value.clone();
                return Ok(());
            }
            node = &mut seq[idx];
        } else {
            if node.is_null() {
                *node = Value::Mapping(Default::default());
            }
            let map = node.as_mapping_mut().ok_or_else(|| {
                Error::InvalidArgument(format!("{key}: '{part}' is inside something that is not a map"))
            })?;
            let k = Value::String(part.to_string());
            if last {
                map.insert(k, value.clone());
                return Ok(());
            }
            node = map.entry(k).or_insert(Value::Null);
        }
    }
    Ok(())
}

/// Parses any YAML document into `T` (unknown keys are errors where `T` denies them), naming origin and line.
pub fn parse_yaml<T: serde::de::DeserializeOwned>(text: &str, origin: &str) -> Result<T> {
    serde_yaml::from_str(text).map_err(|e| Error::InvalidArgument(format!("{origin}: {}", yaml_error(&e))))
}

/// Renders any serialisable value as YAML.
pub fn render_yaml<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_yaml::to_string(value).map_err(|e| Error::InvalidArgument(e.to_string()))
}

/// Renders a spec back to YAML (for `--dry-run` and `presets show`).
pub fn to_yaml(spec: &GraphSpec) -> String {
    serde_yaml::to_string(spec).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse() {
        for (name, text) in BUILTIN {
            let src = PresetSource {
                origin: name.to_string(),
                text: text.to_string(),
            };
            parse(&src).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let src = PresetSource {
            origin: "bad.yaml".into(),
            text: "version: 1\nvideo:\n  codec: h264\n  crff: 20\n".into(),
        };
        let e = parse(&src).unwrap_err().to_string();
        assert!(e.contains("bad.yaml"), "{e}");
        assert!(e.contains("line 4"), "{e}");
        assert!(e.contains("crff"), "{e}");
    }

    #[test]
    fn bad_value_is_error() {
        let src = PresetSource {
            origin: "bad.yaml".into(),
            text: "video:\n  crf: high\n".into(),
        };
        let e = parse(&src).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("crf"), "{e}");
    }

    #[test]
    fn set_overrides_preset() {
        let src = PresetSource {
            origin: "p".into(),
            text: "video:\n  codec: h264\n  crf: 23\n".into(),
        };
        let spec = merge(Some(&src), &["video.crf=18".into(), "audio.bitrate=96k".into()]).unwrap();
        let v = spec.video.unwrap();
        assert_eq!(v.crf, Some(18.0));
        assert_eq!(v.codec.as_deref(), Some("h264"));
        assert_eq!(spec.audio.unwrap().bitrate.as_deref(), Some("96k"));
    }

    #[test]
    fn set_unknown_key_is_error() {
        let e = merge(None, &["video.crff=18".into()]).unwrap_err().to_string();
        assert!(e.contains("crff"), "{e}");
        assert!(merge(None, &["novalue".into()]).is_err());
    }

    #[test]
    fn set_indexes_outputs() {
        let spec = merge(None, &["outputs.1.video.crf=30".into()]).unwrap();
        assert_eq!(spec.outputs.len(), 2);
        assert_eq!(spec.outputs[1].video.as_ref().unwrap().crf, Some(30.0));
    }
}
