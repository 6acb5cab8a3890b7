//! # itinera-server: the editor's backend over HTTP
//!
//! The same commands as the desktop app's Tauri IPC, as `POST /api/<command>` with the
//! command's argument object as JSON body (see `itinera_service`). This is what lets the editor
//! run in a plain browser — for browser tests against the real Rust backend, and for people
//! without the desktop app (`itinera serve --ui --dir FOLDER --port N`).
//!
//! Design choices:
//! * **No logic here.** [`dispatch`] maps a command name to one `itinera_service` call; the
//!   answer is the service's result as JSON (200) or its error as `{"error", "diagnostics"?}`
//!   with 404 (missing file, unknown command), 400 (bad input, invalid journey) or 500.
//! * **Every command runs on the blocking pool** (`spawn_blocking`): they read files, and
//!   simulations are CPU-bound; the async runtime only moves bytes.
//! * **One folder per server.** `--dir` fixes it; `open_folder` answers 400 unless the server
//!   was started with [`ServeOptions::allow_open_folder`].
//! * **Local only.** The server binds 127.0.0.1 and refuses requests whose `Host` or `Origin`
//!   is not a loopback name, so a web page elsewhere cannot read or write the folder through
//!   the user's browser (DNS rebinding, cross-site form posts).
//! * The built editor (ui/dist) is served at `/` by tower-http's `ServeDir` when asked for;
//!   routing inside the editor is by URL hash, so the server only needs `index.html` at `/`.
//! * [`Server::bind`] and [`Server::run_until`] are separate so that tests (and the CLI) learn
//!   the real port before serving; [`serve`] prints `listening on http://127.0.0.1:N` once the
//!   socket is bound.

use std::future::Future;
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use itinera_service::{Error, ErrorKind, Workspace, args};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tower_http::services::ServeDir;

/// Largest request body accepted (a 10,000-node journey is a few MB).
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// What to serve, and where.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The folder of journeys (must exist).
    pub dir: PathBuf,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The built editor (a folder with index.html), served at `/`; `None` serves the API only.
    pub ui_dir: Option<PathBuf>,
    /// Whether `open_folder` may switch the folder (off by default: a browser page should not
    /// be able to point the server at another part of the disk).
    pub allow_open_folder: bool,
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The `--dir` folder cannot be used.
    #[error(transparent)]
    Workspace(#[from] Error),
    /// The editor folder has no index.html.
    #[error("{}: no index.html here; build the editor: npm --prefix ui run build", .0.display())]
    UiMissing(PathBuf),
    /// The port is taken or not allowed.
    #[error("cannot listen on {addr}: {cause}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's error.
        cause: std::io::Error,
    },
    /// Serving failed.
    #[error("serving: {0}")]
    Serve(std::io::Error),
}

/// What every request handler shares.
struct AppState {
    workspace: RwLock<Workspace>,
    allow_open_folder: bool,
}

/// A bound, not yet serving, server.
pub struct Server {
    listener: TcpListener,
    router: Router,
    addr: SocketAddr,
}

impl Server {
    /// Opens the folder, checks the editor folder and binds 127.0.0.1:`port`.
    pub async fn bind(options: ServeOptions) -> Result<Server, ServeError> {
        let workspace = Workspace::open(&options.dir)?;
        if let Some(ui) = &options.ui_dir
            && !ui.join("index.html").is_file()
        {
            return Err(ServeError::UiMissing(ui.clone()));
        }
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, options.port));
        let listener = TcpListener::bind(addr).await.map_err(|cause| ServeError::Bind { addr, cause })?;
        let addr = listener.local_addr().map_err(|cause| ServeError::Bind { addr, cause })?;
        let state = Arc::new(AppState { workspace: RwLock::new(workspace), allow_open_folder: options.allow_open_folder });
        Ok(Server { listener, router: router(state, options.ui_dir.as_deref()), addr })
    }

    /// The address actually bound (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:N`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), ServeError> {
        axum::serve(self.listener, self.router).with_graceful_shutdown(shutdown).await.map_err(ServeError::Serve)
    }
}

/// Binds, prints `listening on http://127.0.0.1:N` (flushed) and serves until Ctrl-C / SIGTERM.
pub async fn serve(options: ServeOptions) -> Result<(), ServeError> {
    let server = Server::bind(options).await?;
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "listening on {}", server.url());
    let _ = stdout.flush();
    server.run_until(shutdown_signal()).await
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

/// The routes: `POST /api/{command}`, and the editor's files at `/` when `ui_dir` is given.
fn router(state: Arc<AppState>, ui_dir: Option<&Path>) -> Router {
    let api = Router::new().route("/api/{command}", post(api)).with_state(state);
    let app = match ui_dir {
        Some(dir) => api.fallback_service(ServeDir::new(dir)),
        None => api.fallback(|| async {
            (StatusCode::NOT_FOUND, "this server answers POST /api/<command> only; start it with --ui to serve the editor\n")
        }),
    };
    app.layer(DefaultBodyLimit::max(BODY_LIMIT)).layer(middleware::from_fn(loopback_only))
}

/// Refuses requests whose `Host` or `Origin` is not a loopback name.
async fn loopback_only(request: Request, next: Next) -> Response {
    let headers: &HeaderMap = request.headers();
    let host_ok = headers.get(header::HOST).and_then(|h| h.to_str().ok()).is_none_or(is_loopback_authority);
    let origin_ok = headers
        .get(header::ORIGIN)
        .and_then(|h| h.to_str().ok())
        .is_none_or(|origin| origin == "null" || origin.split_once("://").is_some_and(|(_, authority)| is_loopback_authority(authority)));
    if host_ok && origin_ok {
        next.run(request).await
    } else {
        let body = json!({"error": "this server only answers pages served from 127.0.0.1 or localhost"});
        (StatusCode::FORBIDDEN, axum::Json(body)).into_response()
    }
}

/// `127.0.0.1:8080`, `localhost`, `[::1]:80`…
fn is_loopback_authority(authority: &str) -> bool {
    let host = if let Some(rest) = authority.strip_prefix('[') {
        rest.split_once(']').map_or(rest, |(h, _)| h)
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    matches!(host, "127.0.0.1" | "localhost" | "::1")
}

/// `POST /api/{command}`: the body is the argument object (an empty body is `{}`).
async fn api(State(state): State<Arc<AppState>>, UrlPath(command): UrlPath<String>, body: Bytes) -> Response {
    let args: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(args) => args,
            Err(e) => return error_response(&Error::BadInput(format!("{command}: the request body is not JSON: {e}"))),
        }
    };
    let outcome = tokio::task::spawn_blocking(move || dispatch(&state, &command, args)).await;
    match outcome {
        Ok(Ok(value)) => (StatusCode::OK, axum::Json(value)).into_response(),
        Ok(Err(error)) => error_response(&error),
        Err(join) => error_response(&Error::Internal(format!("the command failed: {join}"))),
    }
}

fn error_response(error: &Error) -> Response {
    let status = match error.kind() {
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::BadInput => StatusCode::BAD_REQUEST,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, axum::Json(error)).into_response()
}

/// Runs one command of the contract with its JSON arguments (blocking).
fn dispatch(state: &AppState, command: &str, args: Value) -> Result<Value, Error> {
    let workspace = || state.workspace.read().map(|w| w.clone()).map_err(|_| Error::Internal("workspace lock poisoned".into()));
    match command {
        "workspace_info" => answer(workspace()?.info(false)),
        "open_folder" => {
            let args::OpenFolder { dir } = parse(command, args)?;
            if !state.allow_open_folder {
                return Err(Error::NotAllowed(
                    "this server works on the folder it was started with (--dir); restart it to use another".into(),
                ));
            }
            let opened = Workspace::open(&dir)?;
            let info = opened.info(false);
            *state.workspace.write().map_err(|_| Error::Internal("workspace lock poisoned".into()))? = opened;
            answer(info)
        }
        "list_journeys" => answer(workspace()?.list_journeys()?),
        "list_templates" => answer(itinera_service::list_templates()?),
        "read_journey" => {
            let args::File { file } = parse(command, args)?;
            answer(workspace()?.read_journey(&file)?)
        }
        "save_journey" => {
            let args::SaveJourney { file, journey } = parse(command, args)?;
            answer(workspace()?.save_journey(&file, &journey)?)
        }
        "validate_journey" => {
            let args::ValidateJourney { journey } = parse(command, args)?;
            answer(itinera_service::validate_journey(&journey))
        }
        "simulate_journey" => {
            let args::SimulateJourney { journey, scenario, contacts } = parse(command, args)?;
            itinera_service::simulate_journey(&journey, &scenario, contacts.as_ref())
        }
        "list_scenarios" => answer(workspace()?.list_scenarios()?),
        "read_scenario" => {
            let args::File { file } = parse(command, args)?;
            answer(workspace()?.read_scenario(&file)?)
        }
        "save_scenario" => {
            let args::SaveScenario { file, scenario } = parse(command, args)?;
            answer(workspace()?.save_scenario(&file, &scenario)?)
        }
        "preview_template" => {
            let args::PreviewTemplate { template, contact, event } = parse(command, args)?;
            answer(itinera_service::preview_template(&template, &contact, &event)?)
        }
        other => Err(Error::NotFound(format!("unknown command `{other}`"))),
    }
}

fn parse<T: DeserializeOwned>(command: &str, args: Value) -> Result<T, Error> {
    serde_json::from_value(args).map_err(|e| Error::BadInput(format!("{command}: {e}")))
}

fn answer(value: impl serde::Serialize) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::Internal(format!("cannot encode the answer: {e}")))
}
