//! The network side of the sandbox: an egress proxy and DNS answerer run outside, reached from
//! inside only through a Unix socket.
