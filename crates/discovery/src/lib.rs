//! The HTTP client of every call from one of our components to another (`http://<service>.tradai.local:<port>`).
//!
//! Cloud Map gives a service A records when its tasks have their own interfaces (Fargate, `awsvpc`), but only
//! SRV records when they run in host networking on the consolidated EC2 host (decision I15): there the name
//! `data-collection.tradai.local` has an SRV record whose target (`<task>.data-collection.tradai.local`) has
//! the A record. The platform's clients therefore resolve a name by its address records and, when it has none,
//! by its SRV records ([`RESOLVED_RECORDS`]); the port stays the URL's, which is the container's port in both
//! modes (the stacks' `discovery-addressing` rule checks both facts against the planned graph).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::xfer::Protocol;
use hickory_resolver::TokioResolver;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

#[cfg(feature = "zone")]
pub mod zone;

/// The variable that points every client at one DNS server (`host:port`, UDP) instead of the system's: the
/// deployment twin sets it on the processes it starts, so the Cloud Map names resolve through its zone.
pub const DNS_SERVER_VARIABLE: &str = "TRADAI_DISCOVERY_DNS";

/// The DNS record types a name may have for our clients to reach it, in the order they are tried.
pub const RESOLVED_RECORDS: &[&str] = &["A", "SRV"];

/// Resolves a host by its A/AAAA records, else by its SRV records' targets.
#[derive(Debug, Clone)]
pub struct Discovery {
    resolver: Option<TokioResolver>,
    /// Why no name can resolve (a bad [`DNS_SERVER_VARIABLE`]), said at every lookup.
    misconfigured: Option<String>,
}

/// Why a name resolved to nothing.
#[derive(Debug)]
struct Unresolved(String);

impl std::fmt::Display for Unresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unresolved {}

impl Discovery {
    /// The system's resolver configuration (`/etc/resolv.conf` and the hosts file; in a VPC, the Route 53
    /// resolver, which answers for the Cloud Map namespace). Where it cannot be read, names resolve as the
    /// standard library resolves them (A records only).
    /// [`DNS_SERVER_VARIABLE`], when set, names the one server to ask instead.
    pub fn system() -> Self {
        match std::env::var(DNS_SERVER_VARIABLE) {
            Ok(server) if !server.is_empty() => match server.parse() {
                Ok(address) => Discovery::with_server(address),
                Err(_) => Discovery {
                    resolver: None,
                    misconfigured: Some(format!(
                        "{DNS_SERVER_VARIABLE} is {server:?}: expected a DNS server's ip:port, e.g. 127.0.0.1:5353"
                    )),
                },
            },
            _ => Discovery {
                resolver: TokioResolver::builder_tokio().ok().map(|b| b.build()),
                misconfigured: None,
            },
        }
    }

    /// Ask only the DNS server at `server` (UDP), e.g. a test's.
    pub fn with_server(server: SocketAddr) -> Self {
        let mut config = ResolverConfig::new();
        config.add_name_server(NameServerConfig::new(server, Protocol::Udp));
        let builder =
            TokioResolver::builder_with_config(config, TokioConnectionProvider::default());
        Discovery {
            resolver: Some(builder.build()),
            misconfigured: None,
        }
    }

    /// The socket addresses of `host` (their port: the SRV record's, or 0 for address records).
    pub async fn addresses(&self, host: &str) -> Result<Vec<SocketAddr>, String> {
        if let Some(problem) = &self.misconfigured {
            return Err(format!("{host}: {problem}"));
        }
        let Some(resolver) = &self.resolver else {
            return tokio::net::lookup_host((host, 0))
                .await
                .map(Iterator::collect)
                .map_err(|e| format!("{host}: {e}"));
        };
        let address_error = match resolver.lookup_ip(host).await {
            Ok(ips) => {
                let found: Vec<SocketAddr> = ips.iter().map(|ip| SocketAddr::new(ip, 0)).collect();
                if !found.is_empty() {
                    return Ok(found);
                }
                "no address records".to_owned()
            }
            Err(e) => e.to_string(),
        };
        let services = resolver.srv_lookup(host).await.map_err(|e| {
            format!("{host} has neither address records ({address_error}) nor SRV records ({e})")
        })?;
        let mut found = Vec::new();
        for record in services.iter() {
            let target = record.target().to_utf8();
            let ips = resolver
                .lookup_ip(target.as_str())
                .await
                .map_err(|e| format!("{host}: the SRV target {target} does not resolve ({e})"))?;
            found.extend(ips.iter().map(|ip| SocketAddr::new(ip, record.port())));
        }
        if found.is_empty() {
            return Err(format!("{host}: its SRV records name no reachable target"));
        }
        Ok(found)
    }

    /// An HTTP client builder that resolves through this discovery, with a request `timeout`.
    pub fn client(self, timeout: Duration) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .timeout(timeout)
            .dns_resolver(Arc::new(self))
    }
}

impl Resolve for Discovery {
    fn resolve(&self, name: Name) -> Resolving {
        let discovery = self.clone();
        Box::pin(async move {
            let found = discovery
                .addresses(name.as_str())
                .await
                .map_err(|e| Box::new(Unresolved(e)) as Box<dyn std::error::Error + Send + Sync>)?;
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

/// The HTTP client for calls to our services, resolving through the system's DNS configuration.
pub fn client(timeout: Duration) -> reqwest::ClientBuilder {
    Discovery::system().client(timeout)
}
