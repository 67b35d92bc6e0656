//! The allowlist decisions, as pure functions: which names and ports a request may name, and
//! which addresses a name may resolve to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{Denial, DenialKind, NetPolicy};

/// One `allow_domains` entry, normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    /// Exactly this name (lowercase, no trailing dot).
    Exact(String),
    /// Any name ending in `.suffix` (the apex itself excluded).
    Subdomains(String),
    /// This address only.
    Ip(IpAddr),
}

/// The policy in the form the proxy checks it against.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    rules: Vec<Rule>,
    forwards: Vec<u16>,
}

/// Where an allowed request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A loopback host whose port is forwarded: 127.0.0.1:port on the host, no address check.
    Forward(u16),
    /// An allowed IP literal: that address (still subject to [`check_addr`]).
    Ip(IpAddr),
    /// An allowed name (lowercase, no trailing dot): resolve it, then check every address.
    Name(String),
}

impl Compiled {
    pub(crate) fn new(policy: &NetPolicy) -> Self {
        let rules = policy.allow_domains.iter().filter_map(|e| parse_rule(e)).collect();
        Compiled { rules, forwards: policy.port_forwards.clone() }
    }

    pub(crate) fn forwards(&self, port: u16) -> bool {
        self.forwards.contains(&port)
    }

    /// Whether a DNS name (no IP literals) is on the allowlist.
    pub(crate) fn allows_name(&self, name: &str) -> bool {
        let Some(name) = normalize_name(name) else { return false };
        self.rules.iter().any(|r| match r {
            Rule::Exact(n) => *n == name,
            Rule::Subdomains(s) => {
                name.len() > s.len() + 1 && name.ends_with(s.as_str()) && name.as_bytes().get(name.len() - s.len() - 1) == Some(&b'.')
            }
            Rule::Ip(_) => false,
        })
    }

    fn allows_ip(&self, ip: IpAddr) -> bool {
        self.rules.iter().any(|r| matches!(r, Rule::Ip(a) if *a == ip))
    }
}

fn parse_rule(entry: &str) -> Option<Rule> {
    let e = entry.trim();
    if let Some(ip) = parse_ip(e) {
        return Some(Rule::Ip(ip));
    }
    if let Some(rest) = e.strip_prefix("*.") {
        return normalize_name(rest).map(Rule::Subdomains);
    }
    match normalize_name(e) {
        Some(n) => Some(Rule::Exact(n)),
        None => {
            tracing::warn!(entry, "sandbox: ignoring an allow_domains entry that is not a name, *.name or an IP address");
            None
        }
    }
}

/// An IP literal as written in a URL or CONNECT target: `1.2.3.4`, `::1` or `[::1]`.
pub(crate) fn parse_ip(host: &str) -> Option<IpAddr> {
    let h = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    h.parse().ok()
}

/// Lowercase, trailing dot dropped; `None` unless it is a plausible DNS name (letters, digits,
/// `-`, `_`, non-empty labels of at most 63 bytes, at most 253 bytes in all).
pub(crate) fn normalize_name(name: &str) -> Option<String> {
    let n = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    let ok = !n.is_empty()
        && n.len() <= 253
        && n.split('.').all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    ok.then_some(n)
}

fn is_loopback_host(host: &str) -> bool {
    match parse_ip(host) {
        Some(ip) => ip.is_loopback() || matches!(ip, IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())),
        None => normalize_name(host).is_some_and(|n| n == "localhost" || n.ends_with(".localhost")),
    }
}

fn denial(host: &str, port: u16, reason: impl Into<String>) -> Denial {
    Denial { kind: DenialKind::Connect, host: host.to_string(), port, reason: reason.into() }
}

/// Whether a proxy request may name `host:port`, and where it then goes. The address check of
/// resolved names is separate ([`check_addr`]), after resolution.
pub(crate) fn check_host(policy: &Compiled, host: &str, port: u16) -> Result<Target, Denial> {
    if port == 0 {
        return Err(denial(host, port, "port 0"));
    }
    if is_loopback_host(host) {
        return if policy.forwards(port) {
            Ok(Target::Forward(port))
        } else {
            Err(denial(host, port, format!("loopback port {port} is not forwarded")))
        };
    }
    if let Some(ip) = parse_ip(host) {
        if !policy.allows_ip(ip) {
            return Err(denial(host, port, "address not in allow_domains"));
        }
        check_addr(ip).map_err(|why| denial(host, port, why))?;
        return Ok(Target::Ip(ip));
    }
    let Some(name) = normalize_name(host) else {
        return Err(denial(host, port, "not a valid host name"));
    };
    if !policy.allows_name(&name) {
        return Err(denial(host, port, "name not in allow_domains"));
    }
    Ok(Target::Name(name))
}

/// `Err(why)` for an address a sandboxed command must not reach through the proxy: private,
/// loopback, link-local, unspecified, multicast, broadcast, reserved, cloud metadata, and the
/// IPv6 forms that embed one of those (mapped, compatible, NAT64, 6to4).
pub fn check_addr(ip: IpAddr) -> Result<(), &'static str> {
    match ip {
        IpAddr::V4(v4) => check_v4(v4),
        IpAddr::V6(v6) => check_v6(v6),
    }
}

fn check_v4(ip: Ipv4Addr) -> Result<(), &'static str> {
    let [a, b, c, d] = ip.octets();
    if ip == Ipv4Addr::new(169, 254, 169, 254) || ip == Ipv4Addr::new(100, 100, 100, 200) {
        return Err("cloud metadata address");
    }
    if a == 0 {
        return Err("unspecified address");
    }
    if a == 127 {
        return Err("loopback address");
    }
    if a == 10 || (a == 172 && (16..32).contains(&b)) || (a == 192 && b == 168) {
        return Err("private address");
    }
    if a == 100 && (64..128).contains(&b) {
        return Err("shared (carrier-grade NAT) address");
    }
    if a == 169 && b == 254 {
        return Err("link-local address");
    }
    if (a, b, c, d) == (255, 255, 255, 255) {
        return Err("broadcast address");
    }
    if (224..240).contains(&a) {
        return Err("multicast address");
    }
    if a >= 240 {
        return Err("reserved address");
    }
    Ok(())
}

fn check_v6(ip: Ipv6Addr) -> Result<(), &'static str> {
    let seg = ip.segments();
    let [s0, s1, s2, s3, s4, s5, s6, s7] = seg;
    let embedded = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if ip.is_unspecified() {
        return Err("unspecified address");
    }
    if ip.is_loopback() {
        return Err("loopback address");
    }
    if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        return Err("cloud metadata address");
    }
    // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible).
    if s0 == 0 && s1 == 0 && s2 == 0 && s3 == 0 && s4 == 0 && (s5 == 0xffff || s5 == 0) {
        return check_v4(embedded(s6, s7));
    }
    // ::ffff:0:a.b.c.d (IPv4-translated).
    if s0 == 0 && s1 == 0 && s2 == 0 && s3 == 0 && s4 == 0xffff && s5 == 0 {
        return check_v4(embedded(s6, s7));
    }
    // NAT64 well-known prefix 64:ff9b::/96; the local-use 64:ff9b:1::/48 may map anything.
    if s0 == 0x64 && s1 == 0xff9b {
        if s2 == 1 {
            return Err("local NAT64 address");
        }
        if s2 == 0 && s3 == 0 && s4 == 0 && s5 == 0 {
            return check_v4(embedded(s6, s7));
        }
    }
    // 6to4 2002:a.b.c.d::/48.
    if s0 == 0x2002 {
        return check_v4(embedded(s1, s2));
    }
    if s0 & 0xfe00 == 0xfc00 {
        return Err("private (unique local) address");
    }
    if s0 & 0xffc0 == 0xfe80 {
        return Err("link-local address");
    }
    if s0 & 0xffc0 == 0xfec0 {
        return Err("site-local address");
    }
    if s0 & 0xff00 == 0xff00 {
        return Err("multicast address");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn policy(domains: &[&str], forwards: &[u16]) -> Compiled {
        Compiled::new(&NetPolicy { allow_domains: domains.iter().map(|s| s.to_string()).collect(), port_forwards: forwards.to_vec() })
    }

    #[test]
    fn exact_and_wildcard_names() {
        let p = policy(&["Example.COM.", "*.pypi.org"], &[]);
        assert_eq!(check_host(&p, "example.com", 443), Ok(Target::Name("example.com".into())));
        assert_eq!(check_host(&p, "EXAMPLE.com.", 443), Ok(Target::Name("example.com".into())));
        assert!(check_host(&p, "www.example.com", 443).is_err());
        assert!(check_host(&p, "example.com.evil.net", 443).is_err());
        assert!(check_host(&p, "files.pypi.org", 443).is_ok());
        assert!(check_host(&p, "a.b.pypi.org", 80).is_ok());
        assert!(check_host(&p, "pypi.org", 443).is_err(), "the apex is not a subdomain");
        assert!(check_host(&p, "xpypi.org", 443).is_err());
        assert!(check_host(&p, ".pypi.org", 443).is_err());
        assert!(check_host(&p, "example.com", 0).is_err());
    }

    #[test]
    fn odd_names_refused() {
        let p = policy(&["example.com"], &[]);
        for h in ["", ".", "exa mple.com", "example.com\0", "example..com", "ex@mple.com", "example.com:80"] {
            let d = check_host(&p, h, 443).unwrap_err();
            assert_eq!(d.kind, DenialKind::Connect);
        }
    }

    #[test]
    fn ip_literal_entries() {
        let p = policy(&["93.184.216.34", "[2606:2800:220:1::1]", "10.0.0.1"], &[]);
        assert!(check_host(&p, "93.184.216.34", 443).is_ok());
        assert!(check_host(&p, "[2606:2800:220:1::1]", 443).is_ok());
        assert!(check_host(&p, "2606:2800:220:1::1", 443).is_ok());
        assert!(check_host(&p, "93.184.216.35", 443).is_err());
        // Allowed by name but private: still refused.
        assert!(check_host(&p, "10.0.0.1", 443).unwrap_err().reason.contains("private"));
        // IP entries never match DNS names.
        assert!(!p.allows_name("93.184.216.34"));
    }

    #[test]
    fn loopback_only_with_a_forward() {
        let none = policy(&["localhost", "127.0.0.1"], &[]);
        for h in ["localhost", "LOCALHOST.", "127.0.0.1", "127.1.2.3", "[::1]", "::ffff:127.0.0.1", "x.localhost"] {
            assert!(check_host(&none, h, 8080).is_err(), "{h}");
        }
        let fwd = policy(&[], &[8080]);
        for h in ["localhost", "127.0.0.1", "[::1]", "127.0.0.9"] {
            assert_eq!(check_host(&fwd, h, 8080), Ok(Target::Forward(8080)), "{h}");
            assert!(check_host(&fwd, h, 8081).is_err(), "{h}");
        }
    }

    #[test]
    fn addresses() {
        let bad = [
            "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1", "100.127.255.255", "127.0.0.1",
            "169.254.169.254", "169.254.1.1", "100.100.100.200", "0.0.0.0", "0.1.2.3", "224.0.0.1", "239.1.1.1",
            "255.255.255.255", "240.0.0.1", "::", "::1", "fc00::1", "fd00:ec2::254", "fdff::1", "fe80::1", "febf::1",
            "fec0::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1",
            "::10.1.1.1", "::ffff:0:10.0.0.1", "64:ff9b::a00:1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1", "2002:a00:1::1", "2002:7f00:1::",
        ];
        for a in bad {
            assert!(check_addr(a.parse().unwrap()).is_err(), "{a}");
        }
        let good = ["93.184.216.34", "172.32.0.1", "100.63.0.1", "100.128.0.1", "8.8.8.8", "2606:4700::1", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"];
        for a in good {
            assert_eq!(check_addr(a.parse().unwrap()), Ok(()), "{a}");
        }
    }

    #[test]
    fn names_normalized() {
        assert_eq!(normalize_name("A-b_c.D."), Some("a-b_c.d".into()));
        assert_eq!(normalize_name(&"a".repeat(64)), None);
        assert_eq!(normalize_name(&["a"; 130].join(".")), None);
        assert_eq!(normalize_name("é.com"), None);
    }
}
