//! Where an address is: the company's own network or the internet. Alerts say 「社外の」
//! for an attacker's address, and reports list only refused senders from the internet.

use std::net::IpAddr;

/// Whether `address` belongs to the internet rather than to the company's own network
/// (private, loopback, link-local, unique-local or unspecified addresses); text that is not
/// an address is not from the internet.
pub fn from_internet(address: &str) -> bool {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            !(v4.is_private() || v4.is_loopback() || v4.is_link_local() || v4.is_unspecified())
        }
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => from_internet(&v4.to_string()),
            None => {
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local())
            }
        },
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_internet_senders_count_as_from_the_internet() {
        for inside in [
            "192.168.1.20",
            "10.0.0.5",
            "172.16.3.4",
            "127.0.0.1",
            "fe80::1",
            "fd00::7",
            "::ffff:10.1.2.3",
            "not an address",
        ] {
            assert!(!from_internet(inside), "{inside}");
        }
        for outside in [
            "203.0.113.7",
            "8.8.8.8",
            "2001:db8::1",
            "::ffff:198.51.100.2",
        ] {
            assert!(from_internet(outside), "{outside}");
        }
    }
}
