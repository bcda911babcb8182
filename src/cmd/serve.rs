//! `feedsmith serve`: watch mode plus an HTTP server for the output folder
//! (I/O edge), for feed readers that poll, browsers and reverse proxies.
//!
//! The files are served from memory ([`files`]): a conditional GET is
//! answered without touching the disk, and each file's gzip and brotli
//! versions are made once per version; a large file's body is sent with
//! `sendfile` from the open file it was read from ([`sendfile`]). Files
//! are replaced by rename, so a client polling during a rebuild gets the
//! old feed or the new one, never a mix, and the strong `ETag` of each
//! representation changes exactly when its bytes do.
//!
//! Facing the internet, slow clients must not hold the server: a client
//! that has not sent a whole request head within `--idle-timeout` seconds
//! of connecting or of its last response is disconnected (one timer is
//! both the header-read and the idle keep-alive timeout), and connections
//! beyond a cap are closed at once. The limit on open files is raised to
//! its hard maximum at start, as nginx's `worker_rlimit_nofile` does.

mod connection;
mod files;
mod request;
mod sendfile;

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::base::config::Format;
use crate::cmd::settings::{self, exit};
use crate::cmd::watch::{self, WatchArgs};
use crate::feed::websub::is_feed_file;
use files::Files;

/// The options of `feedsmith serve`.
#[derive(Debug, Clone)]
pub struct ServeArgs {
    pub watch: WatchArgs,
    pub bind: String,
    pub port: u16,
    /// How long a connection may take to send a request head, after it
    /// opens or after its last response.
    pub idle_timeout: Duration,
}

/// The most connections served at once; more are closed as they come.
/// Bounded by the limit on open files, less a margin for the watcher and
/// the files being read.
const MAX_CONNECTIONS: usize = 16_384;

/// The most files kept open for `sendfile` at once (see [`sendfile`]).
const MAX_KEPT_OPEN: u64 = 4096;

/// Runs `feedsmith serve` until Ctrl-C (SIGINT) or SIGTERM.
pub fn run_serve(args: &ServeArgs) -> ExitCode {
    let configs = match settings::load_configs(&args.watch.build) {
        Ok(configs) => configs,
        Err(d) => {
            eprintln!("{d}");
            return ExitCode::from(exit::USAGE);
        }
    };
    // Every language's feeds are served: the folder that holds them all.
    let Some((out_dir, feeds_url)) = settings::site_output(&configs) else {
        return ExitCode::from(exit::USAGE);
    };
    let out_dir = std::path::absolute(&out_dir).unwrap_or(out_dir);
    let config = &configs[0];
    // Bind first: a port in use is a usage error, before any work.
    let listener = match bind(&args.bind, args.port) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!(
                "error: cannot listen on {}:{}: {e}\n  = help: choose another port with --port, or stop what uses this one",
                args.bind, args.port
            );
            return ExitCode::from(exit::USAGE);
        }
    };

    // The folder is made now (the first build would make it) so that it
    // can be resolved once: requests compare their resolved paths with it.
    let _ = std::fs::create_dir_all(&out_dir);
    let root = out_dir.canonicalize().unwrap_or(out_dir.clone());
    let rss_name = crate::feed::file_of(config, Format::Rss).to_owned();
    // Kept for the life of the process, and shared by reference: counting
    // references to it on every request made the server threads contend
    // for one cache line.
    let served: &'static Files = Box::leak(Box::new(Files::new(
        root,
        links_of(config, feeds_url),
        rss_name,
    )));
    // The watch runs on its own thread; it owns Ctrl-C and SIGTERM, and when
    // it stops, the server stops.
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Option<ExitCode>>();
    let stop = Stop::default();
    let stopping = stop.clone();
    let watch_args = args.watch.clone();
    let hubs = configs.iter().any(|c| !c.websub_hubs.is_empty());
    let pinger = hubs.then(|| start_pinger(args.watch.build.verbose));
    let forget = served;
    let watcher = std::thread::spawn(move || {
        let after_write: watch::AfterWrite<'_> = Box::new(move |config, written, removed| {
            // Served from memory: what watch wrote or removed is read
            // again when next asked for. Paths are the language's, whose
            // output folder may be `<code>/` in the one served.
            let own = std::path::absolute(&config.output_dir).unwrap_or_default();
            let prefix = match own.strip_prefix(&out_dir).ok().and_then(Path::to_str) {
                Some("") | None => String::new(),
                Some(folder) => format!("{}/", folder.replace('\\', "/")),
            };
            forget.forget(
                written
                    .iter()
                    .chain(removed)
                    .map(|p| format!("{prefix}{p}")),
            );
            if let Some(pinger) = &pinger {
                let rss = crate::feed::file_of(config, Format::Rss);
                if written.iter().any(|path| is_feed_file(path, rss)) {
                    let _ = pinger.send(config.clone());
                }
            }
        });
        let code = watch::run_watch_ready(
            &watch_args,
            configs,
            |started| {
                let _ = ready_tx.send(started);
            },
            after_write,
        );
        stop.cancel();
        code
    });
    match ready_rx.recv() {
        Ok(None) => {}
        Ok(Some(code)) => return code,
        Err(_) => return ExitCode::from(exit::FAILURE),
    }
    // Edits by hand in the output folder are seen too.
    let _output_watcher = watch_output(served);

    let addr: Option<SocketAddr> = listener.local_addr().ok();
    if let Some(addr) = addr {
        eprintln!(
            "feedsmith: serving {} at http://{addr}/ (Ctrl-C to stop)",
            served.root().display()
        );
        let _ = std::io::stderr().flush();
    }
    let limit = raise_open_files_limit();
    // An eighth of the descriptors may hold large files for `sendfile`.
    let kept_open = (limit / 8).min(MAX_KEPT_OPEN) as usize;
    sendfile::set_budget(kept_open);
    let cap = MAX_CONNECTIONS.min(
        (limit.saturating_sub(256) as usize)
            .saturating_sub(kept_open)
            .max(64),
    );
    let permits = Arc::new(tokio::sync::Semaphore::new(cap));
    // One thread per core, each with its own single-threaded runtime
    // accepting from the one listening socket, as nginx runs a worker per
    // core: a connection is read, answered and written on one thread, with
    // no hand-off between threads. (Not SO_REUSEPORT: another process could
    // then take a share of the port.)
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut listeners: Vec<std::net::TcpListener> = (1..cores)
        .filter_map(|_| listener.try_clone().ok())
        .collect();
    listeners.push(listener);
    let workers: Vec<_> = listeners
        .into_iter()
        .map(|listener| {
            let (permits, stop) = (Arc::clone(&permits), stopping.clone());
            let idle = args.idle_timeout;
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                match runtime {
                    Ok(runtime) => runtime.block_on(async move {
                        match tokio::net::TcpListener::from_std(listener) {
                            Ok(listener) => {
                                accept_loop(listener, served, permits, idle, stop).await
                            }
                            Err(e) => eprintln!("error: the HTTP server failed: {e}"),
                        }
                    }),
                    Err(e) => eprintln!("error: cannot start the HTTP server: {e}"),
                }
            })
        })
        .collect();
    let code = watcher.join().unwrap_or(ExitCode::from(exit::FAILURE));
    for worker in workers {
        let _ = worker.join();
    }
    code
}

/// Tells the server threads to stop (the watch stopped).
#[derive(Clone, Default)]
struct Stop(Arc<(std::sync::atomic::AtomicBool, tokio::sync::Notify)>);

impl Stop {
    fn cancel(&self) {
        self.0 .0.store(true, std::sync::atomic::Ordering::SeqCst);
        self.0 .1.notify_waiters();
    }

    async fn wait(&self) {
        loop {
            let notified = self.0 .1.notified();
            if self.0 .0.load(std::sync::atomic::Ordering::SeqCst) {
                return;
            }
            notified.await;
        }
    }
}

/// The listening socket, non-blocking (each server thread accepts from a
/// copy of it).
fn bind(host: &str, port: u16) -> std::io::Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind((host, port))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// What a feed's `Link` header needs, when the config names hubs: them,
/// and the URL the served folder is published at.
fn links_of(
    config: &crate::base::config::Config,
    feeds_url: url::Url,
) -> Option<(Vec<String>, url::Url)> {
    (!config.websub_hubs.is_empty()).then(|| {
        let hubs = config.websub_hubs.iter().map(|h| h.to_string()).collect();
        (hubs, feeds_url)
    })
}

/// The `Link` header WebSub discovery reads first (before the feed's own
/// `rel="hub"` links): every hub, and the feed's own published URL, which is
/// the topic subscribers subscribe to.
fn link_header(links: &(Vec<String>, url::Url), relative: &Path) -> Option<String> {
    let (hubs, feeds_url) = links;
    let topic = crate::feed::websub::published_url(feeds_url, relative.to_str()?)?;
    let mut header: Vec<String> = hubs
        .iter()
        .map(|hub| format!("<{hub}>; rel=\"hub\""))
        .collect();
    header.push(format!("<{topic}>; rel=\"self\""));
    Some(header.join(", "))
}

/// Starts the thread that tells the WebSub hubs about changed feeds, one
/// round at a time, and returns where to send it the settings after each
/// rebuild that wrote a feed. A hub that fails gets a warning; what it did
/// not accept is told again after the next rebuild (see
/// [`crate::cmd::ping::tell_hubs`]).
fn start_pinger(verbose: bool) -> std::sync::mpsc::Sender<crate::base::config::Config> {
    let (sender, receiver) = std::sync::mpsc::channel::<crate::base::config::Config>();
    std::thread::spawn(move || {
        while let Ok(mut config) = receiver.recv() {
            // Rebuilds that came in meanwhile are told in one round.
            while let Ok(newer) = receiver.try_recv() {
                config = newer;
            }
            let told = crate::cmd::ping::tell_hubs(&config, &mut |line| {
                if verbose {
                    eprintln!("feedsmith: websub: {line}");
                }
            });
            match told {
                Ok(told) => {
                    for (hub, why) in told.failed {
                        eprintln!("warning: {hub}: the WebSub hub did not accept the changed feeds ({why})\n  = help: they are told again after the next rebuild, or with `feedsmith ping`");
                    }
                    if told.accepted > 0 {
                        eprintln!(
                            "feedsmith: told the WebSub hubs about {} changed feed(s)",
                            told.accepted
                        );
                    }
                }
                Err(d) => eprintln!("warning: {d}"),
            }
        }
    });
    sender
}

/// Accepts connections until `stop`, each served on a task of its own,
/// as many at once as `permits` allows (shared by every thread).
async fn accept_loop(
    listener: tokio::net::TcpListener,
    served: &'static Files,
    permits: Arc<tokio::sync::Semaphore>,
    idle_timeout: Duration,
    stop: Stop,
) {
    loop {
        let accepted = tokio::select! {
            () = stop.wait() => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors, say: wait for some to close
                // rather than spin.
                eprintln!("warning: cannot accept a connection: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        // Beyond the cap, a connection is closed at once: better than
        // letting every client wait.
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            connection::serve(stream, served, idle_timeout).await;
            drop(permit);
        });
    }
}

/// Watches the output folder, so that a file edited there by hand (not by
/// watch, which says what it writes) is read again; `None` if the system
/// cannot watch it, and then only watch's own writes are seen.
fn watch_output(served: &'static Files) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher as _;
    let files = served;
    let root = served.root().to_path_buf();
    let mut watcher =
        notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
            Ok(event) if !matches!(event.kind, notify::EventKind::Access(_)) => {
                let relative = event
                    .paths
                    .iter()
                    .filter_map(|p| p.strip_prefix(&root).ok()?.to_str())
                    .map(|p| p.replace('\\', "/"));
                files.forget(relative);
                if event.need_rescan() {
                    files.forget_all();
                }
            }
            Ok(_) => {}
            Err(_) => files.forget_all(),
        })
        .ok()?;
    watcher
        .watch(served.root(), notify::RecursiveMode::Recursive)
        .ok()?;
    Some(watcher)
}

/// Raises the soft limit on open files to the hard one (each connection
/// holds a descriptor); returns the limit in force.
fn raise_open_files_limit() -> u64 {
    // SAFETY: getrlimit and setrlimit with a valid pointer to a struct of
    // the right type; failure leaves the limit as it was.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
        limit.rlim_cur
    }
}
