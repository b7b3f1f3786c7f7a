//! `reel presets list|show NAME`: the YAML presets built into the binary.

use crate::GlobalOpts;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// List the built-in presets.
    List,
    /// Print a built-in preset's YAML (or a preset file after validation).
    Show {
        /// Preset name or YAML file.
        name: String,
    },
}

pub fn run(args: Args, global: &GlobalOpts) -> anyhow::Result<()> {
    match args.action {
        Action::List => {
            let mut rows = Vec::new();
            for (name, text) in reel::preset::BUILTIN {
                let src = reel::preset::PresetSource {
                    origin: name.to_string(),
                    text: text.to_string(),
                };
                let spec = reel::preset::parse(&src)?;
                rows.push((name.to_string(), spec.description.unwrap_or_default()));
            }
            if global.json {
                let v: Vec<_> = rows
                    .iter()
                    .map(|(n, d)| serde_json::json!({"name": n, "description": d}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                for (n, d) in rows {
                    println!("{n:<16} {d}");
                }
            }
        }
        Action::Show { name } => {
            let src = reel::preset::load(&name)?;
            reel::preset::parse(&src)?;
            print!("{}", src.text);
        }
    }
    Ok(())
}
