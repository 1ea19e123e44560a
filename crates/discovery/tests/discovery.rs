//! The client against a real DNS server on loopback that answers as Cloud Map's records do: a service in host
//! networking has only an SRV record, whose target has the A record; a Fargate service has an A record.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tradai_discovery::zone::Zone;
use tradai_discovery::Discovery;

/// A zone on loopback UDP as Cloud Map's records are: `data-collection` in host networking (an SRV record on
/// `srv_port` whose target has the A record), `mlflow` with its own interface (an A record).
async fn dns_server(srv_port: u16) -> SocketAddr {
    let mut zone = Zone::new();
    zone.service(
        "data-collection.tradai.local",
        "4f1c2d.data-collection.tradai.local",
        srv_port,
    )
    .and_then(|z| z.address("4f1c2d.data-collection.tradai.local", Ipv4Addr::LOCALHOST))
    .and_then(|z| z.address("mlflow.tradai.local", Ipv4Addr::LOCALHOST))
    .expect("records");
    zone.serve(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .expect("bind dns")
}

/// An HTTP server on loopback answering every request with `ok`.
async fn http_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind http");
    let port = listener.local_addr().expect("http address").port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request).await;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
                .await;
        }
    });
    port
}

#[tokio::test]
async fn a_host_mode_service_is_reached_through_its_srv_record() {
    let port = http_server().await;
    let discovery = Discovery::with_server(dns_server(port).await);
    let found = discovery
        .addresses("data-collection.tradai.local")
        .await
        .expect("resolved");
    assert_eq!(found, vec![SocketAddr::from((Ipv4Addr::LOCALHOST, port))]);
    let client = discovery
        .client(Duration::from_secs(5))
        .build()
        .expect("client");
    // The URL names the container's port, which in host networking is the SRV record's port too.
    let url = format!("http://data-collection.tradai.local:{port}/api/v1/health");
    let body = client.get(url).send().await.expect("sent").text().await;
    assert_eq!(body.expect("body"), "ok");
}

#[tokio::test]
async fn a_fargate_service_is_reached_through_its_address_record() {
    let port = http_server().await;
    let discovery = Discovery::with_server(dns_server(1).await);
    let found = discovery
        .addresses("mlflow.tradai.local")
        .await
        .expect("resolved");
    assert_eq!(found, vec![SocketAddr::from((Ipv4Addr::LOCALHOST, 0))]);
    let client = discovery
        .client(Duration::from_secs(5))
        .build()
        .expect("client");
    let body = client
        .get(format!("http://mlflow.tradai.local:{port}/health"))
        .send()
        .await
        .expect("sent")
        .text()
        .await;
    assert_eq!(body.expect("body"), "ok");
}

#[tokio::test]
async fn a_name_without_records_names_both_failures() {
    let discovery = Discovery::with_server(dns_server(1).await);
    let error = discovery
        .addresses("strategy-service.tradai.local")
        .await
        .expect_err("nothing to resolve");
    assert!(
        error.contains("strategy-service.tradai.local has neither address records")
            && error.contains("nor SRV records"),
        "{error}"
    );
}

#[tokio::test]
async fn the_system_resolver_still_finds_localhost() {
    let found = Discovery::system()
        .addresses("localhost")
        .await
        .expect("localhost resolves");
    assert!(found.iter().any(|a| a.ip().is_loopback()), "{found:?}");
}

/// `TRADAI_DISCOVERY_DNS` points the system discovery at one server (the twin's zone); a bad value is named at
/// every lookup. (nextest runs each test in its own process, so the variable is this test's.)
#[tokio::test]
async fn the_dns_server_variable_replaces_the_system_resolver() {
    let server = dns_server(8002).await;
    std::env::set_var(tradai_discovery::DNS_SERVER_VARIABLE, server.to_string());
    let found = Discovery::system()
        .addresses("data-collection.tradai.local")
        .await
        .expect("resolved through the zone");
    assert_eq!(found, vec![SocketAddr::from((Ipv4Addr::LOCALHOST, 8002))]);
    std::env::set_var(tradai_discovery::DNS_SERVER_VARIABLE, "nope");
    let error = Discovery::system()
        .addresses("mlflow.tradai.local")
        .await
        .expect_err("misconfigured");
    assert!(
        error.contains("TRADAI_DISCOVERY_DNS is \"nope\": expected a DNS server's ip:port"),
        "{error}"
    );
}
