//! A DNS server on a loopback UDP socket answering for a Cloud Map namespace as Route 53 does: a service in
//! host networking has an SRV record whose target (`<task>.<service>.<namespace>`) has the A record, a service
//! with its own interface has an A record. The deployment twin serves the planned records with it, and the
//! services find one another through [`Discovery`](crate::Discovery) as they do in AWS.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, SRV};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::BinEncodable;
use tokio::net::UdpSocket;

/// How long resolvers may keep an answer (Cloud Map's default for these services).
const TTL: u32 = 10;

/// The records of a zone, by owner name (lower case, fully qualified) and type.
#[derive(Debug, Clone, Default)]
pub struct Zone {
    records: BTreeMap<String, Vec<RData>>,
}

/// A name the zone cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("DNS name {name:?}: {reason}")]
pub struct BadName {
    pub name: String,
    pub reason: String,
}

fn fqdn(name: &str) -> Result<Name, BadName> {
    let mut text = name.to_ascii_lowercase();
    if !text.ends_with('.') {
        text.push('.');
    }
    Name::from_ascii(&text).map_err(|e| BadName {
        name: name.to_owned(),
        reason: e.to_string(),
    })
}

impl Zone {
    pub fn new() -> Zone {
        Zone::default()
    }

    /// An A record: `name` is at `ip`.
    pub fn address(&mut self, name: &str, ip: Ipv4Addr) -> Result<&mut Zone, BadName> {
        let owner = fqdn(name)?.to_ascii();
        self.records
            .entry(owner)
            .or_default()
            .push(RData::A(A::from(ip)));
        Ok(self)
    }

    /// An SRV record: the service `name` is served on `port` of `target`.
    pub fn service(&mut self, name: &str, target: &str, port: u16) -> Result<&mut Zone, BadName> {
        let owner = fqdn(name)?.to_ascii();
        let target = fqdn(target)?;
        self.records
            .entry(owner)
            .or_default()
            .push(RData::SRV(SRV::new(1, 1, port, target)));
        Ok(self)
    }

    /// The answer to one question, and whether the name exists at all.
    fn answer(&self, name: &Name, kind: RecordType) -> (bool, Vec<Record>) {
        let Some(data) = self.records.get(&name.to_ascii().to_ascii_lowercase()) else {
            return (false, Vec::new());
        };
        let found = data
            .iter()
            .filter(|d| d.record_type() == kind)
            .map(|d| Record::from_rdata(name.clone(), TTL, d.clone()))
            .collect();
        (true, found)
    }

    /// The reply to the query `bytes`, or `None` when they are not a DNS query.
    pub fn reply(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let query = Message::from_vec(bytes).ok()?;
        let mut reply = Message::new();
        reply
            .set_id(query.id())
            .set_message_type(MessageType::Response)
            .set_op_code(query.op_code())
            .set_recursion_desired(query.recursion_desired())
            .set_authoritative(true);
        for question in query.queries() {
            reply.add_query(question.clone());
            let (exists, found) = self.answer(question.name(), question.query_type());
            if !exists {
                reply.set_response_code(ResponseCode::NXDomain);
            }
            reply.add_answers(found);
        }
        reply.to_bytes().ok()
    }

    /// Serve the zone on a UDP socket bound to `address` (port 0: any free one) until the task is dropped;
    /// returns the bound address.
    pub async fn serve(self, address: SocketAddr) -> std::io::Result<SocketAddr> {
        let socket = UdpSocket::bind(address).await?;
        let bound = socket.local_addr()?;
        tokio::spawn(async move {
            let mut buffer = [0u8; 512];
            while let Ok((size, peer)) = socket.recv_from(&mut buffer).await {
                if let Some(bytes) = self.reply(&buffer[..size]) {
                    let _ = socket.send_to(&bytes, peer).await;
                }
            }
        });
        Ok(bound)
    }
}

#[cfg(test)]
mod tests {
    use hickory_proto::op::Query;

    use super::*;

    fn ask(zone: &Zone, name: &str, kind: RecordType) -> Message {
        let mut query = Message::new();
        query
            .set_id(7)
            .add_query(Query::query(fqdn(name).expect("name"), kind));
        let bytes = zone
            .reply(&query.to_bytes().expect("encode"))
            .expect("a reply");
        Message::from_vec(&bytes).expect("decode")
    }

    #[test]
    fn answers_as_cloud_map_does() {
        let mut zone = Zone::new();
        zone.service(
            "Backend-API.tradai.local",
            "t1.backend-api.tradai.local",
            8000,
        )
        .and_then(|z| z.address("t1.backend-api.tradai.local", Ipv4Addr::new(127, 0, 0, 9)))
        .expect("records");
        let srv = ask(&zone, "backend-api.tradai.local", RecordType::SRV);
        assert_eq!(srv.id(), 7);
        assert_eq!(srv.answers().len(), 1);
        // The service name itself has no address record, as in AWS: NOERROR with no answer.
        let a = ask(&zone, "backend-api.tradai.local", RecordType::A);
        assert_eq!(
            (a.response_code(), a.answers().len()),
            (ResponseCode::NoError, 0)
        );
        let target = ask(&zone, "t1.backend-api.tradai.local.", RecordType::A);
        assert_eq!(target.answers().len(), 1);
        let unknown = ask(&zone, "mlflow.tradai.local", RecordType::A);
        assert_eq!(unknown.response_code(), ResponseCode::NXDomain);
        assert!(zone.reply(b"not dns").is_none());
        assert!(Zone::new()
            .address("bad..name", Ipv4Addr::LOCALHOST)
            .is_err());
    }
}
