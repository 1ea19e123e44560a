//! The container health check the compute layer plans for this image (`/usr/local/bin/app --health-check`),
//! run against the real binary: healthy while the service serves, unhealthy once it is gone.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_tradai-data-collection");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port()
}

/// The binary with the settings the task definition gives it (in-memory adapters: no AWS here).
fn service(port: u16, extra: &[&str]) -> Command {
    let mut command = Command::new(BINARY);
    command
        .args(["--env", "dev", "--port", &port.to_string()])
        .args(extra)
        .env("SERVICE_ADAPTERS", "memory")
        .env("AWS_REGION", "eu-central-1")
        .env("COGNITO_USER_POOL_ID", "eu-central-1_test")
        .env("COGNITO_CLIENT_IDS", "client")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// The planned health command's arguments after the image's binary.
fn probe(port: u16) -> bool {
    let command = tradai_service_kit::probe::health_command();
    let flags: Vec<&str> = command[2..].iter().map(String::as_str).collect();
    service(port, &flags).status().expect("probe").success()
}

#[test]
fn the_planned_health_check_runs_in_the_binary() {
    let port = free_port();
    assert!(!probe(port), "nothing serves yet");
    let mut server = service(port, &[]).spawn().expect("start");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut healthy = false;
    while !healthy && Instant::now() < deadline {
        healthy = probe(port);
        if !healthy {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let _ = server.kill();
    let _ = server.wait();
    assert!(healthy, "the service never answered its health route");
    assert!(!probe(port), "the service is gone");
}
