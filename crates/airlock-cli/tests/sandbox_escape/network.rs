//! Network: loopback listeners that are not forwarded, names that are not on the allow list (with
//! and without the proxy), the proxy's refusal of loopback, the outside with no allow list, and
//! host unix sockets (abstract and file).

use std::fs;
use std::net::{SocketAddr, TcpListener};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr as UnixAddr, UnixListener};
use std::path::PathBuf;

use crate::fixture::{assert_accepts_nothing, assert_unix_accepts_nothing, py_connect, run_with_timeout, unique, Fx, Out};
use crate::{PY, RAN, TIMEOUT};

#[test]
fn loopback_listener_not_forwarded_is_unreachable() {
    require_sandbox!();
    let fx = Fx::new();
    let allowed = TcpListener::bind("127.0.0.1:0").unwrap();
    let allowed_port = allowed.local_addr().unwrap().port();
    let other = TcpListener::bind("127.0.0.1:0").unwrap();
    let other_port = other.local_addr().unwrap().port();
    // Another address in 127.0.0.0/8 on the allowed port, and on a port of its own.
    let same_port_other_ip = TcpListener::bind(SocketAddr::from(([127, 0, 0, 2], allowed_port))).ok();
    let other_ip = TcpListener::bind("127.0.0.2:0").unwrap();
    let other_ip_port = other_ip.local_addr().unwrap().port();
    let mut targets = vec![
        ("127.0.0.1:other".to_string(), "AF_INET", format!("('127.0.0.1', {other_port})")),
        ("127.0.0.2:own".to_string(), "AF_INET", format!("('127.0.0.2', {other_ip_port})")),
        ("localhost:other".to_string(), "AF_INET", format!("('localhost', {other_port})")),
    ];
    if same_port_other_ip.is_some() {
        targets.push(("127.0.0.2:allowed-port".to_string(), "AF_INET", format!("('127.0.0.2', {allowed_port})")));
    }
    let port_arg = allowed_port.to_string();
    let out = fx.py(&["--allow-port-forward", &port_arg], &py_connect(&targets));
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains(": connected"), "a listener that is not forwarded was reached:\n{out}");
    assert_accepts_nothing(&other, "127.0.0.1 (other port)");
    assert_accepts_nothing(&other_ip, "127.0.0.2");
    if let Some(l) = &same_port_other_ip {
        assert_accepts_nothing(l, "127.0.0.2 on the allowed port");
    }
    drop(allowed);
}

const DNS_PROBE: &str = "import socket, sys\nname = sys.argv[1]\ntry:\n    print('NAME-RESOLVED', socket.getaddrinfo(name, 443), flush=True)\nexcept OSError as e:\n    print('NAME-FAILED', e, flush=True)\n";

fn dns_attempt(fx: &Fx, extra: &[&str], name: &str) -> Out {
    let probe = fx.script("dns_probe.py", DNS_PROBE);
    fx.sh(
        extra,
        &format!(
            "getent hosts {name} && echo GETENT-\"RESOLVED\"; getent ahosts {name} && echo GETENT-\"RESOLVED\"; \
             {PY} {probe} {name}; true"
        ),
    )
}

#[test]
fn unlisted_name_does_not_resolve_without_network() {
    require_sandbox!();
    let fx = Fx::new();
    let name = format!("{}.evil.example", unique("exfil-"));
    let out = dns_attempt(&fx, &[], &name);
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains("GETENT-RESOLVED") && !out.stdout.contains("NAME-RESOLVED"), "{out}");
    assert!(out.stdout.contains("NAME-FAILED"), "{out}");
}

#[test]
fn unlisted_name_is_denied_and_reported_with_allow_domain() {
    require_sandbox!();
    let fx = Fx::new();
    let name = format!("{}.evil.example", unique("exfil-"));
    let out = dns_attempt(&fx, &["--allow-domain", "allowed.example"], &name);
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains("GETENT-RESOLVED") && !out.stdout.contains("NAME-RESOLVED"), "{out}");
    assert!(out.stdout.contains("NAME-FAILED"), "{out}");
    assert!(
        out.stderr.lines().any(|l| l.starts_with("airlock: denied") && l.contains(&name)),
        "no `airlock: denied` line naming {name}:\n{out}"
    );
}

#[test]
fn unlisted_name_through_the_proxy_is_denied_and_reported() {
    require_sandbox!();
    require_tool!("curl");
    let fx = Fx::new();
    let name = format!("{}.evil.example", unique("exfil-"));
    let out = fx.sh(
        &["--allow-domain", "allowed.example"],
        &format!(
            "curl -fsS --max-time 10 http://{name}/ && echo \"FETCHED\"; \
             curl -fsS --max-time 10 https://{name}/ && echo \"FETCHED\"; true"
        ),
    );
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains("FETCHED"), "{out}");
    assert!(
        out.stderr.lines().any(|l| l.starts_with("airlock: denied") && l.contains(&name)),
        "no `airlock: denied` line naming {name}:\n{out}"
    );
}

#[test]
fn egress_proxy_refuses_an_allowed_name_that_resolves_to_loopback() {
    // `localhost` is on the allow list, but the proxy must not connect to a loopback address no
    // port forward names (an SSRF into the host's local services).
    require_sandbox!();
    require_tool!("curl");
    let fx = Fx::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let out = fx.sh(
        &["--allow-domain", "localhost"],
        &format!(
            "curl -fsS --noproxy '' --max-time 10 http://localhost:{port}/ && echo \"FETCHED\"; \
             curl -fsS --noproxy '' --max-time 10 -p http://localhost:{port}/ && echo \"FETCHED\"; \
             curl -fsS --noproxy '' --max-time 10 http://169.254.169.254/latest/meta-data/ && echo \"FETCHED\"; true"
        ),
    );
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains("FETCHED"), "{out}");
    assert_accepts_nothing(&listener, "the host's loopback listener");
}

#[test]
fn stream_sockets_to_the_outside_are_closed_without_allow_list() {
    // With no --allow-domain, nothing outside answers: a public address fails fast and no proxy
    // variable is set.
    require_sandbox!();
    let fx = Fx::new();
    let out = fx.py(
        &[],
        &format!(
            "import os\nprint('proxy', [k for k in os.environ if k.lower().endswith('_proxy')], flush=True)\n{}",
            py_connect(&[("public".to_string(), "AF_INET", "('1.1.1.1', 443)".to_string())])
        ),
    );
    fx.assert_ran_clean(&out);
    assert!(out.stdout.contains("public: refused"), "{out}");
}

#[test]
fn abstract_unix_socket_of_host_is_unreachable() {
    require_sandbox!();
    let fx = Fx::new();
    let name = unique("airlock-canary-");
    let listener = UnixListener::bind_addr(&UnixAddr::from_abstract_name(name.as_bytes()).unwrap()).unwrap();
    let out = fx.py(&[], &py_connect(&[("abstract".to_string(), "AF_UNIX", format!("'\\0{name}'"))]));
    fx.assert_ran_clean(&out);
    assert!(out.stdout.contains("abstract: refused"), "{out}");
    assert_unix_accepts_nothing(&listener, "the abstract socket");
}

#[test]
fn unix_socket_file_outside_workspace_is_unreachable() {
    require_sandbox!();
    let fx = Fx::new();
    // An agent socket in a host temporary directory (like SSH_AUTH_SOCK), and one under /run
    // (where docker.sock and the D-Bus system bus live) when the test may create it.
    let agent = fx.outside.join("agent.sock");
    let agent_l = UnixListener::bind(&agent).unwrap();
    let run_path = PathBuf::from(format!("/run/{}.sock", unique("airlock-canary-")));
    let run_l = UnixListener::bind(&run_path).ok();
    let mut targets = vec![("agent".to_string(), "AF_UNIX", format!("{:?}", agent.display().to_string()))];
    if run_l.is_some() {
        targets.push(("run".to_string(), "AF_UNIX", format!("{:?}", run_path.display().to_string())));
    } else {
        eprintln!("note: cannot create a socket under /run; only the temporary-directory socket is tried");
    }
    let mut cmd = fx.command(&[], &[PY, "-c", &format!("print({RAN:?}, flush=True)\n{}", py_connect(&targets))]);
    cmd.env("SSH_AUTH_SOCK", &agent);
    let out = run_with_timeout(cmd, None, TIMEOUT);
    let _ = fs::remove_file(&run_path);
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains(": connected"), "{out}");
    assert_unix_accepts_nothing(&agent_l, "the agent socket");
    if let Some(l) = &run_l {
        assert_unix_accepts_nothing(l, "the /run socket");
    }
}
