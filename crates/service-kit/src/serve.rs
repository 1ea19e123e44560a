//! Serving a router until SIGTERM or Ctrl-C, letting in-flight requests finish; JSON logs.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

/// Log JSON lines to stderr, filtered by `RUST_LOG` (default `info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Resolves on SIGTERM (ECS stopping a task) or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
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
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// How long a stopping service lets its in-flight requests finish: under ECS's default 30 s between SIGTERM
/// and SIGKILL, so the service ends on its own terms (decision A17).
pub const DRAIN: Duration = Duration::from_secs(20);

/// Serve `router` on `listener` until `shutdown` resolves; requests already being handled get [`DRAIN`] to
/// complete (event streams and stuck calls are cut then, so a stop never waits on a client).
pub async fn serve_until(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stopping, mut stopped) = tokio::sync::watch::channel(false);
    let signal = async move {
        shutdown.await;
        let _ = stopping.send(true);
    };
    let server = axum::serve(listener, router)
        .with_graceful_shutdown(signal)
        .into_future();
    let bound = async move {
        let _ = stopped.wait_for(|s| *s).await;
        tokio::time::sleep(DRAIN).await;
    };
    tokio::select! {
        result = server => result,
        () = bound => {
            tracing::warn!(drain_seconds = DRAIN.as_secs(), "requests still in flight after the drain bound; stopping without them");
            Ok(())
        }
    }
}

/// Bind `address` and serve `router` until SIGTERM or Ctrl-C.
pub async fn serve(address: SocketAddr, router: Router) -> std::io::Result<()> {
    let listener = TcpListener::bind(address).await?;
    tracing::info!(%address, "listening");
    serve_until(listener, router, shutdown_signal()).await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::routing::get;
    use tokio::sync::{oneshot, Notify};

    use super::*;

    /// A request that never ends (an event stream, a stuck dependency) does not keep a stopping service
    /// alive: after the drain bound, serving returns. Time is paused, so the bound passes without waiting.
    #[tokio::test(start_paused = true)]
    async fn a_stop_drains_within_its_bound_even_with_a_request_that_never_ends() {
        let entered = Arc::new(Notify::new());
        let seen = entered.clone();
        let router = Router::new().route(
            "/forever",
            get(move || {
                let seen = seen.clone();
                async move {
                    seen.notify_one();
                    std::future::pending::<()>().await;
                }
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(serve_until(listener, router, async move {
            let _ = stopped.await;
        }));
        let client = tokio::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(address)
                .await
                .expect("connect");
            tokio::io::AsyncWriteExt::write_all(
                &mut stream,
                b"GET /forever HTTP/1.1\r\nHost: x\r\n\r\n",
            )
            .await
            .expect("request");
            std::future::pending::<()>().await;
        });
        entered.notified().await;
        stop.send(()).expect("stop");
        let ended = tokio::time::timeout(DRAIN * 3, server).await;
        assert!(
            matches!(ended, Ok(Ok(Ok(())))),
            "serving ends after the drain bound: {ended:?}"
        );
        client.abort();
    }
}
