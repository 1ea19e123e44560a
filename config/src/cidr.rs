//! IPv4 CIDR blocks: parsing, containment and overlap, for the VPC and subnet rules.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// An IPv4 network in CIDR notation whose address has no host bits set (`10.0.1.0/24`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Cidr {
    network: Ipv4Addr,
    prefix: u8,
}

/// Why a string is not a valid CIDR block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    #[error("expected <a.b.c.d>/<prefix>, e.g. 10.0.0.0/16")]
    Syntax,
    #[error("prefix length /{0} is above 32")]
    Prefix(u8),
    #[error("host bits are set; the network address is {0}")]
    HostBits(Ipv4Cidr),
}

impl Ipv4Cidr {
    /// The prefix length (`/16` → 16).
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// The network address.
    pub fn network(&self) -> Ipv4Addr {
        self.network
    }

    fn mask(prefix: u8) -> u32 {
        if prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(prefix))
        }
    }

    fn first(&self) -> u32 {
        u32::from(self.network)
    }

    fn last(&self) -> u32 {
        self.first() | !Self::mask(self.prefix)
    }

    /// Whether `other` lies entirely inside `self`.
    pub fn contains(&self, other: &Ipv4Cidr) -> bool {
        self.first() <= other.first() && other.last() <= self.last()
    }

    /// Whether the two blocks share at least one address.
    pub fn overlaps(&self, other: &Ipv4Cidr) -> bool {
        self.first() <= other.last() && other.first() <= self.last()
    }
}

impl FromStr for Ipv4Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = s.split_once('/').ok_or(CidrError::Syntax)?;
        let addr: Ipv4Addr = addr.parse().map_err(|_| CidrError::Syntax)?;
        if prefix.is_empty() || prefix.len() > 2 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CidrError::Syntax);
        }
        let prefix: u8 = prefix.parse().map_err(|_| CidrError::Syntax)?;
        if prefix > 32 {
            return Err(CidrError::Prefix(prefix));
        }
        let network = Ipv4Addr::from(u32::from(addr) & Self::mask(prefix));
        let cidr = Ipv4Cidr { network, prefix };
        if network != addr {
            return Err(CidrError::HostBits(cidr));
        }
        Ok(cidr)
    }
}

impl fmt::Display for Ipv4Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cidr(s: &str) -> Ipv4Cidr {
        s.parse().expect("valid cidr in test")
    }

    #[test]
    fn parses_and_prints_a_network() {
        assert_eq!(cidr("10.0.0.0/16").to_string(), "10.0.0.0/16");
        assert_eq!(cidr("0.0.0.0/0").prefix(), 0);
    }

    #[test]
    fn rejects_malformed_blocks_with_the_reason() {
        assert_eq!("10.0.0.0".parse::<Ipv4Cidr>(), Err(CidrError::Syntax));
        assert_eq!("10.0.0/16".parse::<Ipv4Cidr>(), Err(CidrError::Syntax));
        assert_eq!("10.0.0.0/+8".parse::<Ipv4Cidr>(), Err(CidrError::Syntax));
        assert_eq!(
            "10.0.0.0/33".parse::<Ipv4Cidr>(),
            Err(CidrError::Prefix(33))
        );
        let err = "10.0.1.7/24".parse::<Ipv4Cidr>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "host bits are set; the network address is 10.0.1.0/24"
        );
    }

    #[test]
    fn containment_and_overlap_follow_address_ranges() {
        let vpc = cidr("10.0.0.0/16");
        assert!(vpc.contains(&cidr("10.0.21.0/24")));
        assert!(!vpc.contains(&cidr("10.1.0.0/24")));
        assert!(!cidr("10.0.1.0/24").contains(&vpc));
        assert!(cidr("10.0.0.0/23").overlaps(&cidr("10.0.1.0/24")));
        assert!(!cidr("10.0.1.0/24").overlaps(&cidr("10.0.2.0/24")));
    }

    proptest! {
        #[test]
        fn every_parsed_block_contains_and_overlaps_itself(addr in any::<u32>(), prefix in 0u8..=32) {
            let text = format!("{}/{}", Ipv4Addr::from(addr & Ipv4Cidr::mask(prefix)), prefix);
            let block: Ipv4Cidr = text.parse().expect("network address parses");
            prop_assert!(block.contains(&block));
            prop_assert!(block.overlaps(&block));
            prop_assert_eq!(block.to_string(), text);
        }
    }
}
