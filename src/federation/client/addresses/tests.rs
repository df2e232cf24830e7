use super::*;

fn public(s: &str) -> bool {
    is_public_address(s.parse().unwrap())
}

#[test]
fn ipv4_non_public_ranges_are_refused() {
    for ip in [
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
        "100.127.255.255",
        "192.0.0.8",
        "192.0.2.1",
        "198.18.0.1",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
    ] {
        assert!(!public(ip), "{ip} must be refused");
    }
}

#[test]
fn ipv4_public_addresses_pass() {
    for ip in [
        "1.1.1.1",
        "8.8.8.8",
        "93.184.215.14",
        "172.15.255.255",
        "172.32.0.1",
        "100.63.255.255",
        "100.128.0.1",
        "192.169.0.1",
        "223.255.255.255",
    ] {
        assert!(public(ip), "{ip} is public");
    }
}

#[test]
fn ipv6_non_public_ranges_are_refused() {
    for ip in [
        "::",
        "::1",
        "::127.0.0.1",
        "fc00::1",
        "fd12:3456:789a::1",
        "fe80::1",
        "febf::1",
        "fec0::1",
        "ff02::1",
        "ff0e::1",
        "2001:db8::1",
        "3fff::1",
        "2001::1",
        "2001:2::1",
        "2001:20::1",
        "100::1",
    ] {
        assert!(!public(ip), "{ip} must be refused");
    }
}

#[test]
fn ipv6_public_addresses_pass() {
    for ip in [
        "2606:4700:4700::1111",
        "2001:4860:4860::8888",
        "2a01:4f8::1",
        "2001:db9::1",
    ] {
        assert!(public(ip), "{ip} is public");
    }
}

#[test]
fn embedded_ipv4_addresses_are_judged_by_their_ipv4_part() {
    for ip in [
        "::ffff:127.0.0.1",
        "::ffff:10.1.2.3",
        "::ffff:169.254.169.254",
        "64:ff9b::10.0.0.1",
        "2002:c0a8:0101::1",
        "2002:7f00:1::1",
    ] {
        assert!(!public(ip), "{ip} must be refused");
    }
    for ip in ["::ffff:8.8.8.8", "64:ff9b::808:808", "2002:0808:0808::1"] {
        assert!(public(ip), "{ip} is public");
    }
}
