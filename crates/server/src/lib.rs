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
//!   simulations are CPU-bound; the async runtime only moves bytes. A command's work is
//!   cancelled when its client goes away (the request future is dropped), when the request
//!   takes longer than [`Limits::request_timeout`], and when the server shuts down (SIGTERM
//!   cancels everything in progress, then the process exits within about a second).
//! * **One folder per server.** `--dir` fixes it; `open_folder` answers 400 unless the server
//!   was started with [`ServeOptions::allow_open_folder`].
//! * **The bundled engine with `--db`.** [`ServeOptions::db`] opens the engine's database and
//!   runs the durable engine in this process (messages recorded to `DB.records.jsonl`, webhooks
//!   called), so that the editor can publish and watch journeys live (`publish_journey`,
//!   `live_status`, ...: [`itinera_service::LiveEngine`]); graceful shutdown stops it. Without
//!   it those commands answer 400 with [`itinera_service::NO_ENGINE`].
//! * **The server API `/v1`** ([`v1`]): with `--db`, bearer-token routes to publish journeys,
//!   push contacts and events and read stats and timelines (`itinera_service::Api`).
//!   [`ServeOptions::bind`] (`--bind ADDR`) lets `/v1` (and the routes a deployment adds with
//!   [`ServeOptions::extra_routes`]: webhooks, unsubscribe) be reached from other machines.
//! * **The editor stays local, and only for its own page.** The server binds 127.0.0.1 by
//!   default; however it is bound, `/api/*` and the editor's page answer only requests whose
//!   `Host` is a loopback name (DNS rebinding) from a loopback peer address. `/api/*` further needs the
//!   per-process secret in `X-Itinera-Token` — the page the server serves carries it in a
//!   `<meta name="itinera-api-token">` tag — and, when the browser sends an `Origin`, exactly
//!   the server's own origin (`http://127.0.0.1:PORT`; `Origin: null` and other local ports are
//!   refused). So no other page, local or sandboxed, can call the API (docs/security.md).
//! * **Bounded.** Request bodies, header read time, request time and the number of open
//!   connections are limited ([`Limits`]); a simulation larger than
//!   [`Limits::max_sim_contacts`] is refused with 413.
//! * The built editor (ui/dist) is served at `/` by tower-http's `ServeDir` when asked for;
//!   routing inside the editor is by URL hash, so the server only needs `index.html` at `/`.
//! * [`Server::bind`] and [`Server::run_until`] are separate so that tests (and the CLI) learn
//!   the real port before serving; [`serve`] prints `listening on http://127.0.0.1:N` once the
//!   socket is bound.

use std::future::Future;
use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

pub mod webhooks;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path as UrlPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use itinera_service::{
    Api, Cancel, EngineInfo, Error, ErrorKind, LiveEngine, NO_ENGINE, ProgressSink, SimProgress, SimulateOptions, Workspace, args,
};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tower::ServiceExt as _;
use tower_http::services::ServeDir;

pub mod v1;

/// The header that carries the per-process secret on every `/api/*` call.
pub const TOKEN_HEADER: &str = "x-itinera-token";

/// What one request, and the server as a whole, may use.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body accepted (413 above; a 10,000-node journey is a few MB).
    pub body_bytes: usize,
    /// A client that has not sent a request's headers within this time is disconnected (also
    /// closes idle keep-alive connections).
    pub header_read_timeout: Duration,
    /// A request that takes longer is answered 408 and its work cancelled.
    pub request_timeout: Duration,
    /// Connections open at once; further clients wait to be accepted.
    pub max_connections: usize,
    /// Contacts one `simulate_journey` may run (hand-written plus generated).
    pub max_sim_contacts: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 64 * 1024 * 1024,
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_mins(2),
            max_connections: 1024,
            max_sim_contacts: 1_000_000,
        }
    }
}

/// What to serve, and where.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The folder of journeys (must exist); `None` (only with [`ServeOptions::db`]) turns the
    /// editor's file commands off.
    pub dir: Option<PathBuf>,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// The address to listen on (default 127.0.0.1). Whatever it is, the editor's routes answer
    /// loopback clients only.
    pub bind: IpAddr,
    /// `--config itinera.toml`, passed through for the providers and webhooks (read elsewhere).
    pub config: Option<PathBuf>,
    /// More routes served next to `/v1`, reachable like it from wherever the server is bound
    /// (the webhooks, `/unsubscribe`); they must not overlap the server's own paths.
    pub extra_routes: Option<Router>,
    /// Like [`ServeOptions::extra_routes`], for routes that need the engine (the inbound
    /// webhooks): called once the engine and its [`Api`] have started (only with `db`).
    pub engine_routes: Option<EngineRoutes>,
    /// The built editor (a folder with index.html), served at `/`; `None` serves the API only.
    pub ui_dir: Option<PathBuf>,
    /// Whether `open_folder` may switch the folder (off by default: a browser page should not
    /// be able to point the server at another part of the disk).
    pub allow_open_folder: bool,
    /// The secret `/api/*` calls must carry; `None` draws a random one (the usual case; tests
    /// and the editor's dev server set it).
    pub api_token: Option<String>,
    /// Resource limits.
    pub limits: Limits,
    /// The bundled engine's database (created when missing): the server runs the durable
    /// engine on it and offers the Live view's commands. `None`: those commands are refused.
    pub db: Option<PathBuf>,
}

impl ServeOptions {
    /// Options for `dir` with every other setting at its default.
    pub fn new(dir: impl Into<PathBuf>) -> ServeOptions {
        ServeOptions {
            dir: Some(dir.into()),
            port: 0,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            config: None,
            extra_routes: None,
            engine_routes: None,
            ui_dir: None,
            allow_open_folder: false,
            api_token: None,
            limits: Limits::default(),
            db: None,
        }
    }

    /// Options for an engine database without a folder of journeys (`itinera serve --db DB`).
    pub fn engine(db: impl Into<PathBuf>) -> ServeOptions {
        ServeOptions { dir: None, db: Some(db.into()), ..ServeOptions::new("") }
    }
}

/// A function making routes over the running engine's [`Api`].
pub type EngineRoutesFn = dyn Fn(&Arc<Api>) -> Router + Send + Sync;

/// Builds routes over the running engine's [`Api`] (see [`ServeOptions::engine_routes`]).
#[derive(Clone)]
pub struct EngineRoutes(pub Arc<EngineRoutesFn>);

impl std::fmt::Debug for EngineRoutes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EngineRoutes(..)")
    }
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
    /// The engine's database cannot be used.
    #[error("--db: {0}")]
    Engine(Error),
    /// No secret could be drawn from the operating system.
    #[error("cannot draw a random API token: {0}")]
    Token(String),
    /// `--config` cannot be used (names the file, line and field).
    #[error("--config {0}")]
    Config(String),
    /// Neither a folder nor an engine database was given.
    #[error("nothing to serve: give --dir FOLDER (the editor's files), --db DB (the engine and /v1), or both")]
    Nothing,
    /// Serving failed.
    #[error("serving: {0}")]
    Serve(std::io::Error),
}

/// What every request handler shares.
struct AppState {
    workspace: RwLock<Option<Workspace>>,
    allow_open_folder: bool,
    token: String,
    port: u16,
    limits: Limits,
    ui_dir: Option<PathBuf>,
    work: Work,
    live: Option<Arc<LiveEngine>>,
    api: Option<Arc<Api>>,
}

/// The cancel flags of the commands running now, so that shutdown can stop them all.
#[derive(Default)]
struct Work {
    next: AtomicU64,
    running: Mutex<Vec<(u64, Cancel)>>,
    stopping: Cancel,
}

impl Work {
    /// A flag for one command; cancelled at once when the server is already stopping.
    fn start(&self) -> (u64, Cancel) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let cancel = Cancel::new();
        if self.stopping.is_cancelled() {
            cancel.cancel();
        }
        self.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((id, cancel.clone()));
        (id, cancel)
    }

    fn finish(&self, id: u64) {
        self.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner).retain(|(i, _)| *i != id);
    }

    fn cancel_all(&self) {
        self.stopping.cancel();
        for (_, cancel) in self.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter() {
            cancel.cancel();
        }
    }
}

/// Cancels a command's work when the request future is dropped (client gone, timeout) or ends.
struct CancelOnDrop<'a> {
    work: &'a Work,
    id: u64,
    cancel: Cancel,
}

impl Drop for CancelOnDrop<'_> {
    fn drop(&mut self) {
        self.cancel.cancel();
        self.work.finish(self.id);
    }
}

/// A bound, not yet serving, server.
pub struct Server {
    listener: TcpListener,
    router: Router,
    addr: SocketAddr,
    state: Arc<AppState>,
    engine_note: Option<String>,
}

impl Server {
    /// Opens the folder, checks the editor folder, binds 127.0.0.1:`port` and, with
    /// [`ServeOptions::db`], starts the engine (on the current tokio runtime).
    pub async fn bind(options: ServeOptions) -> Result<Server, ServeError> {
        let workspace = match &options.dir {
            Some(dir) => Some(Workspace::open(dir)?),
            None if options.db.is_some() => None,
            None => return Err(ServeError::Nothing),
        };
        if let Some(ui) = &options.ui_dir
            && !ui.join("index.html").is_file()
        {
            return Err(ServeError::UiMissing(ui.clone()));
        }
        let token = match options.api_token {
            Some(token) => token,
            None => random_token()?,
        };
        let addr = SocketAddr::from((options.bind, options.port));
        let listener = TcpListener::bind(addr).await.map_err(|cause| ServeError::Bind { addr, cause })?;
        let addr = listener.local_addr().map_err(|cause| ServeError::Bind { addr, cause })?;
        // Providers, webhooks and event sources: checked (secrets resolved) before anything runs.
        #[cfg(feature = "http")]
        let config = match &options.config {
            Some(path) if options.db.is_none() => {
                return Err(ServeError::Config(format!("{}: a config needs an engine: give --db DB as well", path.display())));
            }
            Some(path) => Some(itinera_providers::config::Config::load(path).map_err(|e| ServeError::Config(e.to_string()))?),
            None => None,
        };
        #[cfg(not(feature = "http"))]
        if let Some(path) = &options.config {
            return Err(ServeError::Config(format!("{}: this build has no message providers (the `http` feature)", path.display())));
        }
        let (live, api, engine_note) = match &options.db {
            Some(db) => {
                #[cfg(feature = "http")]
                let started = match &config {
                    Some(config) => {
                        let (sinks, note) = itinera_providers::sinks(config, db).map_err(|e| ServeError::Config(e.to_string()))?;
                        LiveEngine::start_with(db, sinks, note)
                    }
                    None => LiveEngine::start(db),
                };
                #[cfg(not(feature = "http"))]
                let started = LiveEngine::start(db);
                let (engine, note) = started.map_err(ServeError::Engine)?;
                let note = format!("engine database {}; {note}", engine.db().display());
                let engine = Arc::new(engine);
                let api = Api::new(engine.clone()).map_err(ServeError::Engine)?;
                (Some(engine), Some(Arc::new(api)), Some(note))
            }
            None => (None, None, None),
        };
        let state = Arc::new(AppState {
            workspace: RwLock::new(workspace),
            allow_open_folder: options.allow_open_folder,
            token,
            port: addr.port(),
            limits: options.limits,
            ui_dir: options.ui_dir,
            work: Work::default(),
            live,
            api,
        });
        let mut extra = options.extra_routes;
        // The inbound webhooks (404 "not configured" for what the config does not set up).
        if let Some(live) = &state.live {
            #[cfg(feature = "http")]
            let hooks = match &config {
                Some(config) => webhooks::from_config(config),
                None => webhooks::Webhooks::none(),
            };
            #[cfg(not(feature = "http"))]
            let hooks = webhooks::Webhooks::none();
            let routes = webhooks::routes(live.clone(), hooks);
            extra = Some(match extra {
                Some(given) => given.merge(routes),
                None => routes,
            });
        }
        if let (Some(build), Some(api)) = (&options.engine_routes, &state.api) {
            let routes = (build.0)(api);
            extra = Some(match extra {
                Some(given) => given.merge(routes),
                None => routes,
            });
        }
        Ok(Server { listener, router: router(state.clone(), extra), addr, state, engine_note })
    }

    /// The address actually bound (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR:N` (`http://127.0.0.1:N` by default).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The secret `/api/*` calls must send in [`TOKEN_HEADER`].
    pub fn token(&self) -> &str {
        &self.state.token
    }

    /// With an engine: the sentence saying where its database is and where messages go.
    pub fn engine_note(&self) -> Option<&str> {
        self.engine_note.as_deref()
    }

    /// Serves until `shutdown` completes; then cancels the commands in progress, gives open
    /// connections one second to finish and stops the engine (waiting for its current turn, at
    /// most two seconds).
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), ServeError> {
        let Server { listener, router, state, .. } = self;
        let limits = state.limits.clone();
        let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let mut shutdown = pin!(shutdown);
        loop {
            let slot = tokio::select! {
                slot = slots.clone().acquire_owned() => match slot { Ok(slot) => slot, Err(_) => break },
                () = &mut shutdown => break,
            };
            let stream = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    // Out of file descriptors and the like: wait a little rather than spin.
                    Err(_) => { tokio::time::sleep(Duration::from_millis(50)).await; continue; }
                },
                () = &mut shutdown => break,
            };
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).max_buf_size(64 * 1024);
            let (stream, peer) = stream;
            // The peer address travels with each request (the editor's routes check it).
            let service = router.clone().map_request(move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            });
            let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                let _ = connection.await;
                drop(slot);
            });
        }
        state.work.cancel_all();
        tokio::select! {
            () = graceful.shutdown() => {},
            () = tokio::time::sleep(Duration::from_secs(1)) => {},
        }
        if let Some(live) = &state.live {
            let _ = tokio::time::timeout(Duration::from_secs(2), live.stop()).await;
        }
        Ok(())
    }
}

/// 32 random bytes from the operating system, in hex.
fn random_token() -> Result<String, ServeError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ServeError::Token(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Binds, prints `listening on http://ADDR:N` (flushed) and serves until Ctrl-C / SIGTERM.
pub async fn serve(options: ServeOptions) -> Result<(), ServeError> {
    let server = Server::bind(options).await?;
    let mut stdout = std::io::stdout();
    if let Some(note) = server.engine_note() {
        eprintln!("itinera: {note}");
    }
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

/// The routes: the editor's (`POST /api/{command}`, and its files at `/` when a UI folder is
/// given: its index.html with the API token in it), loopback only; `GET /health`; `/v1` with an
/// engine; and `extra` (webhooks...) as given.
fn router(state: Arc<AppState>, extra: Option<Router>) -> Router {
    let limits = state.limits.clone();
    let editor = Router::new().route("/api/{command}", post(api)).route_layer(middleware::from_fn_with_state(state.clone(), own_page_only));
    let editor = match &state.ui_dir {
        Some(dir) => editor.route("/", get(index)).route("/index.html", get(index)).fallback_service(ServeDir::new(dir)),
        None => editor.fallback(|| async {
            (StatusCode::NOT_FOUND, "this server answers POST /api/<command> only; start it with --ui to serve the editor\n")
        }),
    };
    let editor = editor.with_state(state.clone()).layer(DefaultBodyLimit::max(limits.body_bytes)).layer(middleware::from_fn(loopback_only));
    let mut public = Router::new().route("/health", get(|| async { axum::Json(json!({"ok": true})) }));
    if let Some(api) = &state.api {
        public = public.merge(v1::router(api.clone()))
    } else {
        let no_engine = || async {
            v1::V1Error::new(StatusCode::SERVICE_UNAVAILABLE, "no_engine", "the /v1 API needs an engine: start itinera serve with --db DB")
        };
        public = public.route("/v1", axum::routing::any(no_engine)).route("/v1/{*rest}", axum::routing::any(no_engine));
    }
    if let Some(extra) = extra {
        public = public.merge(extra);
    }
    public
        .fallback_service(editor)
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.request_timeout))
}

/// The editor's index.html with the API token in a meta tag, never cached.
async fn index(State(state): State<Arc<AppState>>) -> Response {
    let Some(dir) = &state.ui_dir else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let path = dir.join("index.html");
    let html = match tokio::fs::read_to_string(&path).await {
        Ok(html) => html,
        Err(_) => {
            return (StatusCode::NOT_FOUND, "the editor's index.html is missing\n").into_response();
        }
    };
    let meta = format!("<meta name=\"itinera-api-token\" content=\"{}\">", state.token);
    let html = match html.find("</head>") {
        Some(at) => format!("{}{meta}{}", &html[..at], &html[at..]),
        None => format!("{meta}{html}"),
    };
    let mut response = Response::new(Body::from(html));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Refuses requests whose `Host` is not a loopback name (DNS rebinding) or that come from
/// another machine (when the server is bound to a public address).
async fn loopback_only(request: Request, next: Next) -> Response {
    let host_ok = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).is_none_or(is_loopback_authority);
    let peer_ok = request.extensions().get::<ConnectInfo<SocketAddr>>().is_none_or(|ConnectInfo(peer)| peer.ip().is_loopback());
    if host_ok && peer_ok {
        next.run(request).await
    } else {
        forbidden("the editor's routes only answer requests for 127.0.0.1 or localhost")
    }
}

/// `/api/*` only for the page this server served: the right token, and no foreign `Origin`.
async fn own_page_only(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let headers: &HeaderMap = request.headers();
    if let Some(origin) = headers.get(header::ORIGIN) {
        let port = state.port;
        let own = [format!("http://127.0.0.1:{port}"), format!("http://localhost:{port}"), format!("http://[::1]:{port}")];
        if !origin.to_str().is_ok_and(|origin| own.iter().any(|o| o == origin)) {
            return forbidden("this API only answers the editor page served by this server");
        }
    }
    let token_ok = headers.get(TOKEN_HEADER).is_some_and(|sent| constant_time_eq(sent.as_bytes(), state.token.as_bytes()));
    if !token_ok {
        return forbidden("missing or wrong X-Itinera-Token: this API only answers the editor page served by this server");
    }
    next.run(request).await
}

fn forbidden(message: &str) -> Response {
    (StatusCode::FORBIDDEN, axum::Json(json!({"error": message}))).into_response()
}

/// Equality that takes the same time wherever the first difference is.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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
    if command == SIMULATE_STREAM {
        return simulate_stream(state, body).await;
    }
    let (id, cancel) = state.work.start();
    let guard = CancelOnDrop { work: &state.work, id, cancel: cancel.clone() };
    let shared = state.clone();
    let outcome = tokio::task::spawn_blocking(move || run_command(&shared, &command, &body, &cancel, None)).await;
    drop(guard);
    match outcome {
        Ok(Ok(json)) => {
            let mut response = Response::new(Body::from(json));
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Ok(Err(error)) => error_response(&error),
        Err(join) => {
            let why = if join.is_panic() { "the command failed unexpectedly" } else { "the command was stopped" };
            error_response(&Error::Internal(why.into()))
        }
    }
}

/// `simulate_journey` with its progress: the command that answers a stream of lines.
const SIMULATE_STREAM: &str = "simulate_journey_stream";

/// What the simulating thread tells the streaming response.
enum StreamLine {
    Progress(SimProgress),
    Done(Result<Vec<u8>, Error>),
}

/// Owns a streaming command's cancel flag: cancels the run when the response body is dropped
/// (the client went away, or the stream ended), and stops its timeout.
struct StreamGuard {
    state: Arc<AppState>,
    id: u64,
    cancel: Cancel,
    timeout: tokio::task::JoinHandle<()>,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.cancel.cancel();
        self.timeout.abort();
        self.state.work.finish(self.id);
    }
}

/// The lines of `simulate_journey_stream`'s body, as they come from the simulating thread.
struct NdjsonStream {
    first: Option<Bytes>,
    lines: tokio::sync::mpsc::UnboundedReceiver<StreamLine>,
    done: bool,
    _guard: StreamGuard,
}

impl futures_core::Stream for NdjsonStream {
    type Item = Result<Bytes, std::convert::Infallible>;

    fn poll_next(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(Ok(first)));
        }
        if self.done {
            return Poll::Ready(None);
        }
        match self.lines.poll_recv(cx) {
            Poll::Ready(Some(line)) => {
                if matches!(line, StreamLine::Done(_)) {
                    self.done = true;
                }
                Poll::Ready(Some(Ok(encode_line(line))))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// One NDJSON line: `{"progress": {...}}`, `{"report": ...}` or `{"error": {...}, "status": N}`.
fn encode_line(line: StreamLine) -> Bytes {
    let mut out = match line {
        StreamLine::Progress(progress) => serde_json::to_vec(&json!({ "progress": progress })).unwrap_or_default(),
        StreamLine::Done(Ok(report)) => {
            let mut out = Vec::with_capacity(report.len() + 12);
            out.extend_from_slice(b"{\"report\":");
            out.extend_from_slice(&report);
            out.push(b'}');
            out
        }
        StreamLine::Done(Err(error)) => {
            serde_json::to_vec(&json!({ "error": error, "status": status_of(&error).as_u16() })).unwrap_or_default()
        }
    };
    out.push(b'\n');
    Bytes::from(out)
}

/// `POST /api/simulate_journey_stream`: `simulate_journey` answering NDJSON, progress lines then
/// the report (docs/backend-api.md). A run that cannot start (bad input, an invalid journey, too
/// many contacts) is answered with its status as `simulate_journey` would be; once lines flow
/// the status is 200 and an error is the last line. The run is cancelled when the client goes
/// away (the body is dropped), after the request timeout, or when the server stops.
async fn simulate_stream(state: Arc<AppState>, body: Bytes) -> Response {
    let (id, cancel) = state.work.start();
    let timeout = {
        let (cancel, after) = (cancel.clone(), state.limits.request_timeout);
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            cancel.cancel();
        })
    };
    let guard = StreamGuard { state: state.clone(), id, cancel: cancel.clone(), timeout };
    let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
    let shared = state.clone();
    let worker = tokio::task::spawn_blocking(move || {
        let progress_tx = tx.clone();
        let sink = ProgressSink::new(move |p| {
            let _ = progress_tx.send(StreamLine::Progress(p));
        });
        let result = run_command(&shared, "simulate_journey", &body, &cancel, Some(sink));
        let _ = tx.send(StreamLine::Done(result));
    });
    drop(worker);
    let first = match lines.recv().await {
        None => return error_response(&Error::Internal("the command failed unexpectedly".into())),
        Some(StreamLine::Done(Err(error))) => return error_response(&error),
        Some(line) => line,
    };
    let done = matches!(first, StreamLine::Done(_));
    let stream = NdjsonStream { first: Some(encode_line(first)), lines, done, _guard: guard };
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn status_of(error: &Error) -> StatusCode {
    match error.kind() {
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::BadInput => StatusCode::BAD_REQUEST,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::Cancelled => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn error_response(error: &Error) -> Response {
    (status_of(error), axum::Json(error)).into_response()
}

/// Runs one command of the contract from its request body (blocking); answers JSON bytes.
/// Public for the fuzz target and the benchmarks: this is exactly what `POST /api/<command>` does
/// once the request passed the origin and token checks.
pub fn run_api_command(workspace: &Workspace, command: &str, body: &[u8], limits: &Limits) -> Result<Vec<u8>, Error> {
    let state = AppState {
        workspace: RwLock::new(Some(workspace.clone())),
        allow_open_folder: false,
        token: String::new(),
        port: 0,
        limits: limits.clone(),
        ui_dir: None,
        work: Work::default(),
        live: None,
        api: None,
    };
    run_command(&state, command, body, &Cancel::new(), None)
}

fn run_command(state: &AppState, command: &str, body: &[u8], cancel: &Cancel, progress: Option<ProgressSink>) -> Result<Vec<u8>, Error> {
    let text = std::str::from_utf8(body).map_err(|_| Error::BadInput(format!("{command}: the request body is not UTF-8")))?;
    let text = if text.trim().is_empty() { "{}" } else { text };
    // One reading path for every body (duplicate keys refused, as `itinera validate` does).
    let args =
        itinera_model::json::parse_value(text).map_err(|e| Error::BadInput(format!("{command}: the request body is not JSON: {e}")))?;
    if !args.is_object() {
        return Err(Error::BadInput(format!("{command}: the request body must be a JSON object")));
    }
    let workspace = || {
        state
            .workspace
            .read()
            .map_err(|_| Error::Internal("workspace lock poisoned".into()))?
            .clone()
            .ok_or_else(|| Error::NotAllowed("no folder of journeys: start itinera serve with --dir FOLDER to edit files".into()))
    };
    let live = || state.live.as_deref().ok_or_else(|| Error::NotAllowed(NO_ENGINE.into()));
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
            *state.workspace.write().map_err(|_| Error::Internal("workspace lock poisoned".into()))? = Some(opened);
            answer(info)
        }
        "list_journeys" => answer(workspace()?.list_journeys()?),
        "list_templates" => answer(itinera_service::list_templates()?),
        "read_journey" => {
            let args::File { file } = parse(command, args)?;
            answer(workspace()?.read_journey(&file)?)
        }
        "save_journey" => {
            // The journey's own text, so that its numbers are saved exactly as sent.
            let args::SaveJourney { file, journey, expected } = parse_text::<args::SaveJourney<Box<RawValue>>>(command, text)?;
            answer(workspace()?.save_journey_text(&file, journey.get(), expected.as_deref())?)
        }
        "validate_journey" => {
            let args::ValidateJourney { journey, scenario } = parse(command, args)?;
            answer(itinera_service::validate_journey_with(&journey, scenario.as_ref()))
        }
        "simulate_journey" => {
            let args::SimulateJourney { journey, scenario, contacts } = parse(command, args)?;
            let options = SimulateOptions { max_contacts: Some(state.limits.max_sim_contacts), cancel: Some(cancel.clone()), progress };
            itinera_service::simulate_journey_json(&journey, &scenario, contacts.as_ref(), &options)
        }
        "list_scenarios" => answer(workspace()?.list_scenarios()?),
        "read_scenario" => {
            let args::File { file } = parse(command, args)?;
            answer(workspace()?.read_scenario(&file)?)
        }
        "save_scenario" => {
            let args::SaveScenario { file, scenario, expected } = parse_text::<args::SaveScenario<Box<RawValue>>>(command, text)?;
            answer(workspace()?.save_scenario_text(&file, scenario.get(), expected.as_deref())?)
        }
        "preview_template" => {
            let args::PreviewTemplate { template, contact, event, default_timezone, start, event_at } = parse(command, args)?;
            let event_time = start.as_deref().zip(event_at.as_deref()).map(|(start, at)| itinera_service::EventTime { start, at });
            answer(itinera_service::preview_template_for(&template, &contact, &event, default_timezone.as_deref(), event_time)?)
        }
        "resolve_local_times" => {
            let args::ResolveLocalTimes { start, at, data, timezone, default_timezone } = parse(command, args)?;
            answer(itinera_service::resolve_local_times(&start, &at, &data, timezone.as_deref(), default_timezone.as_deref())?)
        }
        "engine_info" => answer(state.live.as_deref().map_or_else(EngineInfo::none, LiveEngine::info)),
        "publish_journey" => {
            // The journey's own text, so that the published version is exactly what was sent.
            let args::PublishJourney { journey, file, dry_run, migrate } =
                parse_text::<args::PublishJourney<Box<RawValue>>>(command, text)?;
            answer(live()?.publish(&workspace()?, file.as_deref(), journey.as_deref().map(RawValue::get), dry_run, migrate)?)
        }
        "live_status" => {
            let args::Journey { journey } = parse(command, args)?;
            answer(live()?.live_status(&journey)?)
        }
        "live_counts" => {
            let args::LiveCounts { journey, version } = parse(command, args)?;
            answer(live()?.live_counts(&journey, version)?)
        }
        "set_version_status" => {
            let args::SetVersionStatus { journey, version, status } = parse(command, args)?;
            answer(live()?.set_version_status(&journey, version, &status)?)
        }
        "list_enrollments" => {
            let args::ListEnrollments { journey, search, limit, offset } = parse(command, args)?;
            answer(live()?.list_enrollments(&journey, &search, limit, offset)?)
        }
        "contact_timeline" => {
            let args::ContactTimeline { journey, contact } = parse(command, args)?;
            answer(live()?.contact_timeline(&journey, &contact)?)
        }
        "send_test_event" => {
            let args::SendTestEvent { journey, contact, data } = parse(command, args)?;
            answer(live()?.send_test_event(&journey, &contact, &data)?)
        }
        "list_outbox" => {
            let args::ListOutbox { journey, limit } = parse(command, args)?;
            answer(live()?.list_outbox(&journey, limit)?)
        }
        // A server's /v1 API, for "Publish to server…" and its stats: the browser editor keeps no
        // tokens here (the page sends one with each call).
        #[cfg(feature = "http")]
        "server_tokens" => {
            let args::ServerTokensArgs { url } = parse(command, args)?;
            answer(itinera_service::server_tokens(&itinera_service::NoTokens, &url))
        }
        #[cfg(feature = "http")]
        "server_publish" => {
            let args::ServerPublish { server, journey, dry_run, migrate } = parse(command, args)?;
            answer(itinera_service::server_publish(&itinera_service::NoTokens, &server, &journey, dry_run, migrate)?)
        }
        #[cfg(feature = "http")]
        "server_stats" => {
            let args::ServerStats { server, journey } = parse(command, args)?;
            answer(itinera_service::server_stats(&itinera_service::NoTokens, &server, &journey)?)
        }
        #[cfg(feature = "http")]
        "server_timeline" => {
            let args::ServerTimeline { server, contact } = parse(command, args)?;
            answer(itinera_service::server_timeline(&itinera_service::NoTokens, &server, &contact)?)
        }
        other => Err(Error::NotFound(format!("unknown command `{}`", other.chars().take(64).collect::<String>()))),
    }
}

fn parse<T: DeserializeOwned>(command: &str, args: Value) -> Result<T, Error> {
    serde_json::from_value(args).map_err(|e| Error::BadInput(format!("{command}: {e}")))
}

fn parse_text<T: DeserializeOwned>(command: &str, text: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error::BadInput(format!("{command}: {e}")))
}

fn answer(value: impl serde::Serialize) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(&value).map_err(|e| Error::Internal(format!("cannot encode the answer: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_authorities() {
        for ok in ["127.0.0.1", "127.0.0.1:7370", "localhost:1", "[::1]:80", "[::1]"] {
            assert!(is_loopback_authority(ok), "{ok}");
        }
        for bad in ["evil.example", "127.0.0.1.evil.example:80", "localhost.evil:1", "[::2]:80", ""] {
            assert!(!is_loopback_authority(bad), "{bad}");
        }
    }

    /// A streamed simulation whose client goes away is cancelled and forgotten at once (a
    /// million contacts would otherwise run for tens of seconds).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_client_that_goes_away_cancels_its_streamed_simulation() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let dir = tempfile::tempdir().expect("temp dir");
        let options = ServeOptions { api_token: Some("t".into()), ..ServeOptions::new(dir.path().to_path_buf()) };
        let server = Server::bind(options).await.expect("binds");
        let (port, state) = (server.local_addr().port(), server.state.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(server.run_until(async { drop(stopped.await) }));
        let running = || state.work.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();

        let journey: Value =
            serde_json::from_str(include_str!("../../../assets/journeys/appointment-reminder.journey.json")).expect("journey");
        let scenario = json!({"format": "itinera/scenario@1", "start": "2026-03-01T09:00:00Z", "run_for": "7d",
            "population": {"count": 1_000_000, "attributes": {}}});
        let body = json!({"journey": journey, "scenario": scenario}).to_string();
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connects");
        let head = format!(
            "POST /api/simulate_journey_stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Itinera-Token: t\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.expect("sends");
        stream.write_all(body.as_bytes()).await.expect("sends");
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&seen).contains("\"done\":") {
            let n = stream.read(&mut buf).await.expect("reads");
            assert_ne!(n, 0, "the stream ended early: {}", String::from_utf8_lossy(&seen));
            seen.extend_from_slice(&buf[..n]);
        }
        assert!(String::from_utf8_lossy(&seen).starts_with("HTTP/1.1 200"));
        let now = running();
        assert_eq!(now.len(), 1, "one command running");
        let cancel = now[0].1.clone();
        assert!(!cancel.is_cancelled());
        drop(stream);
        let started = std::time::Instant::now();
        while !running().is_empty() && started.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(running().is_empty(), "the run is forgotten once its client went away");
        assert!(cancel.is_cancelled(), "and its work cancelled");
        assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
        let _ = stop.send(());
        serving.await.expect("no panic").expect("serves");
    }

    #[test]
    fn token_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
