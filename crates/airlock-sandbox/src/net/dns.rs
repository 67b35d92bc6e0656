//! The DNS answerer outside: A and AAAA for allowed names, resolved here, with only addresses
//! that pass the address check. Nothing is forwarded upstream as asked; everything else is
//! refused.

use std::io::{self, Write};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA};
use hickory_proto::rr::{DNSClass, RData, Record, RecordType};

use super::egress::Ctx;
use super::policy::normalize_name;
use super::stream::{read_by, read_exact_by, Conn};
use super::{Denial, DenialKind};

/// The largest DNS message accepted from inside.
pub(crate) const MAX_MESSAGE: usize = 4096;
/// How long a DNS connection may sit idle between messages.
const IDLE: Duration = Duration::from_secs(30);
/// How long one message may take to arrive once its length is in.
const MESSAGE_TIME: Duration = Duration::from_secs(10);
const TTL: u32 = 60;

/// Serves length-prefixed DNS messages on `conn` until it closes, idles, or misbehaves.
pub(crate) fn serve(conn: &mut dyn Conn, ctx: &Ctx) {
    loop {
        let mut len = [0u8; 2];
        match read_by(conn, &mut len[..1], Instant::now() + IDLE) {
            Ok(1) => {}
            _ => return,
        }
        if read_exact_by(conn, &mut len[1..], Instant::now() + MESSAGE_TIME).is_err() {
            return;
        }
        let len = usize::from(u16::from_be_bytes(len));
        if len > MAX_MESSAGE {
            ctx.report(&Denial { kind: DenialKind::Dns, host: String::new(), port: 53, reason: format!("DNS message of {len} bytes (over {MAX_MESSAGE})") });
            return;
        }
        let mut msg = vec![0u8; len];
        if read_exact_by(conn, &mut msg, Instant::now() + MESSAGE_TIME).is_err() {
            return;
        }
        let Some(reply) = answer(ctx, &msg) else { continue };
        if write_framed(conn, &reply).is_err() {
            return;
        }
    }
}

/// Writes one message with its 2-byte length.
pub(crate) fn write_framed(w: &mut dyn Write, msg: &[u8]) -> io::Result<()> {
    let len = u16::try_from(msg.len()).map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "DNS message too long"))?;
    let mut out = Vec::with_capacity(msg.len() + 2);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(msg);
    w.write_all(&out)?;
    w.flush()
}

/// The reply to one query message; `None` when there is nothing to answer (not even an id).
pub(crate) fn answer(ctx: &Ctx, query: &[u8]) -> Option<Vec<u8>> {
    let msg = match Message::from_vec(query) {
        Ok(m) => m,
        Err(e) => {
            ctx.report(&Denial { kind: DenialKind::Dns, host: String::new(), port: 53, reason: format!("malformed DNS query: {e}") });
            return formerr(query);
        }
    };
    let reply = answer_message(ctx, &msg);
    match reply.to_vec() {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            tracing::debug!(error = %e, "sandbox dns: cannot encode a reply");
            formerr(query)
        }
    }
}

/// A bare FORMERR header echoing the query's id.
fn formerr(query: &[u8]) -> Option<Vec<u8>> {
    let id = query.get(..2)?;
    let mut out = id.to_vec();
    // QR=1, opcode 0, RCODE=1 (FORMERR); all counts zero.
    out.extend_from_slice(&[0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]);
    Some(out)
}

fn reply_to(q: &Message, code: ResponseCode) -> Message {
    let mut m = Message::new();
    m.set_id(q.id())
        .set_message_type(MessageType::Response)
        .set_op_code(q.op_code())
        .set_recursion_desired(q.recursion_desired())
        .set_recursion_available(true)
        .set_response_code(code);
    for query in q.queries() {
        m.add_query(query.clone());
    }
    m
}

fn answer_message(ctx: &Ctx, msg: &Message) -> Message {
    let refuse = |host: String, reason: String| {
        ctx.report(&Denial { kind: DenialKind::Dns, host, port: 53, reason });
        reply_to(msg, ResponseCode::Refused)
    };
    if msg.message_type() != MessageType::Query || msg.op_code() != OpCode::Query {
        return refuse(String::new(), "not a standard DNS query".into());
    }
    let [question] = msg.queries() else {
        return refuse(String::new(), format!("{} questions in one DNS query", msg.queries().len()));
    };
    let raw_name = question.name().to_ascii();
    // `localhost` is the sandbox's own loopback (RFC 6761): answered here, not reported.
    if let Some(local) = normalize_name(&raw_name).filter(|n| n == "localhost" || n.ends_with(".localhost")) {
        let mut reply = reply_to(msg, ResponseCode::NoError);
        let rdata = match question.query_type() {
            RecordType::A => Some(RData::A(A(std::net::Ipv4Addr::LOCALHOST))),
            RecordType::AAAA => Some(RData::AAAA(AAAA(std::net::Ipv6Addr::LOCALHOST))),
            _ => None,
        };
        if let Some(rdata) = rdata.filter(|_| question.query_class() == DNSClass::IN) {
            reply.add_answer(Record::from_rdata(question.name().clone(), TTL, rdata));
        }
        tracing::trace!(name = local, "sandbox dns: localhost answered locally");
        return reply;
    }
    let Some(name) = normalize_name(&raw_name).filter(|n| ctx.policy.allows_name(n)) else {
        let shown = normalize_name(&raw_name).unwrap_or(raw_name);
        return refuse(shown, "name not in allow_domains".into());
    };
    let qtype = question.query_type();
    if question.query_class() != DNSClass::IN || !matches!(qtype, RecordType::A | RecordType::AAAA) {
        return refuse(name, format!("DNS query type {qtype} (only A and AAAA are answered)"));
    }
    let addrs = match (ctx.resolve)(&name, 0) {
        Ok(a) => a,
        Err(e) => {
            tracing::debug!(name, error = %e, "sandbox dns: cannot resolve");
            return reply_to(msg, ResponseCode::ServFail);
        }
    };
    let mut reply = reply_to(msg, ResponseCode::NoError);
    let owner = question.name().clone();
    for ip in addrs {
        let rdata = match (ip, qtype) {
            (IpAddr::V4(v4), RecordType::A) => RData::A(A(v4)),
            (IpAddr::V6(v6), RecordType::AAAA) => RData::AAAA(AAAA(v6)),
            _ => continue,
        };
        if let Err(why) = (ctx.check)(ip) {
            ctx.report(&Denial { kind: DenialKind::Dns, host: name.clone(), port: 53, reason: format!("resolves to {ip}: {why}") });
            continue;
        }
        reply.add_answer(Record::from_rdata(owner.clone(), TTL, rdata));
    }
    reply
}
