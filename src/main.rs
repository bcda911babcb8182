//! The `feedsmith` command line: parses arguments and hands over to the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use feedsmith::app::{self, BuildArgs};

/// Turns a folder of Markdown articles into RSS 2.0 and JSON Feed 1.1 files.
#[derive(Parser)]
#[command(name = "feedsmith", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build every feed once (site-wide, per category, per tag).
    Build(BuildFlags),
}

#[derive(Args)]
struct BuildFlags {
    /// Config file [default: feedsmith.yaml, when present]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Content folder [default: `content_dir` from the config, else content]
    #[arg(long, value_name = "DIR")]
    content: Option<PathBuf>,
    /// Output folder [default: `output_dir` from the config, else feeds]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Include drafts (like Hugo's -D)
    #[arg(short = 'D', long)]
    drafts: bool,
    /// Include articles whose publish date is in the future (like Hugo's -F)
    #[arg(short = 'F', long)]
    future: bool,
    /// Include expired articles (like Hugo's -E)
    #[arg(short = 'E', long)]
    expired: bool,
    /// Treat every warning as an error: exit 1 and write nothing
    #[arg(long)]
    strict: bool,
    /// Write nothing; list what would change and exit 1 if anything would
    #[arg(long)]
    check: bool,
    /// Print only warnings and errors, not the summary line
    #[arg(short, long)]
    quiet: bool,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Build(f) => app::run_build(&BuildArgs {
            config: f.config,
            content: f.content,
            out: f.out,
            drafts: f.drafts,
            future: f.future,
            expired: f.expired,
            strict: f.strict,
            check: f.check,
            quiet: f.quiet,
        }),
    }
}
