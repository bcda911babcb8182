//! What the three commands share: their build options, loading the config
//! they name, the content folder's check, and the exit codes.

use std::path::{Path, PathBuf};

use crate::base::config::{self, Config};
use crate::base::diagnostic::Diagnostic;

/// Exit codes, as documented in the README.
pub mod exit {
    /// Success, possibly with warnings.
    pub const OK: u8 = 0;
    /// Content errors under `--strict`, output failure, or `--check` found changes.
    pub const FAILURE: u8 = 1;
    /// Bad usage or bad config.
    pub const USAGE: u8 = 2;
}

/// The options of `feedsmith build`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildArgs {
    pub config: Option<PathBuf>,
    pub content: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub drafts: bool,
    pub future: bool,
    pub expired: bool,
    pub strict: bool,
    pub check: bool,
    pub quiet: bool,
    /// Print the time each stage took.
    pub verbose: bool,
}

/// Loads the config named by `--config`, else `feedsmith.yaml` if present,
/// else the defaults; then applies `--content` and `--out`.
pub fn load_config(args: &BuildArgs) -> Result<Config, Diagnostic> {
    let explicit = args.config.is_some();
    let path = args
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_FILE));
    let mut config = match std::fs::read_to_string(&path) {
        Ok(text) => {
            let dir = path.parent().unwrap_or(Path::new(""));
            Config::parse(&text, dir, Some(&path))?
        }
        Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => Config::defaults(),
        Err(e) => {
            return Err(Diagnostic::error(
                path.display().to_string(),
                None,
                format!("cannot read the config file: {e}"),
            )
            .with_help("check the path given to --config"))
        }
    };
    if let Some(content) = &args.content {
        config.content_dir = content.clone();
    }
    if let Some(out) = &args.out {
        config.output_dir = out.clone();
    }
    Ok(config)
}

/// The content folder must exist before anything is built or watched.
pub fn check_content_dir(config: &Config) -> Result<(), Diagnostic> {
    if config.content_dir.is_dir() {
        return Ok(());
    }
    Err(Diagnostic::error(
        config.content_dir.display().to_string(),
        None,
        "the content folder does not exist",
    )
    .with_help("create it, or point to it with --content DIR or `content_dir` in feedsmith.yaml"))
}
