//! `itinera serve [--ui] [--ui-dir PATH] --dir FOLDER [--port N]`: the editor's backend over
//! HTTP on 127.0.0.1 (all semantics in itinera-server / itinera-service).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use itinera_server::ServeOptions;

#[derive(clap::Args)]
pub struct Args {
    /// Serve the built editor at / as well as the API at /api/*.
    #[arg(long)]
    ui: bool,
    /// The built editor (implies --ui). Default: $ITINERA_UI_DIR, else ui/dist of this
    /// repository, else ./ui/dist.
    #[arg(long, value_name = "PATH")]
    ui_dir: Option<PathBuf>,
    /// The folder of journeys to work on.
    #[arg(long, value_name = "FOLDER")]
    dir: PathBuf,
    /// Port on 127.0.0.1 (0 picks a free one; the real one is printed).
    #[arg(long, default_value_t = 7370)]
    port: u16,
    /// Let the editor switch to another folder (open_folder); off by default.
    #[arg(long)]
    allow_open_folder: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let ui_dir = match (args.ui_dir, args.ui) {
        (Some(dir), _) => Some(dir),
        (None, true) => Some(default_ui_dir()),
        (None, false) => None,
    };
    let options = ServeOptions { dir: args.dir, port: args.port, ui_dir, allow_open_folder: args.allow_open_folder };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")?;
    runtime.block_on(itinera_server::serve(options))?;
    Ok(ExitCode::SUCCESS)
}

/// $ITINERA_UI_DIR, else the repository's ui/dist (when this binary was built from a checkout
/// that has one), else ./ui/dist.
fn default_ui_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ITINERA_UI_DIR") {
        return PathBuf::from(dir);
    }
    let repository = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/dist");
    if repository.join("index.html").is_file() {
        return repository;
    }
    PathBuf::from("ui/dist")
}
