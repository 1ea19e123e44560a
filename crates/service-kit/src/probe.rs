//! The container health check of every service image: `app --health-check` asks the service in the same
//! container for its health route and exits 0 when it answers 2xx. The images are distroless (no shell, no
//! curl), so the task definitions run this exec-form command ([`health_command`]); `tradai infra check` holds
//! them to it.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Where every service image holds its binary (the Dockerfile's `service` stage).
pub const IMAGE_BINARY: &str = "/usr/local/bin/app";

/// The flag that makes a service binary probe its own health route instead of serving.
pub const HEALTH_FLAG: &str = "--health-check";

/// How long the probe waits for the whole answer (under the task definition's 5 s check timeout).
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// The exec-form container health check a service image runs.
pub fn health_command() -> Vec<String> {
    ["CMD", IMAGE_BINARY, HEALTH_FLAG]
        .map(str::to_owned)
        .to_vec()
}

/// `GET path` on the service listening at `listen` (its loopback when it listens on every interface): `Ok`
/// with the status line when the answer is 2xx, else why not.
pub fn probe(listen: SocketAddr, path: &str, timeout: Duration) -> Result<String, String> {
    let mut address = listen;
    if address.ip().is_unspecified() {
        address.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let port = address.port();
    let host = address.ip();
    let mut stream = TcpStream::connect_timeout(&address, timeout)
        .map_err(|e| format!("connecting to {address}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: tradai-health-check\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("sending to {address}: {e}"))?;
    // The status line is all the probe needs: read until its end (it may arrive in pieces), at most 256 bytes.
    let mut head = [0_u8; 256];
    let mut filled = 0;
    while filled < head.len() && !head[..filled].windows(2).any(|w| w == b"\r\n") {
        let read = stream
            .read(&mut head[filled..])
            .map_err(|e| format!("reading from {address}: {e}"))?;
        if read == 0 {
            break;
        }
        filled += read;
    }
    let text = String::from_utf8_lossy(&head[..filled]);
    let status_line = text.lines().next().unwrap_or_default().to_owned();
    let code = status_line.split_whitespace().nth(1).unwrap_or_default();
    if code.len() == 3 && code.starts_with('2') {
        Ok(status_line)
    } else {
        Err(format!("GET {path} answered {status_line:?}"))
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::*;

    /// A one-shot server answering `status`.
    fn server(status: &'static str) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        std::thread::spawn(move || {
            if let Ok((mut socket, _)) = listener.accept() {
                let mut request = [0_u8; 512];
                let _ = socket.read(&mut request);
                // In pieces, as a server may send it.
                for piece in ["HTTP/1.1 ", status, "\r\nContent-Length: 0\r\n\r\n"] {
                    let _ = socket.write_all(piece.as_bytes());
                    let _ = socket.flush();
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        });
        port
    }

    #[test]
    fn healthy_is_a_2xx_answer() {
        let port = server("200 OK");
        assert_eq!(
            probe(
                SocketAddr::from(([0, 0, 0, 0], port)),
                "/api/v1/health",
                PROBE_TIMEOUT
            ),
            Ok("HTTP/1.1 200 OK".to_owned())
        );
        let port = server("503 Service Unavailable");
        assert_eq!(
            probe(
                SocketAddr::from(([0, 0, 0, 0], port)),
                "/api/v1/health",
                PROBE_TIMEOUT
            ),
            Err("GET /api/v1/health answered \"HTTP/1.1 503 Service Unavailable\"".to_owned())
        );
    }

    #[test]
    fn nothing_listening_is_unhealthy() {
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("address")
            .port();
        let error = probe(SocketAddr::from(([127, 0, 0, 1], port)), "/", PROBE_TIMEOUT)
            .expect_err("closed");
        assert!(error.starts_with("connecting to 127.0.0.1:"), "{error}");
    }

    #[test]
    fn the_command_runs_the_image_s_binary() {
        assert_eq!(
            health_command(),
            ["CMD", "/usr/local/bin/app", "--health-check"]
        );
    }
}
