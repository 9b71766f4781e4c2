//! Which network addresses webhooks may be sent to. An organisation's owner chooses the URL,
//! but the request leaves from the provider's server, so without this check a tenant could
//! make mamori call the provider's own database pages, cloud metadata services or internal
//! tools (server-side request forgery).
//!
//! Every address is checked where the connection is made: IP literals in the URL before the
//! request, host names after DNS resolution inside the HTTP connector (so the address that
//! was checked is the address connected to, and DNS rebinding gains nothing). Redirects are
//! never followed. Only the provider's administrator can open listed internal networks
//! (`[notify] allow_private = ["10.0.5.0/24"]`).

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::dns::Name;
use ipnet::IpNet;

use crate::NotifyError;

/// IPv4 networks that are not the public internet: "this network", private (RFC 1918),
/// shared address space (CGNAT), loopback, link-local (cloud metadata lives here), IETF
/// protocol assignments, documentation, benchmarking, multicast, reserved and broadcast.
const BLOCKED_V4: &[(Ipv4Addr, u8)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8),
    (Ipv4Addr::new(10, 0, 0, 0), 8),
    (Ipv4Addr::new(100, 64, 0, 0), 10),
    (Ipv4Addr::new(127, 0, 0, 0), 8),
    (Ipv4Addr::new(169, 254, 0, 0), 16),
    (Ipv4Addr::new(172, 16, 0, 0), 12),
    (Ipv4Addr::new(192, 0, 0, 0), 24),
    (Ipv4Addr::new(192, 0, 2, 0), 24),
    (Ipv4Addr::new(192, 168, 0, 0), 16),
    (Ipv4Addr::new(198, 18, 0, 0), 15),
    (Ipv4Addr::new(198, 51, 100, 0), 24),
    (Ipv4Addr::new(203, 0, 113, 0), 24),
    (Ipv4Addr::new(224, 0, 0, 0), 4),
    (Ipv4Addr::new(240, 0, 0, 0), 4),
];

/// IPv6 networks that are not the public internet: discard, documentation, unique-local,
/// site-local (deprecated), link-local and multicast. The forms that carry an IPv4 address
/// (mapped, compatible, NAT64, 6to4) are judged by that IPv4 address instead, see
/// [`embedded_v4`]; `::` and `::1` are in the compatible range and land in 0.0.0.0/8.
const BLOCKED_V6: &[(Ipv6Addr, u8)] = &[
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64),
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8),
];

/// The destinations webhooks may reach: the public internet, plus the internal networks the
/// provider's administrator listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DestinationPolicy {
    allowed: Vec<IpNet>,
}

impl DestinationPolicy {
    /// Public addresses only: the default, and what every tenant-chosen URL gets.
    pub fn public_only() -> Self {
        DestinationPolicy::default()
    }

    /// Public addresses plus these internal networks (exact addresses or CIDR blocks).
    pub fn allowing(allowed: Vec<IpNet>) -> Self {
        DestinationPolicy { allowed }
    }

    /// Reads the administrator's list (`"10.0.5.0/24"`, `"192.168.1.20"`, `"fd00::/8"`),
    /// naming the entry that is not a network.
    pub fn from_list<S: AsRef<str>>(list: &[S]) -> Result<Self, NotifyError> {
        let allowed = list
            .iter()
            .map(|entry| {
                let entry = entry.as_ref().trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        NotifyError::InvalidPolicy(format!(
                            "\"{entry}\" is not an IP address or network such as 10.0.5.0/24"
                        ))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(DestinationPolicy { allowed })
    }

    /// The networks opened by the administrator.
    pub fn allowed(&self) -> &[IpNet] {
        &self.allowed
    }

    /// True when a webhook may connect to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        !is_internal(ip) || self.allowed.iter().any(|net| net.contains(&ip))
    }

    /// Refuses `ip` with the reason a tenant may read (it never says what listens there).
    pub(crate) fn check(&self, target: &str, ip: IpAddr) -> Result<(), NotifyError> {
        if self.permits(ip) {
            Ok(())
        } else {
            Err(NotifyError::RefusedDestination {
                target: target.to_string(),
            })
        }
    }
}

/// True for addresses outside the public internet, IPv4 and IPv6 alike; an IPv6 address that
/// carries an IPv4 address is judged by the IPv4 one, so `::ffff:127.0.0.1` is loopback.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => BLOCKED_V4.iter().any(|(net, len)| in_v4(v4, *net, *len)),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_internal(IpAddr::V4(v4)),
            None => BLOCKED_V6.iter().any(|(net, len)| in_v6(v6, *net, *len)),
        },
    }
}

/// The IPv4 address inside IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`,
/// which includes `::` and `::1`),
/// NAT64 (`64:ff9b::a.b.c.d`) and 6to4 (`2002:AABB:CCDD::`) addresses, each of which the
/// network may deliver to that IPv4 address.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    let mapped = s[..5] == [0; 5] && s[5] == 0xffff;
    let compatible = s[..6] == [0; 6];
    let nat64 = s[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    if mapped || compatible || nat64 {
        return Some(low);
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    None
}

fn in_v4(ip: Ipv4Addr, net: Ipv4Addr, len: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(net) & mask
}

fn in_v6(ip: Ipv6Addr, net: Ipv6Addr, len: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    u128::from(ip) & mask == u128::from(net) & mask
}

/// Why the resolver gave no address: every address the name has was refused. Carried
/// through the HTTP client's error chain and turned back into
/// [`NotifyError::RefusedDestination`].
#[derive(Debug, thiserror::Error)]
#[error("the host name resolves to an address mamori does not send to")]
pub(crate) struct Refused;

/// The HTTP connector's resolver: the system resolver, then the policy on every address.
/// A name with any refused address is refused as a whole, so a name that answers with one
/// public and one internal address cannot reach the internal one.
#[derive(Clone)]
pub(crate) struct GuardedResolver {
    policy: Arc<DestinationPolicy>,
}

impl GuardedResolver {
    pub(crate) fn new(policy: Arc<DestinationPolicy>) -> Self {
        GuardedResolver { policy }
    }
}

type Resolving =
    Pin<Box<dyn Future<Output = Result<std::vec::IntoIter<SocketAddr>, std::io::Error>> + Send>>;

impl tower_service::Service<Name> for GuardedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Resolving;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let policy = self.policy.clone();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            if addrs.iter().any(|a| !policy.permits(a.ip())) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    Refused,
                ));
            }
            Ok(addrs.into_iter())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect(text)
    }

    #[test]
    fn internal_addresses_of_every_kind_are_refused() {
        let policy = DestinationPolicy::public_only();
        for internal in [
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "127.255.255.254",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "192.0.0.8",
            "198.18.0.1",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:7f00:1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::10.0.0.1",
            "2002:c0a8:0101::1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "fec0::1",
            "ff02::1",
            "ff05::2",
            "100::1",
            "2001:db8::1",
        ] {
            assert!(!policy.permits(ip(internal)), "{internal} must be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        let policy = DestinationPolicy::public_only();
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "169.253.0.1",
            "203.0.114.1",
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:0808:0808::1",
        ] {
            assert!(policy.permits(ip(public)), "{public} must pass");
        }
    }

    #[test]
    fn the_administrator_opens_listed_networks_only() {
        let policy =
            DestinationPolicy::from_list(&["10.0.5.0/24", " 192.168.1.20 ", "fd00:1::/32"])
                .expect("list");
        assert!(policy.permits(ip("10.0.5.7")));
        assert!(policy.permits(ip("192.168.1.20")));
        assert!(policy.permits(ip("fd00:1::9")));
        assert!(!policy.permits(ip("10.0.6.1")));
        assert!(!policy.permits(ip("192.168.1.21")));
        assert!(!policy.permits(ip("127.0.0.1")));
        assert!(policy.permits(ip("8.8.8.8")));
        assert_eq!(policy.allowed().len(), 3);
        let err = DestinationPolicy::from_list(&["10.0.5.0/33"]).unwrap_err();
        assert_eq!(err.code(), "invalid_policy");
        assert!(err.to_string().contains("10.0.5.0/33"), "{err}");
        assert!(DestinationPolicy::from_list(&["intranet"]).is_err());
    }
}
