//! `reel completions SHELL` and `reel man`: generated from the clap definition, committed under completions/ and man/.

use clap_complete::Shell;
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to generate for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(clap::Args, Debug)]
pub struct ManArgs {}

pub fn run_completions(args: CompletionsArgs) -> anyhow::Result<()> {
    let mut cmd = crate::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "reel", &mut out);
    std::io::stdout().write_all(&out)?;
    Ok(())
}

pub fn run_man(_args: ManArgs) -> anyhow::Result<()> {
    let cmd = crate::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut out)?;
    // One page for the whole tool: append each subcommand's own section.
    for sub in cmd.get_subcommands() {
        let name = format!("reel-{}", sub.get_name());
        let sub = sub.clone().name(name);
        let man = clap_mangen::Man::new(sub);
        out.extend_from_slice(b".SH \"\"\n");
        man.render_title(&mut out)?;
        man.render_description_section(&mut out)?;
        man.render_options_section(&mut out)?;
    }
    std::io::stdout().write_all(&out)?;
    Ok(())
}
