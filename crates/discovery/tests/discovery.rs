//! The client against a real DNS server on loopback that answers as Cloud Map's records do: a service in host
//! networking has only an SRV record, whose target has the A record; a Fargate service has an A record.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, SRV};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::BinEncodable;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tradai_discovery::Discovery;

const HOST_MODE: &str = "data-collection.tradai.local.";
const TASK: &str = "4f1c2d.data-collection.tradai.local.";
const FARGATE: &str = "mlflow.tradai.local.";

/// The answer records for one question.
fn answers(name: &str, kind: RecordType, srv_port: u16) -> Vec<Record> {
    let owner = Name::from_ascii(name).expect("name");
    let loopback = RData::A(A::from(Ipv4Addr::LOCALHOST));
    match (name, kind) {
        (HOST_MODE, RecordType::SRV) => {
            let target = Name::from_ascii(TASK).expect("target");
            vec![Record::from_rdata(
                owner,
                10,
                RData::SRV(SRV::new(1, 1, srv_port, target)),
            )]
        }
        (TASK | FARGATE, RecordType::A) => vec![Record::from_rdata(owner, 10, loopback)],
        _ => Vec::new(),
    }
}

/// A DNS server on loopback UDP answering [`answers`] (NXDOMAIN for names it has nothing for).
async fn dns_server(srv_port: u16) -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind dns");
    let address = socket.local_addr().expect("dns address");
    tokio::spawn(async move {
        let mut buffer = [0u8; 512];
        while let Ok((size, peer)) = socket.recv_from(&mut buffer).await {
            let Ok(query) = Message::from_vec(&buffer[..size]) else {
                continue;
            };
            let mut reply = Message::new();
            reply
                .set_id(query.id())
                .set_message_type(MessageType::Response)
                .set_recursion_desired(query.recursion_desired())
                .set_authoritative(true);
            for question in query.queries() {
                reply.add_query(question.clone());
                let name = question.name().to_ascii();
                let found = answers(&name, question.query_type(), srv_port);
                let known = [HOST_MODE, TASK, FARGATE].contains(&name.as_str());
                if !known {
                    reply.set_response_code(ResponseCode::NXDomain);
                }
                reply.add_answers(found);
            }
            let bytes = reply.to_bytes().expect("encode");
            let _ = socket.send_to(&bytes, peer).await;
        }
    });
    address
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
