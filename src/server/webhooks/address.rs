//! Where a webhook may be sent: `https` to a public address. Loopback,
//! private, link-local, shared and multicast addresses are refused (a
//! webhook must not reach into the bank's or our own network) unless the
//! operator allows them, as tests on loopback do; plain `http` only then.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// How long a name may take to resolve.
const LOOKUP: Duration = Duration::from_secs(5);

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum AddressError {
    #[error("not a web address: {0}")]
    Invalid(String),
    #[error("the address must start with https://")]
    Scheme,
    #[error("the address has no host")]
    NoHost,
    #[error("{host} could not be resolved: {reason}")]
    Unresolved { host: String, reason: String },
    #[error("{host} resolves to {ip}, a private, loopback or link-local address")]
    Private { host: String, ip: IpAddr },
}

/// A checked target: the URL and the address to connect to (pinned, so a
/// name cannot resolve elsewhere between the check and the request).
pub struct Target {
    pub url: url::Url,
    pub host: String,
    pub addr: SocketAddr,
}

/// Checks `text` and resolves its host.
pub async fn resolve(text: &str, allow_private: bool) -> Result<Target, AddressError> {
    let url = url::Url::parse(text).map_err(|e| AddressError::Invalid(e.to_string()))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(AddressError::Scheme),
    }
    let host = url.host_str().ok_or(AddressError::NoHost)?.to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let addr = resolve_host(&host, port, allow_private).await?;
    Ok(Target {
        url,
        host: host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
        addr,
    })
}

/// Resolves `host` (a name, or an address in brackets or not) to the
/// address to connect to, refusing private ones unless allowed.
pub async fn resolve_host(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<SocketAddr, AddressError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let unresolved = |reason: String| AddressError::Unresolved {
        host: host.to_owned(),
        reason,
    };
    let addrs: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::time::timeout(LOOKUP, tokio::net::lookup_host((bare, port)))
            .await
            .map_err(|_| unresolved("no answer within 5 s".to_owned()))?
            .map_err(|e| unresolved(e.to_string()))?
            .collect(),
    };
    let first = *addrs
        .first()
        .ok_or_else(|| unresolved("no address".to_owned()))?;
    // Every address the name has must be public: a name with one private
    // address among public ones could be steered to it.
    if !allow_private && let Some(bad) = addrs.iter().find(|a| !public(a.ip())) {
        return Err(AddressError::Private {
            host: host.to_owned(),
            ip: bad.ip(),
        });
    }
    Ok(first)
}

/// Whether `ip` is on the public internet.
pub fn public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                // 100.64.0.0/10, shared address space (carrier NAT).
                || (a == 100 && (64..128).contains(&b))
                // 0.0.0.0/8 and 240.0.0.0/4.
                || a == 0
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // fc00::/7 unique local, fe80::/10 link-local.
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!public(private.parse().expect("an address")), "{private}");
        }
        for open in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(public(open.parse().expect("an address")), "{open}");
        }
    }

    #[tokio::test]
    async fn loopback_and_plain_http_need_the_operators_leave() {
        assert_eq!(
            resolve("http://127.0.0.1:9/hook", false).await.err(),
            Some(AddressError::Scheme)
        );
        assert!(matches!(
            resolve("https://127.0.0.1:9/hook", false).await.err(),
            Some(AddressError::Private { .. })
        ));
        assert!(matches!(
            resolve("https://[::1]/hook", false).await.err(),
            Some(AddressError::Private { .. })
        ));
        let allowed = resolve("http://127.0.0.1:9/hook", true)
            .await
            .expect("allowed");
        assert_eq!(allowed.addr, "127.0.0.1:9".parse().expect("an address"));
        assert!(matches!(
            resolve("not a url", true).await.err(),
            Some(AddressError::Invalid(_))
        ));
    }
}
