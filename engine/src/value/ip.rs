//! IP values for `IpAddress` / `NotIpAddress` (spec §4.3). A policy value is an IPv4 or IPv6
//! address or CIDR block (host bits ignored); a request value is an address only. Parsing is
//! `std::net` and `ipnet`, which already reject leading-zero octets, zone ids and netmask
//! notation. An IPv4-mapped IPv6 request address (`::ffff:192.0.2.1`) is read as IPv4.

use ipnet::IpNet;
use std::net::IpAddr;
use thiserror::Error;

/// Why a text is not an IP value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IpError {
    /// A policy value that is neither an address nor a CIDR block.
    #[error("is not an IPv4 or IPv6 address or CIDR block")]
    Network,
    /// A request value that is not an address.
    #[error("is not an IPv4 or IPv6 address")]
    Address,
}

/// Reads a policy value: an address (a one-address network) or a CIDR block, with host bits
/// cleared (`10.1.2.3/8` is `10.0.0.0/8`).
///
/// ```
/// use ramjet_engine::value::{parse_network, parse_request_address};
/// let net = parse_network("10.1.2.3/8").unwrap();
/// assert!(net.contains(&parse_request_address("10.200.0.1").unwrap()));
/// assert!(parse_network("300.1.1.1").is_err());
/// ```
pub fn parse_network(text: &str) -> Result<IpNet, IpError> {
    if text.contains('/') {
        let (_, prefix) = text.split_once('/').ok_or(IpError::Network)?;
        // ipnet reads the prefix with `u8::from_str`, which allows a `+` sign.
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IpError::Network);
        }
        let net: IpNet = text.parse().map_err(|_| IpError::Network)?;
        Ok(net.trunc())
    } else {
        let address: IpAddr = text.parse().map_err(|_| IpError::Network)?;
        Ok(IpNet::from(address))
    }
}

/// Reads a request value: an address, an IPv4-mapped IPv6 address read as IPv4.
pub fn parse_request_address(text: &str) -> Result<IpAddr, IpError> {
    let address: IpAddr = text.parse().map_err(|_| IpError::Address)?;
    Ok(address.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_networks_accept_addresses_and_blocks() {
        for good in [
            "10.0.0.0/8",
            "192.0.2.1",
            "::1",
            "2001:db8::/32",
            "0.0.0.0/0",
            "::/0",
            "1.2.3.4/32",
        ] {
            assert!(parse_network(good).is_ok(), "{good}");
        }
        assert_eq!(
            parse_network("10.9.8.7/8").unwrap(),
            parse_network("10.0.0.0/8").unwrap()
        );
    }

    #[test]
    fn malformed_networks_are_rejected() {
        for bad in [
            "300.1.1.1",
            "010.0.0.1",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/255.0.0.0",
            "fe80::1%eth0",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0.0/ 8",
            " 10.0.0.1",
            "1.2.3",
            "",
        ] {
            assert!(parse_network(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn request_addresses_exclude_blocks_and_map_ipv4() {
        assert!(parse_request_address("10.0.0.0/8").is_err());
        assert!(parse_request_address("Internal").is_err());
        assert_eq!(
            parse_request_address("::ffff:192.0.2.1").unwrap(),
            parse_request_address("192.0.2.1").unwrap()
        );
    }
}
